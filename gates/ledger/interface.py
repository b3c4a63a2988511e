"""The ledger contract: an append-only, hash-chained store of decisions, sign-offs, release steps.

Implementations: :mod:`gates.ledger.sqlite` (default, one machine), :mod:`gates.ledger.git`
(the ref ``refs/gates/ledger`` of the project's repository, pushed to a remote: history that
outlives CI runners with no server) and :mod:`gates.ledger.postgres` (shared by many CI runners).
All keep the same chain: every record carries the previous record's hash and its own sha256 over a
canonical JSON form, so an edited or deleted record is detected by :meth:`Ledger.verify`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Protocol

from gates.errors import LedgerError
from gates.model import Decision, JSONValue


class RecordKind(StrEnum):
    DECISION = "decision"
    SIGNOFF = "signoff"
    RELEASE_STEP = "release_step"
    RESULT = "result"


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
        return {
            "seq": self.seq,
            "kind": self.kind.value,
            "created_at": self.created_at,
            "payload": dict(self.payload),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


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
        return {
            "ok": self.ok,
            "records": self.records,
            "first_bad": self.first_bad,
            "problem": self.problem,
            "head": self.head,
        }


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

    def latest_decision(self, tree: str) -> Decision | None:
        """The newest decision recorded for ``tree``."""
        ...

    def latest_result(self, gate: str, tree: str) -> Mapping[str, JSONValue] | None:
        """The payload of the newest RESULT record of ``gate`` for ``tree``."""
        ...

    def verify(self) -> Verification: ...

    def holds(self, record_hash: str) -> bool:
        """True when a record with this hash is in the ledger."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Ledger: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Closes the ledger."""
        ...


__all__ = ["Ledger", "LedgerError", "Record", "RecordKind", "Verification"]
