"""Latency as a check: a step sampled ``repeat`` times (``concurrency`` at a time), its
percentiles held against its thresholds (``p50_ms``, ``p95_ms``, ``p99_ms``, ``max_ms``).

Pure: :mod:`gates.smoke.steps` sends the samples; here they become figures and verdicts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gates.jsonfields import ByField, JSONValue

FIGURES = ("p50", "p95", "p99", "max")


@dataclass(frozen=True)
class Sampling:
    """How a step is sampled and the limits its figures must keep (None: no limit)."""

    repeat: int = 1
    """Requests sent in all (the first is the checked one, then ``repeat - 1`` samples)."""
    concurrency: int = 1
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None

    def limits(self) -> dict[str, float]:
        """Figure name → its limit in ms, for the limits that are set."""
        found = {"p50": self.p50_ms, "p95": self.p95_ms, "p99": self.p99_ms, "max": self.max_ms}
        return {name: limit for name, limit in found.items() if limit is not None}


@dataclass(frozen=True)
class Latency(ByField):
    """A sampled step's figures (nearest-rank percentiles), in ms."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float
    limits: Mapping[str, float] = field(default_factory=dict)
    """Figure name → the limit it was held to (``Sampling.limits``)."""

    @classmethod
    def of(cls, samples: Sequence[float], limits: Mapping[str, float]) -> Latency | None:
        if not samples:
            return None
        p50, p95, p99 = (percentile(samples, pct) or 0.0 for pct in (50, 95, 99))
        return cls(len(samples), p50, p95, p99, max(samples), dict(limits))

    def over(self) -> list[str]:
        """``p95 212 ms over 100 ms`` for each figure over its limit."""
        figures = self.figures()
        return [
            f"{name} {figures[name]:.0f} ms over {limit:g} ms"
            for name, limit in self.limits.items()
            if figures[name] > limit
        ]

    def figures(self) -> dict[str, float]:
        return {"p50": self.p50, "p95": self.p95, "p99": self.p99, "max": self.max}

    def text(self) -> str:
        """``20 requests: p50 12 ms, p95 31 ms, p99 40 ms, max 40 ms``."""
        shown = ", ".join(f"{name} {value:.0f} ms" for name, value in self.figures().items())
        return f"{self.count} request{'' if self.count == 1 else 's'}: {shown}"

    def to_dict(self) -> dict[str, JSONValue]:
        figures = {name: round(value, 1) for name, value in self.figures().items()}
        return {"count": self.count, **figures, "limits": dict(self.limits)}


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
