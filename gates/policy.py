"""Every verdict rule, in one pure function: results + config + sign-offs + today → Decision.

Rules (DESIGN.md, "Statuses and verdicts"):
- a configured gate (required or advisory) that did not run for this tree, ran for another tree
  (stale), was skipped, could not judge (ERROR) or whose result does not match its ledger record
  makes the decision NO_GO, and no waiver helps;
- a required gate that FAILed is NO_GO unless a valid waiver covers it (then GO_WITH_WAIVERS); a
  waiver that ``accept``s lower thresholds covers it only while every missed threshold still meets
  the accepted floor;
- waivers are checked on the day of the decision: a bucket waiver or a bucket's quarantine
  (``expires``) that held when the buckets gate ran but has lapsed since makes the gate FAIL again;
- an advisory gate that FAILed only warns; evidence from another producer (an explicit opt-in) is
  listed like a waiver;
- in production every must-have checklist item must be checked; a person can turn any verdict
  into NO_GO (``--no-go``), never the reverse.
The first reason always names a real blocker; waived and advisory notes come after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from gates.checklist import PRODUCTION, build, environment_name
from gates.config import GatesConfig, Priority
from gates.details import BucketsDetails, PackageDetails
from gates.ledger import Record
from gates.model import (
    Decision,
    GateOutcome,
    GateResult,
    Status,
    Threshold,
    Tier,
    Verdict,
    Waiver,
)


@dataclass(frozen=True)
class Request:
    """What is being decided, and by whom (everything a Decision needs besides the verdict)."""

    id: str
    created_at: str
    tree: str
    commit: str | None
    branch: str | None
    environment: str | None
    decided_by: str
    reason: str | None = None
    no_go: bool = False


@dataclass
class _Tally:
    blockers: list[str]
    notes: list[str]
    used: list[Waiver]


def decide(
    results: Mapping[str, GateResult | None],
    config: GatesConfig,
    signoffs: Sequence[Record],
    request: Request,
    today: dt.date,
) -> Decision:
    """Judge the recorded results of every configured gate for ``request.tree``."""
    request = replace(request, environment=environment_name(request.environment))
    valid: list[Waiver] = []
    expired: list[Waiver] = []
    tally = _Tally([], [], [])
    for waiver in config.waivers:
        why = waiver.why_expired(today=today, version=config.version)
        if why is None:
            valid.append(waiver)
        else:
            expired.append(waiver)
            tally.notes.append(f"waiver ignored: {waiver.label} {why}")

    tiers = [(name, Tier.REQUIRED) for name in config.required]
    tiers += [(name, Tier.ADVISORY) for name in config.advisory if name not in config.required]
    if not tiers:
        tally.blockers.append("no gate is required or advisory: nothing was judged")
    outcomes = tuple(
        _outcome(name, tier, results.get(name), request.tree, valid, tally, today)
        for name, tier in tiers
    )
    verdict = (
        Verdict.NO_GO if tally.blockers else Verdict.GO_WITH_WAIVERS if tally.used else Verdict.GO
    )
    decision = Decision(
        id=request.id,
        verdict=verdict,
        tree=request.tree,
        commit=request.commit,
        version=config.version,
        created_at=request.created_at,
        gates=outcomes,
        waivers=tuple(tally.used),
        expired_waivers=tuple(expired),
        project=config.project_name,
        branch=request.branch,
        environment=request.environment,
        decided_by=request.decided_by,
        reason=request.reason,
        artifacts=_artifacts(outcomes),
    )
    if request.no_go:
        tally.blockers.insert(0, f"turned NO_GO by {request.decided_by}: {request.reason}")
    checklist = build(
        config.checklist,
        project=config.project_name,
        version=config.version,
        tree=request.tree,
        decision=decision,
        signoffs=signoffs,
    )
    if request.environment == PRODUCTION:
        for missing in checklist.unchecked(Priority.MUST):
            what = "sign-off" if missing.item.gate is None else "gate item"
            tally.blockers.append(
                f"checklist: must-have {what} missing: {missing.item.name} ({missing.note})"
            )
    return replace(
        decision,
        verdict=Verdict.NO_GO if tally.blockers else decision.verdict,
        reasons=(*tally.blockers, *tally.notes),
        checklist=checklist.marks,
    )


def _outcome(
    name: str,
    tier: Tier,
    result: GateResult | None,
    tree: str,
    waivers: Sequence[Waiver],
    tally: _Tally,
    today: dt.date,
) -> GateOutcome:
    if result is None:
        tally.blockers.append(f"{name}: did not run for this tree (run 'gates {name}')")
        return GateOutcome(name, tier, Status.ERROR, "not run")
    if result.tree != tree:
        summary = f"stale: judged tree {result.tree[:12]}, current tree is {tree[:12]}"
        tally.blockers.append(f"{name}: {summary} (re-run 'gates {name}')")
        return GateOutcome(name, tier, Status.ERROR, summary)
    status, summary = result.status, result.summary
    if status in (Status.ERROR, Status.SKIP):
        tally.blockers.append(f"{name}: {status.value} ({summary})")
        return GateOutcome(name, tier, status, summary, result)
    lapsed = _lapsed_bucket_permits(result, waivers, today)
    if lapsed:
        status = Status.FAIL
        summary = f"{summary}; " + "; ".join(lapsed)
    waived = False
    if status is Status.FAIL and tier is Tier.ADVISORY:
        tally.notes.append(f"{name}: advisory gate failed ({summary})")
        return GateOutcome(name, tier, Status.WARN, summary, result)
    if status is Status.FAIL:
        cover, result = _cover(name, result, waivers)
        if cover is None:
            tally.blockers.append(f"{name}: FAIL ({summary})")
            return GateOutcome(name, tier, Status.FAIL, summary, result)
        status, waived = Status.WARN, True
        tally.used.append(cover)
        accepted = _accepted_text(result)
        summary = f"{summary} (accepted: {accepted})" if accepted else summary
        tally.notes.append(f"{name}: FAIL waived by {cover.label}")
    if not lapsed and result.gate == "buckets":
        details = BucketsDetails.from_result(result)
        for bucket_waiver in details.waivers_used:
            tally.used.append(bucket_waiver)
            waived = True
        if details.unbound:
            tally.used.append(
                Waiver(
                    gate=name,
                    reason=f"{len(details.unbound)} JUnit file(s) from another producer, not "
                    "bound to this tree",
                    owner="tool.gates.tests.unbound_junit",
                )
            )
            tally.notes.append(f"{name}: unbound JUnit accepted (tool.gates.tests.unbound_junit)")
            waived = True
    return GateOutcome(name, tier, status, summary, result, waived)


def _lapsed_bucket_permits(
    result: GateResult, valid: Sequence[Waiver], today: dt.date
) -> list[str]:
    """Bucket waivers the gate used that do not hold today (expired, or no longer configured),
    and quarantines that let a bucket through when the gate ran and have expired since."""
    if result.gate != "buckets":
        return []
    details = BucketsDetails.from_result(result)
    lapsed = []
    for used in details.waivers_used:
        if not any(_same_waiver(used, waiver) for waiver in valid):
            lapsed.append(f"bucket waiver {used.label} no longer holds at decide time")
    for bucket in details.buckets:
        if not bucket.blocks and bucket.expires is not None and today > bucket.expires:
            lapsed.append(
                f"bucket {bucket.name} quarantined until {bucket.expires.isoformat()} no longer"
                " holds at decide time"
            )
    return lapsed


def _same_waiver(a: Waiver, b: Waiver) -> bool:
    return (a.gate, a.bucket, a.owner, a.reason) == (b.gate, b.bucket, b.owner, b.reason)


def _cover(
    name: str, result: GateResult, waivers: Sequence[Waiver]
) -> tuple[Waiver | None, GateResult]:
    """The first valid gate waiver that covers the failure, and the result as it was accepted.

    A waiver without ``accept`` covers any failure. One with ``accept`` covers it only when every
    missed threshold has an accepted floor there and meets it; the thresholds then carry it.
    """
    for waiver in waivers:
        if waiver.gate != name or waiver.bucket is not None:
            continue
        if not waiver.accept:
            return waiver, result
        accepted = _accept(result.thresholds, waiver.accept)
        if accepted is not None:
            return waiver, replace(result, thresholds=accepted)
    return None, result


def _accept(
    thresholds: Sequence[Threshold], floors: Mapping[str, float]
) -> tuple[Threshold, ...] | None:
    out = []
    for threshold in thresholds:
        if threshold.met:
            out.append(threshold)
            continue
        floor = floors.get(threshold.key or "")
        if floor is None:
            return None
        lowered = replace(threshold, target=floor)
        if not lowered.met:
            return None
        out.append(replace(threshold, accepted=floor))
    return tuple(out)


def _accepted_text(result: GateResult) -> str:
    return ", ".join(
        f"{t.area} {t.show(t.current)} ≥ accepted {t.show(t.accepted)} (target {t.show(t.target)})"
        for t in result.thresholds
        if t.accepted is not None
    )


def _artifacts(outcomes: Sequence[GateOutcome]) -> dict[str, str]:
    """Artifact hashes the gates recorded (file name → sha256), from trusted results only."""
    found: dict[str, str] = {}
    for outcome in outcomes:
        if outcome.result is not None and outcome.result.gate == "package":
            found.update(PackageDetails.from_result(outcome.result).artifacts)
    return found
