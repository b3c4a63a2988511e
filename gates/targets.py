"""Targets over time: the release plan's daily figures, and whether the decisions keep up.

``[tool.gates.targets]`` holds one table per day, each naming the figures expected from that day
on (until the next dated target)::

    [tool.gates.targets]
    2026-12-07 = { pass_rate = 90, failing = 12, coverage = 80 }
    2026-12-09 = { pass_rate = 100, failing = 0, coverage = 90 }

``pass_rate`` and ``coverage`` are minimum percents, ``failing`` a maximum count of failing
tests. A decision is *behind* when a figure it recorded misses the target in force on its day
(UTC); a figure it did not record is never called behind. :func:`daily` is the plan's table: one
row per dated target and per day with a decision, the day's last decision against that day's target.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from gates.jsonfields import ByField
from gates.toml_table import COUNT_LIMIT, Table, describe

KEYS = ("pass_rate", "failing", "coverage")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Target(ByField):
    """The figures expected from ``day`` on."""

    day: dt.date
    pass_rate: float | None = None
    """Minimum percent of run tests that pass."""
    failing: int | None = None
    """Maximum number of failing tests."""
    coverage: float | None = None
    """Minimum percent covered."""


def parse(table: Table) -> tuple[Target, ...]:
    """``[tool.gates.targets]``, oldest first; a bad date or key is a one-line ConfigError."""
    targets = []
    for key, value in table.items():
        if not _DAY.match(key):
            table.fail(key, "expected a date (YYYY-MM-DD) as the key")
        try:
            day = dt.date.fromisoformat(key)
        except ValueError:
            table.fail(key, f"not a date: {key}")
        if not isinstance(value, dict):
            table.fail(key, f"expected a table ({', '.join(KEYS)}), got {describe(value)}")
        entry = table.child(key, value)
        target = Target(
            day,
            pass_rate=entry.percent("pass_rate"),
            failing=entry.integer("failing", None, high=COUNT_LIMIT),
            coverage=entry.percent("coverage"),
        )
        entry.done()
        if target == Target(day):
            table.fail(key, f"names no target (expected {', '.join(KEYS)})")
        targets.append(target)
    return tuple(sorted(targets, key=lambda target: target.day))


class Actual(Protocol):
    """What a decision recorded (a :class:`~gates.ledger.history.HistoryRow`)."""

    @property
    def date(self) -> str:
        """ISO 8601 UTC."""
        ...

    @property
    def pass_rate(self) -> float | None: ...

    @property
    def failed(self) -> int | None: ...

    @property
    def coverage(self) -> float | None: ...


def target_on(targets: Sequence[Target], day: dt.date) -> Target | None:
    """The target in force on ``day``: the newest one dated that day or before."""
    return next((t for t in reversed(targets) if t.day <= day), None)


def behind(actual: Actual, target: Target | None) -> tuple[str, ...]:
    """The figures of ``actual`` that miss ``target`` (``pass_rate``, ``failing``, ``coverage``)."""
    if target is None:
        return ()
    missed = []
    if _below(actual.pass_rate, target.pass_rate):
        missed.append("pass_rate")
    if target.failing is not None and actual.failed is not None and actual.failed > target.failing:
        missed.append("failing")
    if _below(actual.coverage, target.coverage):
        missed.append("coverage")
    return tuple(missed)


def _below(value: float | None, minimum: float | None) -> bool:
    return value is not None and minimum is not None and value < minimum


def day_of(actual: Actual) -> dt.date | None:
    """The UTC day of a decision; None when its date is not one (a record from an old release)."""
    try:
        return dt.date.fromisoformat(actual.date[:10])
    except ValueError:
        return None


def target_of(targets: Sequence[Target], actual: Actual) -> Target | None:
    """The target in force on the day of ``actual``."""
    day = day_of(actual)
    return None if day is None else target_on(targets, day)


@dataclass(frozen=True)
class Day:
    """One row of the plan's daily table."""

    day: dt.date
    target: Target | None
    actual: Actual | None
    """The day's last decision, None when there was none."""
    state: str
    """``behind: …``, ``on track``, ``no decision`` (a past day) or ``planned`` (after today)."""


def daily(entries: Sequence[Actual], targets: Sequence[Target], today: dt.date) -> list[Day]:
    """A row per dated target and per day with a decision (its last), oldest first.

    Dated targets before the oldest decision shown are left out: ``history --limit`` cut them.
    """
    last = {day: entry for entry in entries if (day := day_of(entry)) is not None}
    days = set(last) | {t.day for t in targets if not last or t.day >= min(last)}
    rows = []
    for day in sorted(days):
        target, actual = target_on(targets, day), last.get(day)
        if actual is None:
            state = "planned" if day > today else "no decision"
        else:
            missed = behind(actual, target)
            state = f"behind: {', '.join(missed)}" if missed else "on track"
            state = state if target is not None else "no target"
        rows.append(Day(day, target, actual, state))
    return rows


def _figure(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:.2f}".rstrip("0").rstrip(".") + suffix


DAILY_HEADER = ("day", "pass rate", "target", "failing", "target", "coverage", "target", "status")


def cells(row: Day) -> tuple[str, ...]:
    """The daily row as cells: each actual beside its target (``-`` where there is none)."""
    actual, target = row.actual, row.target
    return (
        row.day.isoformat(),
        _figure(actual.pass_rate if actual else None, "%"),
        _figure(target.pass_rate if target else None, "%"),
        _figure(actual.failed if actual else None),
        _figure(target.failing if target else None),
        _figure(actual.coverage if actual else None, "%"),
        _figure(target.coverage if target else None, "%"),
        row.state,
    )


def render(rows: Sequence[Day]) -> str:
    """The daily table as aligned text (after the decisions in ``gates history``)."""
    table = [DAILY_HEADER, *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(DAILY_HEADER))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    return "\n".join(["Targets (the release plan, by day, UTC):", *lines])
