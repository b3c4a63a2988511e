"""The ledger as the ``gates`` command uses it: each function works on the project's ledger
(``gates history [--flaky]``, ``gates report``, ``gates ledger verify``, ``gates ledger export``,
``gates ledger sync``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TextIO

from gates.errors import LedgerError
from gates.ledger import export as export_records
from gates.ledger.flaky import FlakyReport
from gates.ledger.flaky import report as flaky_report
from gates.ledger.git import GitLedger, SyncResult
from gates.ledger.history import HistoryRow
from gates.ledger.history import history as history_rows
from gates.ledger.interface import Ledger, Verification
from gates.model import Decision
from gates.project import Project

LOST = "ledger lost or replaced"


def history(project: Project, *, limit: int | None) -> list[HistoryRow]:
    """The newest ``limit`` decisions' rows: only from a chain that verifies."""
    return history_rows(verified(project), limit=limit, targets=project.config.targets)


def flaky(project: Project, *, last: int, today: dt.date) -> FlakyReport:
    """Flaky tests over the newest ``last`` decisions: only from a chain that verifies."""
    return flaky_report(verified(project), last=last, today=today)


def verified(project: Project) -> Ledger:
    """The project's ledger, once its chain checks out: a tampered record is never shown as if
    it were fine (LedgerError, exit 2, naming the first bad record)."""
    result = project.ledger.verify()
    if not result.ok:
        raise LedgerError(
            f"{project.ledger.location}: ledger BROKEN: {result.problem}: records not shown"
            " (run 'gates ledger verify')"
        )
    return project.ledger


def verify(
    project: Project, *, expect_head: str | None = None, expect_record: str | None = None
) -> tuple[str, Verification]:
    """Where the ledger is (safe to print) and what re-computing its chain found.

    An intact chain can still be the wrong one: a deleted or emptied ledger file is an intact
    chain of 0 records. So the chain must also hold the decision ``.gates/decision.json`` names,
    end at ``expect_head`` when given (the head another job saw), and hold ``expect_record`` when
    given (a record another job made, in a shared ledger others may have appended to since:
    its hash covers every record before it, so that whole prefix is the one that job saw).
    """
    decision = project.workspace.read_decision()  # unreadable: exit 2 before anything else
    result = project.ledger.verify()
    problem = _lost(project, result, decision, expect_head) if result.ok else None
    held = expect_record is None or not result.ok or project.ledger.holds(expect_record)
    if problem is None and not held:
        problem = f"{LOST}: it does not hold record {expect_record} (--expect-record)"
    if problem is not None:
        result = replace(result, problem=problem)
    return project.ledger.location, result


def _lost(
    project: Project, result: Verification, decision: Decision | None, expect_head: str | None
) -> str | None:
    if decision is not None and decision.hash and not project.ledger.holds(decision.hash):
        return (
            f"{LOST}: {project.workspace.decision_path} names decision {decision.id}"
            f" (record {decision.hash[:12]}), which this ledger of {result.records} records"
            " does not hold"
        )
    if expect_head is not None and result.head != expect_head:
        head = result.head or "empty (no records)"
        return f"{LOST}: its head is {head}, expected {expect_head} (--expect-head)"
    return None


def export(project: Project, out: TextIO) -> int:
    return export_records(project.ledger, out)


def sync(project: Project) -> SyncResult:
    """Pull the remote's records into the git ledger and push this clone's."""
    ledger = project.ledger
    if not isinstance(ledger, GitLedger):
        raise LedgerError(
            f"ledger sync: only the git ledger syncs (tool.gates.ledger = 'git');"
            f" this one is {ledger.location}"
        )
    return ledger.sync()
