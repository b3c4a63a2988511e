"""A project's decision records on a ledger several projects may share (a monorepo's git ledger,
one database for a team): the history, the flaky-test window, the HTML report and the base a run
compares with each read only the decisions made for their own project (:func:`made_for`).
"""

from __future__ import annotations

from collections.abc import Iterator

from gates.ledger.interface import Ledger, Record, RecordKind
from gates.model import made_for

FIRST_PAGE = 16
"""Decisions read first, newest first; each further page is four times larger."""


def newest(ledger: Ledger, project: str | None, *, page: int = FIRST_PAGE) -> Iterator[Record]:
    """The decision records made for ``project`` (None: every one), newest first, read in pages
    from ``page`` records, each four times larger: what a reader wants is usually among the last
    few, and a long history is not parsed whole to find it."""
    page, done = max(page, 1), 0
    while True:
        records = ledger.records(RecordKind.DECISION, limit=page)
        for record in reversed(records[: len(records) - done]):
            if made_for(record.payload.get("project"), project):
                yield record
        if len(records) < page:
            return
        done, page = len(records), page * 4


def latest(ledger: Ledger, project: str | None, *, limit: int | None) -> list[Record]:
    """The newest ``limit`` decision records made for ``project`` (all when None), oldest first."""
    if limit is None:
        everything = ledger.records(RecordKind.DECISION)
        return [r for r in everything if made_for(r.payload.get("project"), project)]
    found: list[Record] = []
    for record in newest(ledger, project, page=limit):
        if len(found) >= limit:
            break
        found.append(record)
    return found[::-1]
