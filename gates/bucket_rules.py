"""``[[tool.gates.buckets]]``: the rules that sort failing tests into named, owned buckets.

Read by :mod:`gates.config` (every rule is checked when the config loads) and applied by
:mod:`gates.buckets`. Rules are tried in order; the first match wins.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import glob
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from gates.toml_table import COUNT_LIMIT, Table


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    TRIVIAL = "trivial"

    @property
    def blocks_by_default(self) -> bool:
        return self in (Severity.CRITICAL, Severity.HIGH)


MATCH_OUTCOMES = ("failed", "error")


@dataclass(frozen=True)
class BucketMatch:
    """What a bucket rule catches: every given key must match (any item of a list will do)."""

    nodeid: tuple[str, ...] = ()
    """fnmatch globs over pytest node ids."""
    type: tuple[str, ...] = ()
    """Exception type names (``ValueError`` also matches ``pkg.errors.ValueError``)."""
    message: tuple[re.Pattern[str], ...] = ()
    """Regexes searched (not full-matched) in the failure message."""
    trace: tuple[re.Pattern[str], ...] = ()
    """Regexes searched in the traceback text."""
    outcome: tuple[str, ...] = ()
    """``failed`` and/or ``error``."""
    nodeid_pattern: re.Pattern[str] | None = None
    """The ``nodeid`` globs as one compiled regex (thousands of ids stay fast)."""


@dataclass(frozen=True)
class BucketRule:
    """One ``[[tool.gates.buckets]]`` entry; rules are tried in order, the first match wins."""

    name: str
    id: str
    """Stable identifier: given, or the name in lower-case-with-dashes."""
    severity: Severity
    match: BucketMatch
    blocking: bool
    max_failures: int | None = None
    """Failure budget: more than this blocks, up to it only warns."""
    owner: str | None = None
    hypothesis: str | None = None
    files: tuple[str, ...] = ()
    estimate: str | None = None
    issue: str | None = None
    expires: dt.date | None = None
    """A quarantine that lapses: after this day the bucket blocks."""


_BUCKET_ID = re.compile(r"[^a-z0-9]+")
UNCATEGORIZED = "uncategorized"


def bucket_rules(tables: Sequence[Table]) -> tuple[BucketRule, ...]:
    rules: list[BucketRule] = []
    for table in tables:
        rule = bucket_rule(table)
        for other in rules:
            if rule.id == other.id:
                table.fail("name", f"bucket id {rule.id!r} is already used by {other.name!r}")
        rules.append(rule)
    return tuple(rules)


def bucket_rule(table: Table) -> BucketRule:
    name = table.required_string("name", "every bucket has a name").strip()
    bucket_id = table.optional_string("id") or _BUCKET_ID.sub("-", name.lower()).strip("-")
    if not bucket_id or bucket_id == UNCATEGORIZED:
        table.fail("name", f"{name!r} cannot be used: give the bucket another name or an id")
    severity_text = table.required_string("severity", f"one of {', '.join(Severity)}")
    try:
        severity = Severity(severity_text)
    except ValueError:
        table.fail("severity", f"expected one of {', '.join(Severity)}, got {severity_text!r}")
    if "match" not in table:
        table.fail("match", "required: a table of nodeid, type, message, trace and/or outcome")
    rule = BucketRule(
        name=name,
        id=bucket_id,
        severity=severity,
        match=bucket_match(table.table("match")),
        blocking=table.boolean("blocking", severity.blocks_by_default),
        max_failures=table.integer("max_failures", None, high=COUNT_LIMIT),
        owner=table.optional_string("owner"),
        hypothesis=table.optional_string("hypothesis"),
        files=table.strings("files"),
        estimate=table.optional_string("estimate"),
        issue=table.optional_string("issue"),
        expires=table.date("expires"),
    )
    table.done()
    return rule


def bucket_match(table: Table) -> BucketMatch:
    def patterns(key: str) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for text in table.string_or_strings(key):
            try:
                compiled.append(re.compile(text))
            except re.error as exc:
                table.fail(key, f"invalid regex {text!r}: {exc}")
        return tuple(compiled)

    nodeids = table.string_or_strings("nodeid")
    match = BucketMatch(
        nodeid=nodeids,
        nodeid_pattern=re.compile("|".join(fnmatch.translate(g) for g in nodeids))
        if nodeids
        else None,
        type=table.string_or_strings("type"),
        message=patterns("message"),
        trace=patterns("trace"),
        outcome=table.string_or_strings("outcome"),
    )
    for outcome in match.outcome:
        if outcome not in MATCH_OUTCOMES:
            table.fail("outcome", f"expected {' or '.join(MATCH_OUTCOMES)}, got {outcome!r}")
    table.done()
    if match == BucketMatch():
        table.fail(None, "empty: give at least one of nodeid, type, message, trace, outcome")
    return match


def quarantine(name: str, nodeids: Iterable[str], *, expires: dt.date, hypothesis: str) -> str:
    """A ``[[tool.gates.buckets]]`` rule, as TOML, that catches exactly ``nodeids`` and blocks
    nothing until ``expires``; it must come first, as the first matching rule wins."""
    # fnmatch globs: a parametrized id's brackets are matched as themselves.
    escaped = sorted({glob.escape(nodeid) for nodeid in nodeids})
    listed = ",\n".join(f"    {json.dumps(nodeid, ensure_ascii=False)}" for nodeid in escaped)
    return "\n".join(
        (
            "[[tool.gates.buckets]]",
            f"name = {json.dumps(name)}",
            'severity = "low"',
            "blocking = false",
            f"expires = {expires.isoformat()}",
            f"hypothesis = {json.dumps(hypothesis, ensure_ascii=False)}",
            'owner = "TODO"',
            "match = { nodeid = [",
            listed,
            "] }",
        )
    )
