"""Fault matrix, the coverage gate's cache: a forged ``.gates/cache`` never lifts a failing total.

A real project measured by coverage.py at 70% and gated at 80%; the cache its first judgement
left is rewritten to claim every line ran (keeping the old seal, or sealing with a key of the
attacker's own, as a committed ``.gates`` would bring), then the gate judges again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from coverage_cache_support import forged, rewritten
from pytest_projects import build, gates

from gates.workspace import Workspace

MODULE = "def used():\n    a = 1\n    return a\n\n\ndef unused():\n    b = 2\n    return b\n"
"""6 statements, 2 never run: 66%."""


@pytest.fixture(autouse=True)
def _seal_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _measured(root: Path, omit: str = "") -> Path:
    """The project measured; ``omit``: a module also measured but left out of the report."""
    toml = (
        '[tool.coverage.run]\nsource = ["pkg"]\nrelative_files = true\n\n'
        + (f'[tool.coverage.report]\nomit = ["pkg/{omit}.py"]\n\n' if omit else "")
        + '[tool.gates]\nrequired = ["coverage"]\n\n[tool.gates.coverage]\nmin_total = 80\n'
    )
    extra = {f"pkg/{omit}.py": "def ran():\n    return 1\n"} if omit else {}
    build(root, {"pkg/__init__.py": "", "pkg/mod.py": MODULE, **extra}, toml)
    evidence = root / ".gates" / "evidence"
    evidence.mkdir(parents=True)
    runner = root.parent / "runner.py"
    also = f"from pkg.{omit} import ran\n\nran()\n" if omit else ""
    runner.write_text("from pkg.mod import used\n\nused()\n" + also)
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", f"--data-file={evidence / '.coverage'}",
         str(runner)],
        cwd=root, check=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    stamp = {"tree": Workspace.at(root).tree_id(), "pytest_exit_code": 0}
    (evidence / "meta.json").write_text(json.dumps(stamp))
    return root


@pytest.mark.parametrize(
    "seal", [None, b"attacker-key-of-thirty-two-bytes"], ids=["edited", "resealed"]
)
def test_a_forged_cache_entry_does_not_lift_the_total(tmp_path: Path, seal: bytes | None) -> None:
    root = _measured(tmp_path / "project")
    first = gates(root, "coverage")
    assert first.code == 1
    assert "coverage: FAIL — total 66.66% < 80% (gap 13.34%)" in first.out
    forged(root, seal)

    # --fresh: an unchanged tree would reuse the recorded result and never read the cache.
    again = gates(root, "coverage", "--fresh")

    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)
    assert "Traceback" not in again.out + again.err


EMPTY = {"path": "pkg/mod.py", "statements": [], "missing": [], "missing_text": ""}


@pytest.mark.parametrize(
    "value",
    [{**EMPTY, "numbers": "all"}, {**EMPTY, "numbers": [1, 1]}],
    ids=["not-a-list", "too-few-numbers"],
)
def test_a_sealed_entry_of_another_shape_is_analysed_again(
    tmp_path: Path, value: dict[str, object]
) -> None:
    """Sealed with the real key (as an older or newer release-gates would write): still a miss."""
    root = _measured(tmp_path / "project")
    first = gates(root, "coverage")
    seal = (tmp_path / "xdg-cache" / "release-gates" / "coverage-cache.key").read_bytes()
    rewritten(root, lambda _: value, seal)

    again = gates(root, "coverage", "--fresh")

    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)
    assert "coverage: FAIL — total 66.66% < 80% (gap 13.34%)" in again.out


def test_a_measured_file_the_report_omits_is_neither_judged_nor_cached(tmp_path: Path) -> None:
    root = _measured(tmp_path / "project", omit="other")

    first = gates(root, "coverage")
    again = gates(root, "coverage", "--fresh")

    assert first.code == again.code == 1
    assert "coverage: FAIL — total 66.66% < 80% (gap 13.34%)" in first.out
    assert "other" not in first.out and again.out == first.out
    cache = json.loads((root / ".gates" / "cache" / "coverage.json").read_text())
    assert sorted(e["value"]["path"] for e in cache["entries"].values()) == [
        "pkg/__init__.py",
        "pkg/mod.py",
    ]
