"""The smoke gate's figures in a decision: how many checks passed, and the p95 latency.

A decision keeps each gate's result; the smoke result's metrics (``checks``, ``passed``,
``p95_ms``, written by :func:`gates.smoke.run.judge`) are what ``gates history`` and the HTML
page trend. Read here without importing the smoke gate (no HTTP client for ``gates history``).
"""

from __future__ import annotations

from dataclasses import dataclass

from gates.jsonfields import by_field
from gates.model import GateResult, JSONValue, MetricValue

SMOKE = "smoke"


@dataclass(frozen=True)
class SmokeFigures:
    """One decision's smoke run."""

    checks: int
    passed: int
    """Passed or flaky (passed on a retry)."""
    p95_ms: float | None
    """Over every request of the run; None when it sent none."""

    @property
    def pass_rate(self) -> float | None:
        return None if self.checks == 0 else 100.0 * self.passed / self.checks

    def to_dict(self) -> dict[str, JSONValue]:
        rate = self.pass_rate
        return {**by_field(self), "pass_rate": None if rate is None else round(rate, 2)}


def smoke_figures(result: GateResult | None) -> SmokeFigures | None:
    """The figures of a recorded smoke result; None without one (or without its counts)."""
    if result is None:
        return None
    checks, passed = _count(result.metrics.get("checks")), _count(result.metrics.get("passed"))
    if checks is None or passed is None:
        return None
    p95 = result.metrics.get("p95_ms")
    p95_ms = float(p95) if isinstance(p95, int | float) and not isinstance(p95, bool) else None
    return SmokeFigures(checks, min(passed, checks), p95_ms)


def _count(value: MetricValue) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return int(value)
