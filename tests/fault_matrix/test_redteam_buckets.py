"""Fault matrix, red team: a bucket's quarantine holds on the day of the decision, not of the run.

A failing test in a bucket with ``expires`` does not block until that day; a decision made later
on the same tree (a release job waiting for its approval) must see that it lapsed, as it sees a
bucket waiver that lapsed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from gates.buckets import BucketsGate
from gates.cli import main
from gates.project import Project
from gates.runner import run_gate
from tests.buckets_support import make_project, run_pytest

TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
SUITE = {
    "tests/test_a.py": """
        def test_ok():
            assert True

        def test_flaky_db():
            assert 1 == 2
    """
}


def test_a_quarantine_that_lapsed_after_the_run_is_no_go(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        tmp_path / "project",
        SUITE,
        f"""
        [[tool.gates.buckets]]
        name = "db quarantine"
        severity = "low"
        expires = {YESTERDAY.isoformat()}
        match = {{ nodeid = ["tests/test_a.py::test_flaky_db"] }}
        """,
    )
    run_pytest(root, root / ".gates/evidence/junit.xml")
    with Project.load(root) as project:  # the buckets gate, run yesterday: the quarantine held
        assert run_gate(project, BucketsGate(), today=YESTERDAY).result.status.value == "WARN"

    assert main(["decide", "--root", str(root), "--json"]) == 1
    out, err = capsys.readouterr()
    decision = json.loads(out)
    assert "Traceback" not in err
    assert decision["verdict"] == "NO_GO"
    assert decision["reasons"][0].endswith(
        f"; bucket db quarantine quarantined until {YESTERDAY.isoformat()} no longer holds at"
        " decide time)"
    )
