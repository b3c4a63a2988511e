"""The ledger contract: an append-only, hash-chained store of decisions, sign-offs, release steps.

Implementations: :mod:`gates.ledger.sqlite` (default, one machine) and
:mod:`gates.ledger.postgres` (shared by many CI runners). Both keep the same chain: every record
carries the previous record's hash and its own sha256 over a canonical JSON form, so an edited or
deleted record is detected by :meth:`Ledger.verify`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from gates.errors import LedgerError
from gates.model import Decision, JSONValue


class RecordKind(StrEnum):
    DECISION = "decision"
    SIGNOFF = "signoff"
    RELEASE_STEP = "release_step"


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


@dataclass(frozen=True)
class Verification:
    """Outcome of re-computing the chain."""

    records: int
    first_bad: int | None = None
    """seq of the first record that does not check out."""
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad is None and self.problem is None


class Ledger(Protocol):
    """An open ledger. Appends are atomic and serialized: concurrent writers never fork it."""

    def append(self, kind: RecordKind, payload: Mapping[str, JSONValue]) -> Record: ...

    def records(
        self, kind: RecordKind | None = None, *, limit: int | None = None
    ) -> Sequence[Record]:
        """Records oldest first; with ``limit``, only the newest ``limit`` (still oldest first)."""
        ...

    def latest_decision(self, tree: str) -> Decision | None:
        """The newest decision recorded for ``tree``."""
        ...

    def verify(self) -> Verification: ...

    def close(self) -> None: ...


__all__ = ["Ledger", "LedgerError", "Record", "RecordKind", "Verification"]
