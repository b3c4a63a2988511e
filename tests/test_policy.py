"""The pure policy: tiers, staleness, waivers by date and by version."""

from __future__ import annotations

import datetime as dt

from gates.model import GateResult, Status, Verdict, Waiver
from gates.policy import decide, waiver_expired

TODAY = dt.date(2026, 11, 23)


def result(gate: str, status: Status, tree: str = "t1") -> GateResult:
    return GateResult(gate=gate, status=status, summary=f"{gate} {status.value}", tree=tree)


def test_advisory_failure_warns_but_advisory_error_blocks() -> None:
    judged = decide(
        {"lint": result("lint", Status.PASS), "docs": result("docs", Status.FAIL)},
        required=["lint"],
        advisory=["docs"],
        waivers=[],
        tree="t1",
        today=TODAY,
        version="1.0",
    )
    assert judged.verdict is Verdict.GO
    assert [o.status for o in judged.gates] == [Status.PASS, Status.WARN]
    assert judged.reasons == ("docs: advisory gate failed (docs FAIL)",)
    judged = decide(
        {"lint": result("lint", Status.PASS), "docs": result("docs", Status.ERROR)},
        required=["lint"],
        advisory=["docs"],
        waivers=[],
        tree="t1",
        today=TODAY,
        version="1.0",
    )
    assert judged.verdict is Verdict.NO_GO


def test_skip_of_a_required_gate_blocks() -> None:
    judged = decide(
        {"smoke": result("smoke", Status.SKIP)},
        required=["smoke"],
        advisory=[],
        waivers=[],
        tree="t1",
        today=TODAY,
        version=None,
    )
    assert judged.verdict is Verdict.NO_GO
    assert judged.reasons == ("smoke: SKIP (smoke SKIP)",)


def test_version_expiry() -> None:
    waiver = Waiver("lint", "r", "o", expires_version="0.3.0")
    assert waiver_expired(waiver, today=TODAY, version="0.2.9") is None
    assert waiver_expired(waiver, today=TODAY, version="0.3.0") == (
        "expired at version 0.3.0 (project is 0.3.0)"
    )
    assert waiver_expired(waiver, today=TODAY, version=None) == (
        "expired at version 0.3.0 (project is None)"
    )
    dated = Waiver("lint", "r", "o", expires=TODAY)
    assert waiver_expired(dated, today=TODAY, version=None) is None
    assert waiver_expired(dated, today=TODAY + dt.timedelta(days=1), version=None) == (
        "expired on 2026-11-23"
    )


def test_waived_failure_and_bucket_waivers_reported_by_a_gate() -> None:
    bucket_waiver = Waiver("buckets", "flaky infra", "qa", expires=TODAY, bucket="infra")
    buckets = GateResult(
        gate="buckets",
        status=Status.WARN,
        summary="1 waived bucket",
        tree="t1",
        details={"waivers_used": [bucket_waiver.to_dict()]},
    )
    judged = decide(
        {"lint": result("lint", Status.FAIL), "buckets": buckets},
        required=["lint", "buckets"],
        advisory=[],
        tree="t1",
        today=TODAY,
        version=None,
        waivers=[Waiver("lint", "legacy", "me", expires=TODAY)],
    )
    assert judged.verdict is Verdict.GO_WITH_WAIVERS
    assert [w.gate for w in judged.waivers] == ["lint", "buckets"]
    assert judged.waivers[1] == bucket_waiver
    assert [o.waived for o in judged.gates] == [True, True]


def test_stale_result_blocks_even_with_waiver() -> None:
    judged = decide(
        {"lint": result("lint", Status.FAIL, tree="old")},
        required=["lint"],
        advisory=[],
        tree="new",
        today=TODAY,
        version=None,
        waivers=[Waiver("lint", "legacy", "me", expires=TODAY)],
    )
    assert judged.verdict is Verdict.NO_GO
    assert judged.gates[0].status is Status.ERROR
    assert judged.gates[0].summary == "stale: judged tree old, current tree is new"
