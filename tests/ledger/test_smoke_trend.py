"""The smoke figures of a decision's smoke result."""

from __future__ import annotations

from typing import Any

import pytest

from gates.ledger.smoke_trend import SmokeFigures, smoke_figures
from gates.model import GateResult, Status


def _result(**metrics: Any) -> GateResult:
    return GateResult("smoke", Status.PASS, "", metrics)


def test_figures_and_pass_rate() -> None:
    figures = smoke_figures(_result(checks=15, passed=12, p95_ms=212.5))

    assert figures == SmokeFigures(15, 12, 212.5)
    assert figures.to_dict() == {"checks": 15, "passed": 12, "p95_ms": 212.5, "pass_rate": 80.0}


@pytest.mark.parametrize(
    "metrics",
    [{}, {"checks": 3}, {"checks": True, "passed": 1}, {"checks": -1, "passed": 0},
     {"checks": "3", "passed": 3}],
)  # fmt: skip
def test_no_figures_without_counts(metrics: dict[str, Any]) -> None:
    assert smoke_figures(_result(**metrics)) is None
    assert smoke_figures(None) is None


def test_no_requests_no_p95_and_no_checks_no_rate() -> None:
    figures = smoke_figures(_result(checks=0, passed=0, p95_ms=None))

    assert figures == SmokeFigures(0, 0, None)
    assert figures.pass_rate is None


def test_passed_is_never_more_than_checks() -> None:
    assert smoke_figures(_result(checks=2, passed=5)) == SmokeFigures(2, 2, None)
