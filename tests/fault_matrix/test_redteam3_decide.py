"""Fault matrix, red team 3: production is production however it is spelled.

``gates decide --environment Production`` (or ``PRODUCTION``, `` production``) was another
environment than ``production``: its GO skipped the must-have sign-offs, and
``gates release publish`` to the team's own index shipped under it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_projects import build, gates

CHECKLIST = '[tool.gates.checklist]\nmust = ["CHANGELOG reviewed"]\n'
MISSING = (
    "checklist: must-have sign-off missing: CHANGELOG reviewed"
    ' (needs: gates signoff "CHANGELOG reviewed" --by NAME)'
)


@pytest.mark.parametrize("spelling", ["Production", "PRODUCTION", " production "])
def test_production_spelled_otherwise_still_needs_the_must_haves(
    tmp_path: Path, spelling: str
) -> None:
    gates_toml = (
        '[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\nformat = false\n\n' + CHECKLIST
    )
    root = build(tmp_path / "project", {"pkg/__init__.py": '"""A package."""\n'}, gates_toml)
    assert gates(root, "lint").code == 0

    run = gates(root, "decide", "--environment", spelling, "--json")

    assert "Traceback" not in run.err
    decision = json.loads(run.out)
    assert (run.code, decision["verdict"], decision["reasons"]) == (1, "NO_GO", [MISSING])
    assert decision["environment"] == "production"
