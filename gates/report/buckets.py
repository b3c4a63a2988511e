"""The buckets report in the seed plan's shape: totals, what changed, then one section per bucket.

Rendered from a recorded result's ``details`` only, so a result read back from disk (or from the
ledger) prints the same report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gates.model import GateResult

TESTS_SHOWN = 10


def _list(items: Sequence[str], limit: int = TESTS_SHOWN) -> list[str]:
    lines = [f"  - `{item}`" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"  - …and {len(items) - limit} more")
    return lines


def _totals(totals: Mapping[str, Any]) -> str:
    return (
        f"**Totals:** {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['errors']} errors, {totals['skipped']} skipped, {totals['flaky']} flaky"
        + (f", {totals['xfailed']} xfailed" if totals.get("xfailed") else "")
        + (f", {totals['xpassed']} xpassed" if totals.get("xpassed") else "")
        + f" — pass rate {totals['pass_rate']:.1f}% of {totals['executed']} executed"
    )


def _comparison(comparison: Mapping[str, Any]) -> list[str]:
    parts = ["", f"### Since the previous run ({comparison['baseline']})", ""]
    for key, title in (
        ("new", "New failures"),
        ("fixed", "Fixed"),
        ("still_failing", "Still failing"),
        ("new_flaky", "New flaky"),
    ):
        items = comparison[key]
        parts.append(f"- {title}: {len(items)}")
        parts += _list(items)
    return parts


def _bucket(number: int, bucket: Mapping[str, Any]) -> list[str]:
    verdict = "BLOCKING" if bucket["blocks"] else "not blocking"
    parts = [
        "",
        f"### {number}. {bucket['name']} — {bucket['severity'].upper()} — "
        f"{bucket['count']} test(s) — {verdict}",
        "",
        f"- Why: {bucket['why']}",
        "- Tests affected:",
    ]
    tests = bucket["tests"]
    for test in tests[:TESTS_SHOWN]:
        kind = test["type"] or test["outcome"]
        message = f": {test['message']}" if test["message"] else ""
        parts.append(f"  - `{test['id']}` — {kind}{message}")
    if bucket["count"] > TESTS_SHOWN:
        parts.append(f"  - …and {bucket['count'] - TESTS_SHOWN} more")
    for key, title in (
        ("hypothesis", "Hypothesis"),
        ("estimate", "Estimate"),
        ("owner", "Owner"),
        ("issue", "Issue"),
    ):
        if bucket.get(key):
            parts.append(f"- {title}: {bucket[key]}")
    if bucket.get("files"):
        parts.append("- Files: " + ", ".join(f"`{f}`" for f in bucket["files"]))
    return parts


def markdown(result: GateResult) -> str:
    details = result.details
    parts = [f"## {result.gate}: {result.status.value}", "", result.summary, ""]
    if "totals" not in details:  # an ERROR result: the summary says why
        return "\n".join(parts)
    parts.append(_totals(details["totals"]))
    if details.get("comparison"):
        parts += _comparison(details["comparison"])
    mass = details.get("mass_failure")
    if mass:
        parts += [
            "",
            f"> **Likely broken environment:** {mass['percent']}% of executed tests fail — "
            f"not separate regressions. Dominant signature ({mass['count']} failures): "
            f"`{mass['signature']}`",
        ]
    if details.get("problems"):
        parts += ["", "### Blocking", "", *(f"- {p}" for p in details["problems"])]
    for number, bucket in enumerate(details["buckets"], start=1):
        parts += _bucket(number, bucket)
    clusters = details.get("clusters") or []
    if clusters:
        parts += ["", "### Uncategorized failures by signature", ""]
        for number, cluster in enumerate(clusters):
            parts += [""] if number else []
            exact = "" if cluster["exact"] else " (no rule catches exactly this cluster)"
            parts += [f"- {cluster['count']} failure(s): `{cluster['signature']}`{exact}"]
            parts += _list(cluster["tests"], 5)
            parts += ["", "```toml", cluster["rule"], "```"]
    for key, title in (("flaky", "Flaky tests"), ("risky", "Risky tests (no assertion)")):
        if details.get(key):
            parts += ["", f"### {title}", "", *(line[2:] for line in _list(details[key]))]
    if details.get("dead_rules"):
        parts += ["", "### Dead rules (matched nothing in this run)", ""]
        parts += [f"- {name}" for name in details["dead_rules"]]
    if details.get("warnings"):
        parts += ["", "### Warnings", "", *(f"- {w}" for w in details["warnings"])]
    return "\n".join(parts).rstrip() + "\n"
