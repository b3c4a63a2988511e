"""Fixtures shared across test folders."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gates.cli import main
from gates.model import GateResult, Status
from gates.workspace import Workspace

LEDGER_PYPROJECT = """\
[project]
name = "demo"
version = "1.2.0"

[tool.gates]
required = ["tests", "coverage"]

[tool.gates.checklist]
must = ["CHANGELOG reviewed", { item = "All tests pass", gate = "tests" }]
should = ["docs reviewed"]
could = ["blog post drafted"]
"""


@dataclass
class LedgerProject:
    """A real git project in tmp_path whose gate results the test records, and the CLI on it."""

    root: Path
    capsys: pytest.CaptureFixture[str]

    def gates(self, *argv: str) -> tuple[int, str, str]:
        """Run ``gates ARGV --root ROOT`` in-process: exit code, stdout, stderr."""
        self.capsys.readouterr()
        code = main([*argv, "--root", str(self.root)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def record(
        self, gate: str, metrics: Mapping[str, Any], *, status: Status = Status.PASS, **details: Any
    ) -> None:
        """Record ``gate``'s result for the current tree, as the gate itself would."""
        workspace = Workspace.at(self.root)
        result = GateResult(gate, status, f"{gate} {status.value}", dict(metrics), details=details)
        workspace.write_result(
            result.stamped(
                tree=workspace.tree_id(),
                started_at=dt.datetime.now(dt.UTC),
                duration_s=0.1,
                tools={},
            )
        )

    def record_run(self, passed: int, failed: int, skipped: int, covered: float) -> None:
        """A tests result and a coverage result with these figures."""
        tests_status = Status.PASS if failed == 0 else Status.FAIL
        self.record(
            "tests", {"passed": passed, "failed": failed, "skipped": skipped}, status=tests_status
        )
        self.record("coverage", {"percent_covered": covered})


@pytest.fixture
def ledger_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., LedgerProject]:
    """Factory: a git project with ``pyproject`` (default: a checklist and tests+coverage gates)."""
    for variable in ("GATES_LEDGER_URL", "GITHUB_ACTIONS", "GITHUB_RUN_ID"):
        monkeypatch.delenv(variable, raising=False)

    def make(pyproject: str = LEDGER_PYPROJECT, name: str = "project") -> LedgerProject:
        root = tmp_path / name
        root.mkdir()
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        return LedgerProject(root, capsys)

    return make
