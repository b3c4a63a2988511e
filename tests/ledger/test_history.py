"""``gates history``: the trend table read back from real decision records."""

from __future__ import annotations

import datetime as dt
import json
import re
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
        "blocking", "buckets", "smoke", "smoke", "p95", "vs", "target", "decided", "by", "reason",
    ]  # fmt: skip
    blocking = ["server-init"] * 3 + ["none"] * 2
    assert [row.split()[3:] for row in rows] == [
        ["2.0.0", verdict, str(passed), str(failed), str(skipped), shown, blocked, "-", "-", "-",
         "ana", "daily", "run", "with", str(failed), "failing"]
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
        "blocking_buckets", "smoke", "target", "behind", "decided_by", "reason",
    }  # fmt: skip


def test_history_shows_dashes_for_figures_no_gate_recorded(ledger_project: Any) -> None:
    project = ledger_project('[tool.gates]\nrequired = ["tests"]\n')
    project.record("tests", {})
    project.gates("decide", "--by", "ci")

    code, out, _ = project.gates("history")

    assert code == 0
    assert out.splitlines()[1].split()[3:] == [
        "-",
        "GO",
        "-",
        "-",
        "-",
        "-",
        "-",
        "-",
        "-",
        "-",
        "ci",
        "-",
    ]


def test_history_of_an_empty_ledger(ledger_project: Any) -> None:
    project = ledger_project()
    assert project.gates("history") == (
        0,
        "No decisions recorded yet (run 'gates decide').\n",
        "",
    )


SMOKE_AND_TARGETS = """\
[project]
name = "demo"
version = "2.0.0"

[tool.gates]
required = ["tests", "coverage", "smoke"]

[tool.gates.targets]
2020-01-01 = { pass_rate = 80, failing = 10 }
2020-06-01 = { pass_rate = 95, failing = 2, coverage = 80 }
2999-01-01 = { pass_rate = 100, failing = 0 }
"""


def _smoke_decisions(project: Any) -> None:
    for (passed, failed, skipped, covered), (smoke_passed, p95) in zip(
        RUNS[:3], [(13, 412.5), (14, 220.0), (15, 180.0)], strict=True
    ):
        project.record_run(passed, failed, skipped, covered)
        project.record("smoke", {"checks": 15, "passed": smoke_passed, "p95_ms": p95})
        project.gates("decide")


def test_history_shows_smoke_pass_rate_p95_and_the_target_it_is_behind(
    ledger_project: Any,
) -> None:
    project = ledger_project(SMOKE_AND_TARGETS)
    _smoke_decisions(project)

    code, out, err = project.gates("history")

    assert (code, err) == (0, "")
    table, daily = out.split("\n\n")
    assert [re.split(r"\s{2,}", row)[-6:-2] for row in table.splitlines()[1:]] == [
        ["-", "13/15", "412 ms", "behind: pass_rate, failing, coverage"],
        ["-", "14/15", "220 ms", "behind: pass_rate, failing, coverage"],
        ["-", "15/15", "180 ms", "on track"],
    ]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert daily.splitlines()[0] == "Targets (the release plan, by day, UTC):"
    assert [line.split() for line in daily.splitlines()[2:]] == [
        [today, "97.83%", "95%", "1", "2", "80%", "80%", "on", "track"],
        ["2999-01-01", "-", "100%", "-", "0", "-", "-", "planned"],
    ]


def test_history_json_carries_smoke_figures_target_and_behind(ledger_project: Any) -> None:
    project = ledger_project(SMOKE_AND_TARGETS)
    _smoke_decisions(project)

    code, out, _ = project.gates("history", "--json")

    assert code == 0
    first, _, last = json.loads(out)
    assert first["smoke"] == {"checks": 15, "passed": 13, "p95_ms": 412.5, "pass_rate": 86.67}
    assert first["behind"] == ["pass_rate", "failing", "coverage"]
    assert last["target"] == {
        "day": "2020-06-01",
        "pass_rate": 95.0,
        "failing": 2,
        "coverage": 80.0,
    }
    assert (last["smoke"]["pass_rate"], last["behind"]) == (100.0, [])
