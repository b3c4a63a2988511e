"""Results + tiers + waivers → verdict. Pure: no I/O, today's date is an argument.

Rules (DESIGN.md, "Statuses and verdicts"):
- a configured gate (required or advisory) that did not run for this tree, ran for another tree
  (stale), was skipped, or could not judge (ERROR) makes the decision NO_GO, and no waiver helps;
- a required gate that FAILed is NO_GO unless a valid waiver covers it (then GO_WITH_WAIVERS);
- an advisory gate that FAILed only warns;
- an expired waiver is reported and ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from gates.model import GateOutcome, GateResult, Status, Tier, Verdict, Waiver


@dataclass(frozen=True)
class Judgement:
    """What the policy concluded; :mod:`gates.flow` wraps it into a recorded Decision."""

    verdict: Verdict
    gates: tuple[GateOutcome, ...]
    waivers: tuple[Waiver, ...]
    """Waivers used (gate waivers applied here, bucket waivers reported by the buckets gate)."""
    expired_waivers: tuple[Waiver, ...]
    reasons: tuple[str, ...]


def waiver_expired(waiver: Waiver, *, today: dt.date, version: str | None) -> str | None:
    """Why ``waiver`` no longer holds, or None while it does."""
    if waiver.expires is not None and today > waiver.expires:
        return f"expired on {waiver.expires.isoformat()}"
    if waiver.expires_version is not None:
        try:
            if version is None or Version(version) >= Version(waiver.expires_version):
                return f"expired at version {waiver.expires_version} (project is {version})"
        except InvalidVersion:
            return f"cannot compare version {version!r} with {waiver.expires_version!r}"
    return None


def decide(
    results: Mapping[str, GateResult | None],
    *,
    required: Sequence[str],
    advisory: Sequence[str],
    waivers: Sequence[Waiver],
    tree: str,
    today: dt.date,
    version: str | None,
) -> Judgement:
    """Judge the recorded results of every configured gate for ``tree``."""
    valid: list[Waiver] = []
    expired: list[Waiver] = []
    reasons: list[str] = []
    for waiver in waivers:
        why = waiver_expired(waiver, today=today, version=version)
        if why is None:
            valid.append(waiver)
        else:
            expired.append(waiver)
            reasons.append(f"waiver ignored: {waiver.label} {why}")

    outcomes: list[GateOutcome] = []
    used: list[Waiver] = []
    blocked = False
    tiers = [(name, Tier.REQUIRED) for name in required]
    tiers += [(name, Tier.ADVISORY) for name in advisory if name not in required]
    for name, tier in tiers:
        result = results.get(name)
        if result is None:
            blocked = True
            reasons.append(f"{name}: did not run for this tree (run 'gates {name}')")
            outcomes.append(GateOutcome(name, tier, Status.ERROR, "not run"))
            continue
        if result.tree != tree:
            blocked = True
            summary = f"stale: judged tree {result.tree[:12]}, current tree is {tree[:12]}"
            reasons.append(f"{name}: {summary} (re-run 'gates {name}')")
            outcomes.append(GateOutcome(name, tier, Status.ERROR, summary))
            continue
        status, waived = result.status, False
        if status in (Status.ERROR, Status.SKIP):
            blocked = True
            reasons.append(f"{name}: {status.value} ({result.summary})")
        elif status is Status.FAIL and tier is Tier.ADVISORY:
            status = Status.WARN
            reasons.append(f"{name}: advisory gate failed ({result.summary})")
        elif status is Status.FAIL:
            cover = next((w for w in valid if w.gate == name and w.bucket is None), None)
            if cover is None:
                blocked = True
                reasons.append(f"{name}: FAIL ({result.summary})")
            else:
                status, waived = Status.WARN, True
                used.append(cover)
                reasons.append(f"{name}: FAIL waived by {cover.label}")
        # Gates that waive parts of themselves (buckets) report the waivers they used.
        for data in result.details.get("waivers_used", ()):
            used.append(Waiver.from_dict(data))
            waived = True
        outcomes.append(GateOutcome(name, tier, status, result.summary, result, waived))

    if blocked:
        verdict = Verdict.NO_GO
    elif used:
        verdict = Verdict.GO_WITH_WAIVERS
    else:
        verdict = Verdict.GO
    return Judgement(verdict, tuple(outcomes), tuple(used), tuple(expired), tuple(reasons))
