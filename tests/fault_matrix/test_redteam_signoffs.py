"""Fault matrix, red team: a sign-off counts for the release it was made for, nowhere else.

A production decision is NO_GO while a must-have item lacks its sign-off. Sign-offs live in the
ledger, which several projects may share (two projects of one repository on its git ledger, one
PostgreSQL database for a team), and which keeps every release's sign-offs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Project, git, init_repo

from gates.model import Status

CHECKLIST = '[tool.gates.checklist]\nmust = ["CHANGELOG reviewed"]\n'
MISSING = [
    "checklist: must-have sign-off missing: CHANGELOG reviewed"
    ' (needs: gates signoff "CHANGELOG reviewed" --by NAME)'
]


def production(project: Project) -> tuple[int, dict[str, Any]]:
    code, out, err = project.gates("decide", "--environment", "production", "--json")
    assert "Traceback" not in err
    return code, json.loads(out)


def test_a_signoff_in_another_project_of_the_repository_does_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init_repo(tmp_path)
    (tmp_path / ".gitignore").write_text(".gates/\n")
    a, b = Project(tmp_path / "a", capsys), Project(tmp_path / "b", capsys)
    for project, name in ((a, "app"), (b, "lib")):
        project.write(
            "pyproject.toml",
            f'[project]\nname = "{name}"\nversion = "1.0.0"\n\n'
            '[tool.gates]\nrequired = ["lint"]\nledger = "git"\n\n'
            f"[tool.gates.lint]\nformat = false\n\n{CHECKLIST}",
        )
        project.write(f"{name}/__init__.py", '"""A package."""\n')
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "two projects")
    assert a.gates("signoff", "CHANGELOG reviewed", "--by", "ana")[0] == 0
    assert b.gates("lint")[0] == 0

    code, decision = production(b)

    assert (code, decision["verdict"], decision["reasons"]) == (1, "NO_GO", MISSING)
    assert a.gates("lint")[0] == 0
    assert production(a)[1]["verdict"] == "GO"


def test_a_signoff_of_an_earlier_release_does_not_count_without_a_static_version(
    ledger_project: Any,
) -> None:
    """With a version from a VCS tag every release is version None: the tree tells them apart."""
    project = ledger_project(
        '[project]\nname = "demo"\ndynamic = ["version"]\n\n'
        f'[tool.gates]\nrequired = ["tests"]\n\n{CHECKLIST}'
    )
    project.record("tests", {"passed": 1, "failed": 0})
    assert project.gates("signoff", "CHANGELOG reviewed", "--by", "ana")[0] == 0
    assert production(project)[1]["verdict"] == "GO"
    project.write("NEWS.md", "The next release.\n")  # another tree: the next release
    project.record("tests", {"passed": 1, "failed": 0})

    code, decision = production(project)

    assert (code, decision["verdict"], decision["reasons"]) == (1, "NO_GO", MISSING)


def test_a_gate_item_is_not_ticked_by_an_advisory_gate_that_failed(ledger_project: Any) -> None:
    """An advisory FAIL only warns in the decision; the must-have item says the gate passed."""
    project = ledger_project(
        '[project]\nname = "demo"\nversion = "1.0.0"\n\n'
        '[tool.gates]\nrequired = ["coverage"]\nadvisory = ["tests"]\n\n'
        '[tool.gates.checklist]\nmust = [{ item = "All tests pass", gate = "tests" }]\n'
    )
    project.record("coverage", {"percent_covered": 90.0})
    project.record("tests", {"passed": 9, "failed": 1}, status=Status.FAIL)

    code, decision = production(project)

    assert (code, decision["verdict"]) == (1, "NO_GO")
    assert decision["reasons"] == [
        "checklist: must-have gate item missing: All tests pass (gate tests: WARN (advisory,"
        " failed))",
        "tests: advisory gate failed (tests FAIL)",
    ]
