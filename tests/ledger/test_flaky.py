"""Flaky tests over time: the rules on hand-made runs, then real ledgers and a real pytest suite."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import astuple
from pathlib import Path
from typing import Any

import pytest

from gates.cli import main
from gates.config import parse
from gates.ledger.flaky import (
    QUARANTINED,
    FlakyEvidence,
    FlakyTest,
    Run,
    flaky_tests,
    quarantine_rule,
)
from gates.model import Status
from tests.buckets_support import PYPROJECT, commit_on, make_project, run_pytest

A, B = "tests/test_a.py::test_a", "tests/test_a.py::test_b"
SAME = {"tests/test_a.py": "1111"}


def run(
    tree: str,
    failing: Collection[str] = (),
    *,
    flaky: Collection[str] = (),
    branch: str = "main",
    files: dict[str, str] | None = None,
) -> Run:
    return Run(f"d-{tree}", tree, branch, frozenset(failing), frozenset(flaky), files or {})


def evidence(found: list[FlakyTest]) -> dict[str, tuple[int, int, int, int, int]]:
    return {t.test: (t.flaky_runs, t.failed, *astuple(t.evidence)) for t in found}


def test_a_rerun_that_passed_is_flaky_in_that_run() -> None:
    found = flaky_tests([run("t1", flaky={A}), run("t2"), run("t3"), run("t4")])
    assert evidence(found) == {A: (1, 1, 1, 0, 0)}
    assert found[0].rate == 25.0


def test_failing_on_one_run_of_a_tree_and_passing_on_another_is_flaky() -> None:
    found = flaky_tests([run("t1", {A, B}), run("t1", {B}), run("t2", {A})])
    # B failed in both runs of t1: a real failure there, not a flake.
    assert evidence(found) == {A: (1, 2, 0, 1, 0)}


def test_fail_pass_fail_with_the_test_file_unchanged_is_flaky() -> None:
    found = flaky_tests(
        [run("t1", {A}, files=SAME), run("t2", files=SAME), run("t3", {A}, files=SAME)]
    )
    assert evidence(found) == {A: (2, 2, 0, 0, 2)}


@pytest.mark.parametrize(
    "middle_files",
    [{"tests/test_a.py": "2222"}, {}],
    ids=["test-file-changed", "test-file-not-known"],
)
def test_alternating_counts_only_when_the_test_file_is_known_unchanged(
    middle_files: dict[str, str],
) -> None:
    history = [
        run("t1", {A}, files=SAME),
        run("t2", files=middle_files),
        run("t3", {A}, files=SAME),
    ]
    assert flaky_tests(history) == []


def test_pass_fail_pass_is_flaky_and_other_branches_do_not_interleave() -> None:
    history = [
        run("t1", files=SAME),
        run("x1", {A}, branch="feature", files=SAME),
        run("t2", {A}, files=SAME),
        run("t3", files=SAME),
    ]
    assert evidence(flaky_tests(history)) == {A: (1, 2, 0, 0, 1)}


def test_a_test_that_keeps_failing_is_not_flaky() -> None:
    assert flaky_tests([run(f"t{i}", {A}, files=SAME) for i in range(5)]) == []


def test_worst_first() -> None:
    history = [run("t1", flaky={A, B}), run("t2", flaky={B}), run("t3")]
    assert [t.test for t in flaky_tests(history)] == [B, A]


def test_the_quarantine_rule_is_valid_config_that_catches_exactly_the_worst(tmp_path: Path) -> None:
    odd = "tests/test_a.py::test_p[a*b-?]"
    rerun_twice = FlakyEvidence(2, 0, 0)
    tests = [FlakyTest(f"tests/t.py::test_{i:02}", 20, 3, 2, rerun_twice) for i in range(12)]
    tests.insert(0, FlakyTest(odd + " [teardown]", 20, 9, 8, FlakyEvidence(8, 0, 0)))

    rule = quarantine_rule(tests, today=dt.date(2026, 12, 5))

    assert rule is not None
    document = tomllib.loads("[tool.gates]\n" + rule)
    config = parse(document, root=tmp_path, file=tmp_path / "pyproject.toml")
    (bucket,) = config.buckets
    assert (bucket.name, bucket.blocking, bucket.expires) == (
        "quarantine-flaky",
        False,
        dt.date(2027, 1, 4),
    )
    pattern = bucket.match.nodeid_pattern
    assert pattern is not None
    caught = [t.test for t in tests if pattern.match(t.test.removesuffix(" [teardown]"))]
    assert caught == [t.test for t in tests[:QUARANTINED]]
    assert not pattern.match("tests/test_a.py::test_p[aXb-Y]")  # brackets and * are literal
    assert rule.startswith("# Put this first among the [[tool.gates.buckets]]")


def test_no_flaky_test_no_rule() -> None:
    assert quarantine_rule([], today=dt.date(2026, 12, 5)) is None


# gates history --flaky over a real ledger ---------------------------------------------------

RUNS = itertools.count()


def _decide(project: Any, failing: Sequence[str], flaky: Sequence[str] = ()) -> None:
    """A new buckets run (numbered: two runs recorded in the same second still differ)."""
    status = Status.FAIL if failing else Status.PASS
    run = next(RUNS)
    project.record("buckets", {"run": run}, status=status, failing=list(failing), flaky=list(flaky))
    project.gates("decide")


def test_history_flaky_over_recorded_decisions(ledger_project: Any) -> None:
    project = ledger_project(PYPROJECT)
    commit_on(project.root, "main")
    for failing, flaky in [([A], []), ([], [B]), ([], []), ([], [])]:
        _decide(project, failing, flaky)

    code, out, err = project.gates("history", "--flaky", "--last", "3")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Flaky tests in the last 3 decisions (3 with a buckets result):"
    assert lines[2].split() == ["test", "flake", "rate", "flaky", "runs", "failed", "evidence"]
    assert re.split(r"\s{2,}", lines[3]) == [
        B,
        "33%",
        "1 of 3",
        "1",
        "rerun 1, same tree 0, alternating 0",
    ]
    assert len(lines) == 4 + 3 + len(quarantine_lines(out))

    code, data = project.gates_json("history", "--flaky")
    assert (data["window"], data["runs"]) == (4, 4)
    # A failed once on a tree whose other run passed it: the same tree, flaky.
    assert [(t["test"], t["flake_rate"], t["evidence"]) for t in data["tests"]] == [
        (A, 25.0, {"rerun": 0, "same_tree": 1, "alternating": 0}),
        (B, 25.0, {"rerun": 1, "same_tree": 0, "alternating": 0}),
    ]
    assert data["quarantine_rule"].splitlines()[-4:] == [
        "match = { nodeid = [",
        f'    "{A}",',
        f'    "{B}"',
        "] }",
    ]


def test_decisions_that_judge_one_buckets_run_again_count_as_one_run(ledger_project: Any) -> None:
    project = ledger_project(PYPROJECT)
    _decide(project, [A])
    for _ in range(2):  # the same recorded run decided again (as an unchanged, reused chain does)
        assert project.gates("decide")[0] == 1
    _decide(project, [])

    code, data = project.gates_json("history", "--flaky")

    assert code == 0
    assert (data["window"], data["runs"]) == (4, 2)
    assert [(t["test"], t["runs"], t["failed"], t["flake_rate"]) for t in data["tests"]] == [
        (A, 2, 1, 50.0)
    ]


def quarantine_lines(out: str) -> list[str]:
    return out.split("Suggested quarantine:\n\n", 1)[1].splitlines()


def test_history_flaky_with_no_flaky_test(ledger_project: Any) -> None:
    project = ledger_project(PYPROJECT)
    _decide(project, [A])
    assert project.gates("history", "--flaky") == (
        0,
        "No flaky tests in the last 1 decisions (1 with a buckets result).\n",
        "",
    )
    assert project.gates_json("history", "--flaky") == (
        0,
        {"window": 1, "runs": 1, "tests": [], "quarantine_rule": None},
    )


def test_last_without_flaky_is_a_usage_error(ledger_project: Any) -> None:
    project = ledger_project(PYPROJECT)
    assert project.gates("history", "--last", "5") == (
        2,
        "",
        "gates: error: history: --last goes with --flaky (the decisions table takes --limit)\n",
    )


# A real suite: a test that fails on one run of a tree and passes on the next. --------------------

FLIPPING = """
from pathlib import Path

def test_steady():
    assert True

def test_flips():
    marker = Path(__file__).parent / "fail-once"
    if marker.exists():
        marker.unlink()
        raise AssertionError("timing out on a slow worker")
"""


def test_a_real_flaky_test_is_found_and_the_pasted_quarantine_stops_it_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "p", {"tests/test_app.py": FLIPPING})
    (root / ".gitignore").write_text(".gates/\nfail-once\n", encoding="utf-8")
    commit_on(root, "main")
    junit = root / ".gates/evidence/junit.xml"
    for fails in (True, False, True):  # the same tree each time: only the marker differs
        if fails:
            (root / "tests/fail-once").write_text("")
        run_pytest(root, junit)
        main(["buckets", "--root", str(root)])
        main(["decide", "--root", str(root)])
    capsys.readouterr()

    assert main(["history", "--flaky", "--json", "--root", str(root)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(t["test"], t["flaky_runs"], t["runs"]) for t in data["tests"]] == [
        ("tests/test_app.py::test_flips", 2, 3)
    ]

    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + data["quarantine_rule"] + "\n")
    commit_on(root, "main")
    (root / "tests/fail-once").write_text("")
    run_pytest(root, junit)
    capsys.readouterr()
    assert main(["buckets", "--root", str(root), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [(b["name"], b["blocks"]) for b in result["details"]["buckets"]] == [
        ("quarantine-flaky", False)
    ]
