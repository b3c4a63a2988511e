"""The pure policy: tiers, staleness, waivers by date, by version and by accepted floor,
bucket waivers re-checked at decide time, the production checklist and the manual NO_GO."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from gates.config import ChecklistConfig, ChecklistItem, GatesConfig, Priority
from gates.model import Decision, GateResult, Status, Threshold, Verdict, Waiver
from gates.policy import Request, decide

TODAY = dt.date(2026, 11, 23)
ROOT = Path("/project")


def result(gate: str, status: Status, tree: str = "t1", **fields: object) -> GateResult:
    return GateResult(
        gate=gate, status=status, summary=f"{gate} {status.value}", tree=tree, **fields
    )  # type: ignore[arg-type]


def settings(*required: str, advisory: tuple[str, ...] = (), **fields: object) -> GatesConfig:
    config = GatesConfig(root=ROOT, file=ROOT / "pyproject.toml", required=required)
    return replace(config, advisory=advisory, **fields)  # type: ignore[arg-type]


def judge(
    results: dict[str, GateResult | None],
    config: GatesConfig,
    *,
    today: dt.date = TODAY,
    tree: str = "t1",
    environment: str | None = None,
    no_go: bool = False,
) -> Decision:
    request = Request(
        id="d1",
        created_at="2026-11-23T00:00:00+00:00",
        tree=tree,
        commit=None,
        branch=None,
        environment=environment,
        decided_by="tester",
        reason="stop" if no_go else None,
        no_go=no_go,
    )
    return decide(results, config, [], request, today)


def test_advisory_failure_warns_but_advisory_error_blocks() -> None:
    config = settings("lint", advisory=("docs",))
    judged = judge(
        {"lint": result("lint", Status.PASS), "docs": result("docs", Status.FAIL)}, config
    )
    assert judged.verdict is Verdict.GO
    assert [o.status for o in judged.gates] == [Status.PASS, Status.WARN]
    assert judged.reasons == ("docs: advisory gate failed (docs FAIL)",)
    judged = judge(
        {"lint": result("lint", Status.PASS), "docs": result("docs", Status.ERROR)}, config
    )
    assert judged.verdict is Verdict.NO_GO


def test_skip_of_a_required_gate_blocks() -> None:
    judged = judge({"smoke": result("smoke", Status.SKIP)}, settings("smoke"))
    assert judged.verdict is Verdict.NO_GO
    assert judged.reasons == ("smoke: SKIP (smoke SKIP)",)


def test_nothing_required_is_never_go() -> None:
    judged = judge({}, settings())
    assert judged.verdict is Verdict.NO_GO
    assert judged.reasons == ("no gate is required or advisory: nothing was judged",)


def test_version_expiry() -> None:
    waiver = Waiver("lint", "r", "o", expires_version="0.3.0")
    assert waiver.why_expired(today=TODAY, version="0.2.9") is None
    assert waiver.why_expired(today=TODAY, version="0.3.0") == (
        "expired at version 0.3.0 (project is 0.3.0)"
    )
    assert waiver.why_expired(today=TODAY, version=None) == (
        "expired at version 0.3.0 (project is None)"
    )
    dated = Waiver("lint", "r", "o", expires=TODAY)
    assert dated.why_expired(today=TODAY, version=None) is None
    assert dated.why_expired(today=TODAY + dt.timedelta(days=1), version=None) == (
        "expired on 2026-11-23"
    )


def _buckets_with(waiver: Waiver) -> GateResult:
    return result(
        "buckets", Status.WARN, details={"waivers_used": [waiver.to_dict()], "failing": ["t::x"]}
    )


def test_waived_failure_and_bucket_waivers_used_by_a_gate() -> None:
    bucket_waiver = Waiver("buckets", "flaky infra", "qa", expires=TODAY, bucket="infra")
    lint_waiver = Waiver("lint", "legacy", "me", expires=TODAY)
    config = settings("lint", "buckets", waivers=(lint_waiver, bucket_waiver))
    judged = judge(
        {"lint": result("lint", Status.FAIL), "buckets": _buckets_with(bucket_waiver)}, config
    )
    assert judged.verdict is Verdict.GO_WITH_WAIVERS
    assert judged.waivers == (lint_waiver, bucket_waiver)
    assert [o.waived for o in judged.gates] == [True, True]


def test_bucket_waiver_that_expired_after_the_gate_ran_is_no_go() -> None:
    bucket_waiver = Waiver("buckets", "flaky infra", "qa", expires=TODAY, bucket="infra")
    config = settings("buckets", waivers=(bucket_waiver,))
    judged = judge(
        {"buckets": _buckets_with(bucket_waiver)}, config, today=TODAY + dt.timedelta(days=1)
    )
    assert judged.verdict is Verdict.NO_GO
    assert judged.reasons[0] == (
        "buckets: FAIL (buckets WARN; bucket waiver buckets/infra (qa: flaky infra) until "
        "2026-11-23 no longer holds at decide time)"
    )
    assert judged.waivers == ()
    assert judged.gates[0].status is Status.FAIL


def test_bucket_waiver_not_in_the_config_is_no_go() -> None:
    forged = Waiver("buckets", "trust me", "mallory", bucket="infra")
    judged = judge({"buckets": _buckets_with(forged)}, settings("buckets"))
    assert judged.verdict is Verdict.NO_GO


def _coverage(percent: float) -> GateResult:
    row = Threshold("total", 90, percent, "%", key="min_total")
    return result("coverage", Status.FAIL if percent < 90 else Status.PASS, thresholds=(row,))


def test_accepted_floor_waiver() -> None:
    waiver = Waiver(
        "coverage", "80% for 0.2.0", "rm", expires_version="0.2.1", accept={"min_total": 80}
    )
    config = settings("coverage", waivers=(waiver,), version="0.2.0")
    assert judge({"coverage": _coverage(64)}, config).verdict is Verdict.NO_GO
    judged = judge({"coverage": _coverage(82)}, config)
    assert judged.verdict is Verdict.GO_WITH_WAIVERS
    outcome = judged.gates[0]
    assert outcome.status is Status.WARN and outcome.waived
    assert outcome.summary == "coverage FAIL (accepted: total 82% ≥ accepted 80% (target 90%))"
    assert outcome.headline is not None and outcome.headline.accepted == 80
    later = replace(config, version="0.2.1")
    judged = judge({"coverage": _coverage(82)}, later)
    assert judged.verdict is Verdict.NO_GO
    assert judged.reasons[0] == "coverage: FAIL (coverage FAIL)"
    assert judged.reasons[1].startswith("waiver ignored: coverage (rm: 80% for 0.2.0)")


def test_accept_covers_only_the_thresholds_it_names() -> None:
    waiver = Waiver("coverage", "r", "o", accept={"min_total": 80})
    changed = Threshold("changed lines", 95, 50, "%", key="min_changed_lines")
    failing = replace(_coverage(85), thresholds=(*_coverage(85).thresholds, changed))
    judged = judge({"coverage": failing}, settings("coverage", waivers=(waiver,)))
    assert judged.verdict is Verdict.NO_GO


def test_stale_result_blocks_even_with_waiver() -> None:
    config = settings("lint", waivers=(Waiver("lint", "legacy", "me", expires=TODAY),))
    judged = judge({"lint": result("lint", Status.FAIL, tree="old")}, config, tree="new")
    assert judged.verdict is Verdict.NO_GO
    assert judged.gates[0].status is Status.ERROR
    assert judged.gates[0].summary == "stale: judged tree old, current tree is new"


def test_first_reason_is_the_blocker_not_the_waived_gate() -> None:
    config = settings("lint", "typecheck", waivers=(Waiver("lint", "legacy", "me"),))
    judged = judge(
        {"lint": result("lint", Status.FAIL), "typecheck": result("typecheck", Status.FAIL)},
        config,
    )
    assert judged.verdict is Verdict.NO_GO
    assert judged.reasons == (
        "typecheck: FAIL (typecheck FAIL)",
        "lint: FAIL waived by lint (me: legacy)",
    )


def test_manual_no_go_and_production_must_haves() -> None:
    config = settings(
        "lint",
        waivers=(Waiver("lint", "legacy", "me"),),
        checklist=ChecklistConfig(items=(ChecklistItem("lint clean", Priority.MUST, gate="lint"),)),
    )
    passing = {"lint": result("lint", Status.PASS)}
    stopped = judge(passing, config, no_go=True)
    assert stopped.verdict is Verdict.NO_GO
    assert stopped.reasons == ("turned NO_GO by tester: stop",)
    assert judge(passing, config, environment="production").verdict is Verdict.GO
    waived = judge({"lint": result("lint", Status.FAIL)}, config, environment="production")
    assert waived.verdict is Verdict.NO_GO
    assert waived.reasons[0] == (
        "checklist: must-have gate item missing: lint clean (gate lint: WARN (waived))"
    )
