"""Golden files for the decision reports: a report change is a reviewed diff.

Regenerate after an intended change with ``GATES_UPDATE_GOLD=1 nox -s tests``.
"""

from __future__ import annotations

import datetime as dt
import io

from gold_support import check_gold
from rich.console import Console

from gates.checkmark import ChecklistMark
from gates.model import (
    Decision,
    Finding,
    GateOutcome,
    GateResult,
    Status,
    Threshold,
    Tier,
    Verdict,
    Waiver,
)
from gates.report import markdown, terminal


def sample_decision() -> Decision:
    lint = GateResult(
        gate="lint",
        status=Status.FAIL,
        summary="2 new findings (F401)",
        findings=(
            Finding("`os` imported but unused", "pkg/a.py", 1, "F401"),
            Finding("`sys` imported but unused", "pkg/b.py", 3, "F401"),
        ),
        thresholds=(Threshold("new findings", 0, 2, higher_is_better=False),),
        tree="t" * 40,
    )
    coverage = GateResult(
        gate="coverage",
        status=Status.PASS,
        summary="total 91.5% ≥ 90%",
        thresholds=(Threshold("total", 90, 91.5, "%"),),
        tree="t" * 40,
    )
    waiver = Waiver("lint", "legacy | imports", "rm", expires=dt.date(2027, 1, 31))
    return Decision(
        id="20261123T120000Z-abcdef",
        verdict=Verdict.GO_WITH_WAIVERS,
        tree="t" * 40,
        commit="c" * 40,
        version="0.2.0",
        created_at="2026-11-23T12:00:00+00:00",
        gates=(
            GateOutcome("lint", Tier.REQUIRED, Status.WARN, lint.summary, lint, True),
            GateOutcome("coverage", Tier.REQUIRED, Status.PASS, coverage.summary, coverage),
            GateOutcome("smoke", Tier.ADVISORY, Status.ERROR, "not run"),
        ),
        waivers=(waiver,),
        reasons=("lint: FAIL waived by " + waiver.label,),
        branch="main",
        environment="production",
        decided_by="ana",
        reason="ship the fix\nfor the\tlogin bug",
        checklist=(
            ChecklistMark("CHANGELOG reviewed", "must", True, "signed off by ana at 2026-11-23"),
            ChecklistMark("All tests pass", "must", True, "gate tests: PASS"),
            ChecklistMark("docs reviewed", "should", False, "needs: gates signoff ..."),
        ),
    )


def test_markdown_decision() -> None:
    check_gold("decision.md", markdown.decision(sample_decision()))


def test_markdown_result() -> None:
    lint = sample_decision().gates[0].result
    assert lint is not None
    check_gold("result-lint.md", markdown.result(lint))


def test_terminal_decision() -> None:
    buffer = io.StringIO()
    terminal.print_decision(sample_decision(), Console(file=buffer, width=110, color_system=None))
    check_gold("decision-terminal.txt", buffer.getvalue())
