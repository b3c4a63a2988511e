"""What a smoke run produced: one :class:`Check` per step (and cleanup), leftovers, timings.

Everything here is already redacted when it is built (see :mod:`gates.smoke.run`), plain and
JSON-round-trippable, so the pure ``judge`` and the reports can work from a recorded run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from gates.jsonfields import ByField, JSONValue
from gates.smoke.latency import Latency, percentile
from gates.smoke.triage import Triage

EXCERPT_CHARS = 300
"""Body excerpts in reports stop here: enough to see the error, not a whole page."""


class Outcome(StrEnum):
    PASSED = "passed"
    FLAKY = "flaky"
    """Passed, but only after a retry."""
    FAILED = "failed"
    SKIPPED = "skipped"
    """Not run: fail-fast, deadline or interrupt."""

    @property
    def ok(self) -> bool:
        return self in (Outcome.PASSED, Outcome.FLAKY)


@dataclass(frozen=True)
class Check(ByField):
    """One row of the report."""

    name: str
    kind: str
    """``http``, ``websocket``, ``command``, ``cleanup``, ``wait_for``, ``openapi`` or ``p95``."""
    method: str
    target: str
    """The path (or URL, or command) as sent."""
    expected: str
    actual: str
    ms: float
    outcome: Outcome
    failures: tuple[str, ...] = ()
    excerpt: str = ""
    """Start of the response body when the check failed or its step says ``keep_body = true``
    (the whole body until the run redacts and cuts it)."""
    attempts: int = 1
    latency: Latency | None = None
    """A sampled step's figures (``repeat``, or latency limits set)."""
    triage: Triage | None = None
    """The step's priority, owner and next action (None for checks that are not steps)."""

    @property
    def blocking(self) -> bool:
        """Its failure fails the gate (an advisory step's only makes it WARN)."""
        return self.triage is None or self.triage.blocking

    def to_dict(self) -> dict[str, JSONValue]:
        return {**super().to_dict(), "ms": round(self.ms, 1)}


@dataclass(frozen=True)
class Leftover(ByField):
    """Something the run created and could not remove."""

    artifact: str
    reason: str
    step: str | None = None
    """The step that created it, when its answer named what it created (an id or a Location):
    then it is remembered in the ledger, and a later run may remove it with that step's cleanup."""
    values: Mapping[str, str] = field(default_factory=dict)
    """What a later cleanup is filled from: the values it was created with, none of them secret."""


class LeftoverState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class EarlierLeftover(ByField):
    """A leftover an earlier run recorded in the ledger, and what this run did about it."""

    id: str
    """``<run id>#<n>``: the run that left it, and which of its leftovers."""
    artifact: str
    state: LeftoverState
    why: str
    """How it was closed, or why it is still open."""


@dataclass(frozen=True)
class SinceLastRun(ByField):
    """Check outcomes against the previous run of the same plan on the same target (ledger)."""

    previous_run: str | None
    """Its run id; None when the ledger holds no earlier run of this plan on this target."""
    newly_failing: tuple[str, ...] = ()
    """Checks failing now that did not fail then (or did not exist)."""
    fixed: tuple[str, ...] = ()
    """Checks that failed then and pass now."""
    still_failing: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmokeRun:
    """The evidence of one run of one plan against one target."""

    plan: str
    base_url: str
    environment: str
    run_id: str
    started_at: str
    """ISO 8601 UTC."""
    finished_at: str
    checks: tuple[Check, ...]
    cleanups: tuple[Check, ...] = ()
    leftovers: tuple[Leftover, ...] = ()
    timings_ms: tuple[float, ...] = ()
    """Every HTTP request's duration, for p50/p95."""
    p95_limit_ms: float | None = None
    safe_writes: tuple[str, ...] = ()
    """``name: METHOD /path`` of each write let through by ``safe = true``."""
    interrupted: str | None = None
    """``SIGINT``, ``SIGTERM``, ``deadline`` or ``fail-fast`` when the steps stopped early."""
    earlier: tuple[EarlierLeftover, ...] = ()
    """Leftovers of earlier runs on this target, as the ledger has them, closed or still open."""
    since: SinceLastRun | None = None
    """Outcomes against the previous run (None when the run was not compared)."""

    @property
    def p50_ms(self) -> float | None:
        return percentile(self.timings_ms, 50)

    @property
    def p95_ms(self) -> float | None:
        return percentile(self.timings_ms, 95)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "plan": self.plan,
            "base_url": self.base_url,
            "environment": self.environment,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "interrupted": self.interrupted,
            "checks": [c.to_dict() for c in self.checks],
            "cleanups": [c.to_dict() for c in self.cleanups],
            "leftovers": [item.to_dict() for item in self.leftovers],
            "safe_writes": list(self.safe_writes),
            "p50_ms": _round(self.p50_ms),
            "p95_ms": _round(self.p95_ms),
            "p95_limit_ms": self.p95_limit_ms,
            "requests": len(self.timings_ms),
            "earlier_leftovers": [item.to_dict() for item in self.earlier],
            "since_last_run": None if self.since is None else self.since.to_dict(),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """One line, at most ``limit`` characters, marked when cut.

    ``text`` must be redacted already (see :mod:`gates.redact`). A cut through a mask takes the
    whole mask off, so no cut ``*`` run can be mistaken for the start of a value.
    """
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if flat[limit - 1] == "*":
        cut = cut.rstrip("*")
    return cut + "…"
