"""The ledger contract: an append-only, hash-chained store of decisions, sign-offs, release steps.

Implementations: :mod:`gates.ledger.sqlite` (default, one machine), :mod:`gates.ledger.git`
(the ref ``refs/gates/ledger`` of the project's repository, pushed to a remote: history that
outlives CI runners with no server) and :mod:`gates.ledger.postgres` (shared by many CI runners).
All keep the same chain: every record carries the previous record's hash and its own sha256 over a
canonical JSON form, so an edited or deleted record is detected by :meth:`Ledger.verify`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, Self

from gates.errors import LedgerError
from gates.jsonfields import by_field
from gates.model import Decision, JSONValue


class RecordKind(StrEnum):
    DECISION = "decision"
    SIGNOFF = "signoff"
    RELEASE_STEP = "release_step"
    RESULT = "result"
    SMOKE = "smoke"
    """One smoke run: its checks' outcomes, latency, the leftovers it left and those it closed."""


@dataclass(frozen=True)
class Record:
    """One ledger entry."""

    seq: int
    """Position in the chain, from 1."""
    kind: RecordKind
    created_at: str
    """ISO 8601 UTC."""
    payload: Mapping[str, JSONValue]
    """The decision / sign-off / release step as JSON (a Decision's ``to_dict()``)."""
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, JSONValue]:
        """The export form (one JSON line of ``gates ledger export``)."""
        return by_field(self)


@dataclass(frozen=True)
class Verification:
    """Outcome of re-computing the chain."""

    records: int
    first_bad: int | None = None
    """seq of the first record that does not check out."""
    problem: str | None = None
    head: str | None = None
    """Hash of the newest record, when the chain checks out and is not empty."""

    @property
    def ok(self) -> bool:
        return self.first_bad is None and self.problem is None

    def to_dict(self) -> dict[str, JSONValue]:
        return {"ok": self.ok, **by_field(self)}


class Ledger(Protocol):
    """An open ledger. Appends are atomic and serialized: concurrent writers never fork it."""

    location: str
    """Where the ledger is, safe to print (a URL's password is never in it)."""

    def append(self, kind: RecordKind, payload: Mapping[str, JSONValue]) -> Record: ...

    def records(
        self, kind: RecordKind | None = None, *, limit: int | None = None
    ) -> Sequence[Record]:
        """Records oldest first; with ``limit``, only the newest ``limit`` (still oldest first)."""
        ...

    def latest_decision(self, tree: str, project: str | None = None) -> Decision | None:
        """The newest decision recorded for ``tree`` that stands for ``project``
        (:meth:`Decision.stands_for`; None: any project's).

        Only that project's own: a ledger several projects share (a monorepo's git ledger, one
        database for a team) holds their decisions on the same tree id side by side.
        """
        ...

    def latest_result(self, gate: str, tree: str, workspace: str) -> Mapping[str, JSONValue] | None:
        """The payload of the newest RESULT record of ``gate`` for ``tree`` made by ``workspace``.

        Only that checkout's own: on a shared ledger another runner's newer record of the same
        tree says nothing about the results file here.
        """
        ...

    def verify(self) -> Verification: ...

    def holds(self, record_hash: str) -> bool:
        """True when a record with this hash is in the ledger."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Ledger: ...

    def __exit__(self, *exc_info: object) -> None:
        """Closes the ledger."""
        ...


class ClosedOnExit(ABC):
    """``with x:`` closes ``x`` on the way out."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


__all__ = ["ClosedOnExit", "Ledger", "LedgerError", "Record", "RecordKind", "Verification"]
