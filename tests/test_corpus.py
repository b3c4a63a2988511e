"""The adoption promise on real PyPI projects of every shape (`nox -s corpus`, minutes each).

Each project is adopted with `gates init` as a new user would; the clean tree must be GO, and
each seeded defect (tests/corpus_support.py SEEDS) a NO_GO whose reason names the gate that
caught it. benchmarks/bench_corpus.py runs the same harness and prints the table.
"""

from __future__ import annotations

from pathlib import Path

import corpus_support
import pytest


def _param(project: corpus_support.CorpusProject) -> object:
    # A project waiting on a named release-gates gap is expected to fail, strictly: once the gap
    # is closed the test passes, XPASS fails the run, and the mark must go.
    marks = [pytest.mark.xfail(reason=project.pending, strict=True)] if project.pending else []
    return pytest.param(project, id=project.name, marks=marks)


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("project", [_param(project) for project in corpus_support.CORPUS])
def test_adopted_project_is_go_and_every_seeded_defect_is_no_go(
    project: corpus_support.CorpusProject, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = corpus_support.download_or_skip(project.sdist)
    run = corpus_support.adopt_and_seed(project, archive, tmp_path)
    assert run.init_code == 0, run.init_output
    assert run.cold is not None and run.warm is not None
    assert (run.cold.verdict, run.cold.reasons) == ("GO", ()), run.cold.log[-3000:]
    assert run.warm.verdict == "GO", run.warm.log[-3000:]
    assert run.missed() == {}
    with capsys.disabled():
        print(
            f"\n{project.name}: GO clean, {len(run.seeds)}/{len(run.seeds)} seeds NO_GO; "
            f"nox -s gates cold {run.cold.seconds:.1f} s, warm {run.warm.seconds:.1f} s"
        )
