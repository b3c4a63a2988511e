"""JSON round-trip of the domain objects (results written on one machine, read on another)."""

from __future__ import annotations

import datetime as dt
import json

from gates.model import (
    Decision,
    Finding,
    GateOutcome,
    GateResult,
    Status,
    Threshold,
    Tier,
    Verdict,
    Waiver,
)


def test_decision_round_trip() -> None:
    result = GateResult(
        gate="coverage",
        status=Status.FAIL,
        summary="70% < 80%",
        metrics={"percent_covered": 70.0},
        findings=(Finding("uncovered", "a.py", 3, "cov"),),
        thresholds=(Threshold("total", 80, 70, "%"),),
        details={"x": [1, 2]},
    ).stamped(
        tree="abc",
        started_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        duration_s=1.23456,
        tools={"coverage": "7.6"},
    )
    decision = Decision(
        id="d1",
        verdict=Verdict.GO_WITH_WAIVERS,
        tree="abc",
        commit="c0ffee",
        version="1.0",
        created_at="2026-01-02T03:04:05+00:00",
        gates=(GateOutcome("coverage", Tier.REQUIRED, Status.WARN, "70% < 80%", result, True),),
        waivers=(Waiver("coverage", "r", "o", expires=dt.date(2026, 2, 1)),),
        reasons=("coverage: FAIL waived",),
        artifacts={"x.whl": "00ff"},
    )
    data = json.loads(json.dumps(decision.to_dict()))
    assert Decision.from_dict(data, "decision") == decision
    assert result.started_at == "2026-01-02T03:04:05+00:00"
    assert result.duration_s == 1.235
    assert not result
    assert data["gates"][0]["result"]["thresholds"][0] == {
        "area": "total",
        "target": 80,
        "current": 70,
        "unit": "%",
        "higher_is_better": True,
        "gap": 10,
        "met": False,
        "key": None,
        "accepted": None,
    }


def test_threshold_display() -> None:
    threshold = Threshold("total", 85, 84.256, "%")
    assert (threshold.show(threshold.target), threshold.show(threshold.current)) == (
        "85%",
        "84.26%",
    )
    assert threshold.show(threshold.gap) == "0.74%"
    assert Threshold("new findings", 0, 3, higher_is_better=False).gap == 3
