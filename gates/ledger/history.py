"""The trend over recorded decisions: the day-by-day metrics table of the plan, from real records.

Numbers are read from the gate results inside each decision: ``passed``, ``failed``, ``skipped``
from the ``tests`` result (or ``buckets`` when tests has none), ``percent_covered`` from
``coverage``, and the blocking buckets from the ``buckets`` result's details (``buckets``: entries
with ``name`` and ``blocks``). Anything absent shows as ``-``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from gates import targets as plan_targets
from gates.details import BucketsDetails
from gates.jsonfields import by_field
from gates.ledger import decisions
from gates.ledger.interface import Ledger, Record, RecordKind
from gates.ledger.smoke_trend import SMOKE, SmokeFigures, smoke_figures
from gates.ledger.store import decision_of
from gates.model import Decision, GateResult, JSONValue, MetricValue

TEST_GATES = ("tests", "buckets")
"""Where test counts are read from, first one that has them."""


@dataclass(frozen=True)
class HistoryRow:
    """One decision's line in the trend."""

    decision: str
    date: str
    """ISO 8601 UTC, from the decision."""
    version: str | None
    verdict: str
    passed: int | None
    failed: int | None
    skipped: int | None
    coverage: float | None
    """Percent covered."""
    blocking_buckets: tuple[str, ...] | None
    """Blocking buckets (None when no buckets result was recorded)."""
    smoke: SmokeFigures | None = None
    decided_by: str | None = None
    reason: str | None = None
    target: plan_targets.Target | None = None
    """The release plan's target in force on the decision's day (``[tool.gates.targets]``)."""

    @property
    def behind(self) -> tuple[str, ...]:
        """The figures that miss the target (``pass_rate``, ``failing``, ``coverage``)."""
        return plan_targets.behind(self, self.target)

    @property
    def pass_rate(self) -> float | None:
        """Percent of run tests that passed (skipped tests do not count)."""
        if self.passed is None or self.failed is None or self.passed + self.failed == 0:
            return None
        return 100.0 * self.passed / (self.passed + self.failed)

    def to_dict(self) -> dict[str, JSONValue]:
        return {**by_field(self), "behind": list(self.behind)}


def row(decision: Decision) -> HistoryRow:
    results = {g.name: g.result for g in decision.gates if g.result is not None}
    counts = next(
        (results[name].metrics for name in TEST_GATES if _has_counts(results.get(name))), {}
    )
    coverage = results.get("coverage")
    return HistoryRow(
        decision=decision.id,
        date=decision.created_at,
        version=decision.version,
        verdict=decision.verdict.value,
        passed=_int(counts.get("passed")),
        failed=_int(counts.get("failed")),
        skipped=_int(counts.get("skipped")),
        coverage=(
            _float(coverage.metrics.get("percent_covered")) if coverage is not None else None
        ),
        blocking_buckets=_blocking(results.get("buckets")),
        smoke=smoke_figures(results.get(SMOKE)),
        decided_by=decision.decided_by,
        reason=decision.reason,
    )


def rows(
    records: Sequence[Record], targets: Sequence[plan_targets.Target] = ()
) -> list[HistoryRow]:
    """One row per decision record, oldest first, each with the target of its day."""
    found = [row(decision_of(r)) for r in records if r.kind is RecordKind.DECISION]
    return [replace(r, target=plan_targets.target_of(targets, r)) for r in found]


def history(
    ledger: Ledger,
    *,
    project: str | None = None,
    limit: int | None = None,
    targets: Sequence[plan_targets.Target] = (),
) -> list[HistoryRow]:
    """The rows of ``project``'s newest ``limit`` decisions (all when None), oldest first."""
    return rows(decisions.latest(ledger, project, limit=limit), targets)


def _has_counts(result: GateResult | None) -> bool:
    return result is not None and any(k in result.metrics for k in ("passed", "failed"))


def _int(value: MetricValue) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _float(value: MetricValue) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _blocking(result: GateResult | None) -> tuple[str, ...] | None:
    """Buckets that blocked in that run (``blocks``: after budgets, expiry and waivers)."""
    if result is None:
        return None
    return tuple(b.name for b in BucketsDetails.from_result(result).buckets if b.blocks)


HEADER = ("decision", "date", "version", "verdict", "passed", "failed", "skipped", "coverage",
          "blocking buckets", "smoke", "smoke p95", "vs target", "decided by",
          "reason")  # fmt: skip
REASON_SHOWN = 40
"""Characters of a reason the table shows (``--json`` has it whole)."""


def cells(entry: HistoryRow) -> tuple[str, ...]:
    """The row as table cells, ``-`` where a figure is absent."""

    def show(value: object) -> str:
        return "-" if value is None else str(value)

    coverage = (
        "-" if entry.coverage is None else f"{entry.coverage:.2f}".rstrip("0").rstrip(".") + "%"
    )
    blocking = (
        "-" if entry.blocking_buckets is None else (", ".join(entry.blocking_buckets) or "none")
    )
    return (
        entry.decision,
        entry.date[:16].replace("T", " "),
        show(entry.version),
        entry.verdict,
        show(entry.passed),
        show(entry.failed),
        show(entry.skipped),
        coverage,
        blocking,
        *_smoke_cells(entry.smoke),
        _versus(entry),
        _one_line(entry.decided_by),
        _one_line(entry.reason, REASON_SHOWN),
    )


def _smoke_cells(smoke: SmokeFigures | None) -> tuple[str, str]:
    """``14/15`` checks passed and the p95 (``-`` without a smoke result)."""
    if smoke is None:
        return "-", "-"
    p95 = "-" if smoke.p95_ms is None else f"{smoke.p95_ms:.0f} ms"
    return f"{smoke.passed}/{smoke.checks}", p95


def _versus(entry: HistoryRow) -> str:
    if entry.target is None:
        return "-"
    return f"behind: {', '.join(entry.behind)}" if entry.behind else "on track"


def _one_line(text: str | None, limit: int | None = None) -> str:
    """Text a person gave, on one table line (cut to ``limit`` characters)."""
    if not text:
        return "-"
    line = " ".join(text.split())
    return line if limit is None or len(line) <= limit else line[: limit - 1] + "…"


def render(entries: Sequence[HistoryRow]) -> str:
    """A plain aligned text table (the terminal view of ``gates history``)."""
    if not entries:
        return "No decisions recorded yet (run 'gates decide')."
    table = [HEADER, *(cells(e) for e in entries)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )
