"""The buckets report in the seed plan's shape: totals, what changed, then one section per bucket.

Rendered from a recorded result's ``details`` only, so a result read back from disk (or from the
ledger) prints the same report. The details are read through :class:`~gates.jsonfields.Fields`:
a malformed part raises ValueError naming its key.
"""

from __future__ import annotations

from collections.abc import Sequence

from gates.details import read_details
from gates.jsonfields import Fields
from gates.model import GateResult

TESTS_SHOWN = 10


def _list(items: Sequence[str], limit: int = TESTS_SHOWN) -> list[str]:
    lines = [f"  - `{item}`" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"  - …and {len(items) - limit} more")
    return lines


def _totals(totals: Fields) -> str:
    def count(key: str) -> int:
        return totals.integer(key)

    xfailed, xpassed = totals.integer("xfailed", 0), totals.integer("xpassed", 0)
    return (
        f"**Totals:** {count('passed')} passed, {count('failed')} failed, "
        f"{count('errors')} errors, {count('skipped')} skipped, {count('flaky')} flaky"
        + (f", {xfailed} xfailed" if xfailed else "")
        + (f", {xpassed} xpassed" if xpassed else "")
        + f" — pass rate {totals.number('pass_rate'):.1f}% of {count('executed')} executed"
    )


def _comparison(comparison: Fields) -> list[str]:
    if (why := comparison.optional_text("no_baseline")) is not None:
        return ["", "### Since the previous run", "", f"No base to compare with: {why}."]
    parts = ["", f"### Since the previous run ({comparison.text('baseline')})", ""]
    for key, title in (
        ("new", "New failures"),
        ("fixed", "Fixed"),
        ("still_failing", "Still failing"),
        ("new_flaky", "New flaky"),
    ):
        items = comparison.texts(key)
        parts.append(f"- {title}: {len(items)}")
        parts += _list(items)
    return parts


def _bucket(number: int, bucket: Fields) -> list[str]:
    verdict = "BLOCKING" if bucket.flag("blocks", False) else "not blocking"
    count = bucket.integer("count")
    parts = [
        "",
        f"### {number}. {bucket.text('name')} — {bucket.text('severity').upper()} — "
        f"{count} test(s) — {verdict}",
        "",
        f"- Why: {bucket.text('why')}",
        "- Tests affected:",
    ]
    for test in bucket.objects("tests")[:TESTS_SHOWN]:
        kind = test.optional_text("type") or test.text("outcome")
        message = test.optional_text("message")
        parts.append(f"  - `{test.text('id')}` — {kind}" + (f": {message}" if message else ""))
    if count > TESTS_SHOWN:
        parts.append(f"  - …and {count - TESTS_SHOWN} more")
    for key, title in (
        ("hypothesis", "Hypothesis"),
        ("estimate", "Estimate"),
        ("owner", "Owner"),
        ("issue", "Issue"),
    ):
        if value := bucket.optional_text(key):
            parts.append(f"- {title}: {value}")
    if files := bucket.texts("files"):
        parts.append("- Files: " + ", ".join(f"`{f}`" for f in files))
    return parts


def markdown(result: GateResult) -> str:
    where = f"{result.gate} result: details"
    return read_details(result.details, where, lambda details: _markdown(result, details))


def _markdown(result: GateResult, details: Fields) -> str:
    parts = [f"## {result.gate}: {result.status.value}", "", result.summary, ""]
    if "totals" not in details.data:  # an ERROR result: the summary says why
        return "\n".join(parts)
    parts.append(_totals(details.object("totals")))
    if details.data.get("comparison"):
        parts += _comparison(details.object("comparison"))
    if details.data.get("mass_failure"):
        mass = details.object("mass_failure")
        parts += [
            "",
            f"> **Likely broken environment:** {mass.number('percent')}% of executed tests fail "
            f"— not separate regressions. Dominant signature ({mass.integer('count')} failures): "
            f"`{mass.text('signature')}`",
        ]
    if problems := details.texts("problems"):
        parts += ["", "### Blocking", "", *(f"- {p}" for p in problems)]
    for number, bucket in enumerate(details.objects("buckets"), start=1):
        parts += _bucket(number, bucket)
    if clusters := details.objects("clusters"):
        parts += ["", "### Uncategorized failures by signature", ""]
        for number, cluster in enumerate(clusters):
            parts += [""] if number else []
            exact = (
                "" if cluster.flag("exact", False) else " (no rule catches exactly this cluster)"
            )
            parts += [
                f"- {cluster.integer('count')} failure(s): `{cluster.text('signature')}`{exact}"
            ]
            parts += _list(cluster.texts("tests"), 5)
            parts += ["", "```toml", cluster.text("rule"), "```"]
    for key, title in (("flaky", "Flaky tests"), ("risky", "Risky tests (no assertion)")):
        if tests := details.texts(key):
            parts += ["", f"### {title}", "", *(line[2:] for line in _list(tests))]
    if dead := details.texts("dead_rules"):
        parts += ["", "### Dead rules (matched nothing in this run)", ""]
        parts += [f"- {name}" for name in dead]
    if warnings := details.texts("warnings"):
        parts += ["", "### Warnings", "", *(f"- {w}" for w in warnings)]
    return "\n".join(parts).rstrip() + "\n"
