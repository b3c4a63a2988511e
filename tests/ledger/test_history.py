"""``gates history``: the trend table read back from real decision records."""

from __future__ import annotations

import json
from typing import Any

from gates.model import Status

RUNS = [
    # passed, failed, skipped, coverage
    (40, 5, 2, 71.0),
    (43, 3, 2, 74.25),
    (45, 1, 1, 80.0),
    (47, 0, 1, 84.5),
    (50, 0, 0, 91.0),
]


def _five_decisions(project: Any) -> None:
    for passed, failed, skipped, covered in RUNS:
        project.record_run(passed, failed, skipped, covered)
        buckets = [{"name": "cosmetic", "blocks": False, "severity": "low"}]
        if failed:
            buckets.append({"name": "server-init", "blocks": True, "severity": "critical"})
        project.record(
            "buckets",
            {"passed": passed, "failed": failed},
            status=Status.FAIL if failed else Status.PASS,
            buckets=buckets,
        )
        project.gates("decide", "--by", "ana", "--reason", f"daily run with {failed} failing")


PYPROJECT = """\
[project]
name = "demo"
version = "2.0.0"

[tool.gates]
required = ["tests", "coverage"]
advisory = ["buckets"]
"""


def test_history_after_5_decisions_shows_each_rows_numbers(ledger_project: Any) -> None:
    project = ledger_project(PYPROJECT)
    _five_decisions(project)

    code, out, err = project.gates("history")

    assert (code, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == [
        "decision", "date", "version", "verdict", "passed", "failed", "skipped", "coverage",
        "blocking", "buckets", "decided", "by", "reason",
    ]  # fmt: skip
    blocking = ["server-init"] * 3 + ["none"] * 2
    assert [row.split()[3:] for row in rows] == [
        ["2.0.0", verdict, str(passed), str(failed), str(skipped), shown, blocked, "ana",
         "daily", "run", "with", str(failed), "failing"]
        for (passed, failed, skipped, _), verdict, shown, blocked in zip(
            RUNS, ["NO_GO"] * 3 + ["GO"] * 2, ["71%", "74.25%", "80%", "84.5%", "91%"], blocking,
            strict=True,
        )
    ]  # fmt: skip


def test_history_json_and_limit(ledger_project: Any) -> None:
    project = ledger_project(PYPROJECT)
    _five_decisions(project)

    code, out, _ = project.gates("history", "--limit", "2", "--json")

    assert code == 0
    rows = json.loads(out)
    assert [(r["passed"], r["failed"], r["skipped"], r["coverage"]) for r in rows] == [
        (47, 0, 1, 84.5),
        (50, 0, 0, 91.0),
    ]
    assert [(r["verdict"], r["blocking_buckets"]) for r in rows] == [("GO", []), ("GO", [])]
    assert [(r["decided_by"], r["reason"]) for r in rows] == [
        ("ana", "daily run with 0 failing"),
        ("ana", "daily run with 0 failing"),
    ]
    assert set(rows[0]) == {
        "decision", "date", "version", "verdict", "passed", "failed", "skipped", "coverage",
        "blocking_buckets", "decided_by", "reason",
    }  # fmt: skip


def test_history_shows_dashes_for_figures_no_gate_recorded(ledger_project: Any) -> None:
    project = ledger_project('[tool.gates]\nrequired = ["tests"]\n')
    project.record("tests", {})
    project.gates("decide", "--by", "ci")

    code, out, _ = project.gates("history")

    assert code == 0
    assert out.splitlines()[1].split()[3:] == ["-", "GO", "-", "-", "-", "-", "-", "ci", "-"]


def test_history_of_an_empty_ledger(ledger_project: Any) -> None:
    project = ledger_project()
    assert project.gates("history") == (
        0,
        "No decisions recorded yet (run 'gates decide').\n",
        "",
    )
