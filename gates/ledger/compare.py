"""The decision a run compares with ("since the previous run"), found in the ledger alone.

The base is the newest decision recorded for the base branch (``[tool.gates.tests] base_branch``)
that holds a buckets result with its failing tests, or, with ``compare_with = "last_go"``, the
newest such decision that let a release through. It is read through the :class:`Ledger` interface
only, so a fresh CI runner with no ``.gates/`` compares with what an earlier runner recorded in a
shared ledger, whatever the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from gates.config import CompareWith
from gates.details import BUCKETS, BucketsDetails
from gates.errors import GatesError
from gates.ledger import decisions
from gates.ledger.interface import Ledger
from gates.ledger.store import decision_of
from gates.model import Decision


@dataclass(frozen=True)
class BaseDecision:
    """The decision compared with, and the failing and flaky tests its buckets result recorded."""

    decision: Decision
    failing: frozenset[str]
    flaky: frozenset[str]

    @property
    def label(self) -> str:
        """E.g. ``decision 20261205T101500Z-ab12cd on main (GO, 2026-12-05 10:15)``."""
        decision = self.decision
        when = decision.created_at[:16].replace("T", " ")
        return f"decision {decision.id} on {decision.branch} ({decision.verdict.value}, {when})"


@dataclass(frozen=True)
class NoBase:
    """Why there is nothing to compare with, one line (the report says so)."""

    why: str


def find_base(
    ledger: Ledger, branch: str, compare_with: CompareWith, project: str | None = None
) -> BaseDecision | NoBase:
    """The newest decision of ``project`` (None: any) on ``branch`` (of the kind
    ``compare_with`` asks for) that recorded which tests failed; :class:`NoBase` saying why when
    the ledger holds none."""
    wanted = "decision" if compare_with is CompareWith.LAST else "GO decision"
    seen = 0
    for decision in _newest(ledger, branch, project):
        if compare_with is CompareWith.LAST_GO and not decision.verdict.ships:
            continue
        seen += 1
        found = _buckets_of(decision)
        if found is not None:
            return BaseDecision(decision, frozenset(found.failing), frozenset(found.flaky))
    if seen:
        return NoBase(
            f"no {wanted} on branch {branch!r} in the ledger holds a buckets result"
            f" ({seen} without one)"
        )
    return NoBase(f"no {wanted} on branch {branch!r} in the ledger ({ledger.location})")


def _newest(ledger: Ledger, branch: str, project: str | None) -> Iterator[Decision]:
    """The project's decisions on ``branch``, newest first."""
    for record in decisions.newest(ledger, project):
        # A record that is not a readable decision is no base; `gates ledger verify` and
        # `gates history` are where a damaged ledger is reported.
        if record.payload.get("branch") != branch:
            continue
        try:
            yield decision_of(record)
        except GatesError:
            continue


def _buckets_of(decision: Decision) -> BucketsDetails | None:
    """The decision's buckets result as read back, when it recorded the failing tests."""
    result = next((g.result for g in decision.gates if g.name == BUCKETS), None)
    if result is None or "failing" not in result.details:
        return None
    try:
        return BucketsDetails.from_result(result)
    except GatesError:
        return None
