"""Dated targets: reading ``[tool.gates.targets]``, the target in force, behind, the daily table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from gates.config import parse
from gates.targets import Day, Target, behind, daily, render, target_on
from gates.targets import parse as parse_targets
from gates.toml_table import Table

D = dt.date


@dataclass(frozen=True)
class Actual:
    date: str
    pass_rate: float | None = None
    failed: int | None = None
    coverage: float | None = None


PLAN = (
    Target(D(2026, 12, 1), pass_rate=90, failing=10),
    Target(D(2026, 12, 3), pass_rate=95, failing=2, coverage=80),
    Target(D(2026, 12, 5), pass_rate=100, failing=0, coverage=90),
)


def test_targets_are_read_oldest_first_whatever_the_file_order(tmp_path: Path) -> None:
    table = {
        "2026-12-05": {"pass_rate": 100, "failing": 0, "coverage": 90},
        "2026-12-01": {"pass_rate": 90, "failing": 10},
        "2026-12-03": {"pass_rate": 95.0, "failing": 2, "coverage": 80},
    }

    assert parse_targets(Table(table, ["tool", "gates", "targets"], tmp_path / "x")) == PLAN


def test_the_config_carries_them(tmp_path: Path) -> None:
    document = {"tool": {"gates": {"targets": {"2026-12-01": {"coverage": 75.5}}}}}

    config = parse(document, root=tmp_path, file=tmp_path / "pyproject.toml")

    assert config.targets == (Target(D(2026, 12, 1), coverage=75.5),)


def test_the_target_in_force_is_the_newest_dated_that_day_or_before() -> None:
    assert target_on(PLAN, D(2026, 11, 30)) is None
    assert target_on(PLAN, D(2026, 12, 1)) == PLAN[0]
    assert target_on(PLAN, D(2026, 12, 2)) == PLAN[0]
    assert target_on(PLAN, D(2026, 12, 4)) == PLAN[1]
    assert target_on(PLAN, D(2027, 1, 1)) == PLAN[2]


def test_behind_names_each_missed_figure_and_never_an_unknown_one() -> None:
    target = PLAN[1]  # >= 95 %, <= 2 failing, >= 80 % covered
    assert behind(Actual("x", 94.9, 3, 79.99), target) == ("pass_rate", "failing", "coverage")
    assert behind(Actual("x", 95.0, 2, 80.0), target) == ()
    assert behind(Actual("x", None, None, None), target) == ()
    assert behind(Actual("x", 50.0, 99, 1.0), None) == ()
    assert behind(Actual("x", 100.0, 0, 79.0), Target(D(2026, 1, 1), coverage=80)) == ("coverage",)


def test_daily_is_each_days_last_decision_against_that_days_target() -> None:
    entries = [
        Actual("2026-12-01T09:00:00+00:00", 80.0, 12, 70.0),
        Actual("2026-12-01T17:00:00+00:00", 91.0, 9, 71.0),  # the day's last counts
        Actual("2026-12-03T10:00:00+00:00", 96.0, 3, 82.0),
    ]

    rows = daily(entries, PLAN, today=D(2026, 12, 4))

    assert [(row.day, row.state) for row in rows] == [
        (D(2026, 12, 1), "on track"),
        (D(2026, 12, 3), "behind: failing"),
        (D(2026, 12, 5), "planned"),
    ]
    assert rows[0].actual == entries[1]
    assert render(rows).splitlines() == [
        "Targets (the release plan, by day, UTC):",
        "day         pass rate  target  failing  target  coverage  target  status",
        "2026-12-01  91%        90%     9        10      71%       -       on track",
        "2026-12-03  96%        95%     3        2       82%       80%     behind: failing",
        "2026-12-05  -          100%    -        0       -         90%     planned",
    ]


def test_a_past_target_day_without_a_decision_says_so_and_earlier_ones_are_cut() -> None:
    entries = [Actual("2026-12-02T10:00:00+00:00", 92.0, 5, 70.0)]

    rows = daily(entries, PLAN, today=D(2026, 12, 9))

    # 12-01 is before the oldest decision shown (history --limit cut it): left out.
    assert rows == [
        Day(D(2026, 12, 2), PLAN[0], entries[0], "on track"),
        Day(D(2026, 12, 3), PLAN[1], None, "no decision"),
        Day(D(2026, 12, 5), PLAN[2], None, "no decision"),
    ]


def test_a_decision_before_any_target_or_without_a_date() -> None:
    entries = [Actual("2026-11-20T10:00:00+00:00", 50.0, 50, 10.0), Actual("")]

    rows = daily(entries, PLAN[:1], today=D(2026, 11, 25))

    assert [(row.day, row.state) for row in rows] == [
        (D(2026, 11, 20), "no target"),
        (D(2026, 12, 1), "planned"),
    ]
