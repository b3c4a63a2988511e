"""The ledger as the ``gates`` command uses it: each function works on the project's ledger
(``gates history [--flaky]``, ``gates report``, ``gates ledger verify``, ``gates ledger export``,
``gates ledger sync``) and returns what the command shows, which ``gates.cli`` prints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from gates import targets
from gates.errors import Exit, LedgerError
from gates.ledger import export as export_records
from gates.ledger import flaky as flaky_tests
from gates.ledger import history as history_table
from gates.ledger.git import GitLedger
from gates.ledger.interface import Ledger, Verification
from gates.model import Decision, JSONValue
from gates.project import Project
from gates.report import html

LOST = "ledger lost or replaced"


@dataclass(frozen=True)
class Shown:
    """What a ledger command shows: ``data`` under ``--json``, ``text`` otherwise."""

    data: JSONValue
    text: str
    exit_code: Exit = Exit.OK


def history(project: Project, *, limit: int | None) -> Shown:
    """The newest ``limit`` decisions' rows, then the plan's daily targets when there is a plan:
    only from a chain that verifies."""
    plan = project.config.targets
    rows = history_table.history(
        verified(project), project=project.config.project_name, limit=limit, targets=plan
    )
    text = history_table.render(rows)
    if plan:
        today = dt.datetime.now(dt.UTC).date()
        text += "\n\n" + targets.render(targets.daily(rows, plan, today))
    return Shown([row.to_dict() for row in rows], text)


def flaky(project: Project, *, last: int | None) -> Shown:
    """Flaky tests over the newest ``last`` decisions (default: the flaky window): only from a
    chain that verifies."""
    found = flaky_tests.report(
        verified(project),
        last=last or flaky_tests.WINDOW,
        today=dt.date.today(),
        project=project.config.project_name,
    )
    return Shown(found.to_dict(), flaky_tests.render(found))


def report(project: Project, path: Path) -> str:
    """Write the HTML decision report of a chain that verifies; the line saying where."""
    config = project.config
    written = html.write(verified(project), path, config.targets, config.project_name)
    return f"wrote {written}"


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
) -> Shown:
    """What re-computing the chain found, and where the ledger is (safe to print); exit 1 when
    the chain is broken or is not the one expected.

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
    location = project.ledger.location
    data: JSONValue = {"ledger": location, **result.to_dict()}
    if not result.ok:
        return Shown(data, f"ledger BROKEN: {result.problem} ({location})", Exit.FAIL)
    noun = "record" if result.records == 1 else "records"
    return Shown(data, f"ledger OK: {result.records} {noun}, chain intact ({location})")


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


def sync(project: Project) -> Shown:
    """Pull the remote's records into the git ledger and push this clone's."""
    ledger = project.ledger
    if not isinstance(ledger, GitLedger):
        raise LedgerError(
            f"ledger sync: only the git ledger syncs (tool.gates.ledger = 'git');"
            f" this one is {ledger.location}"
        )
    synced = ledger.sync()
    return Shown(
        synced.to_dict(),
        f"ledger synced with {synced.remote}: {synced.records} records (pulled {synced.pulled},"
        f" pushed {synced.pushed}, re-chained {synced.rechained})",
    )
