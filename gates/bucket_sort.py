"""Failures into buckets: ordered ``[[tool.gates.buckets]]`` rules (first match wins), and whether
a bucket blocks (severity, budget, quarantine expiry, waivers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gates import fingerprint
from gates.bucket_rules import BucketMatch, BucketRule, bucket_match
from gates.buckets_evidence import GATE
from gates.junit import TestCase
from gates.model import JSONValue, Waiver
from gates.toml_table import Table

TESTS_KEPT = 100
"""Tests kept per bucket and cluster in the result's details."""


def matches(match: BucketMatch, case: TestCase) -> bool:
    """Every given key must match; within a key any item will do. Regexes use search."""
    if match.outcome and case.outcome.value not in match.outcome:
        return False
    if match.type:
        kind = case.exception_type or ""
        if not any(kind == t or kind.endswith("." + t) for t in match.type):
            return False
    if match.nodeid_pattern and not match.nodeid_pattern.match(case.nodeid):
        return False
    if match.message and not any(p.search(case.message) for p in match.message):
        return False
    return not match.trace or any(p.search(case.traceback) for p in match.trace)


def rule_compiler(file: Path) -> fingerprint.RuleCompiler:
    """Read a suggested ``match`` table exactly as config would, and return its predicate."""

    def compile_rule(rule: Mapping[str, str | list[str]]) -> Callable[[TestCase], bool]:
        match = bucket_match(Table(rule, ["tool", "gates", "buckets", "match"], file))
        return lambda case: matches(match, case)

    return compile_rule


@dataclass(frozen=True)
class Bucket:
    id: str
    name: str
    cases: tuple[TestCase, ...]
    rule: BucketRule | None
    """None for ``uncategorized``."""
    blocks: bool
    why: str
    """Why it blocks or only warns, one line."""
    waiver: Waiver | None = None

    def to_dict(self) -> dict[str, JSONValue]:
        rule = self.rule
        return {
            "id": self.id,
            "name": self.name,
            "severity": rule.severity.value if rule else "critical",
            "count": len(self.cases),
            "blocking": rule.blocking if rule else True,
            "blocks": self.blocks,
            "why": self.why,
            "max_failures": rule.max_failures if rule else None,
            "owner": rule.owner if rule else None,
            "hypothesis": rule.hypothesis if rule else None,
            "files": list(rule.files) if rule else [],
            "estimate": rule.estimate if rule else None,
            "issue": rule.issue if rule else None,
            "expires": rule.expires.isoformat() if rule and rule.expires else None,
            "waiver": self.waiver.to_dict() if self.waiver else None,
            "tests": [_test(case) for case in self.cases[:TESTS_KEPT]],
        }


def _test(case: TestCase) -> dict[str, JSONValue]:
    return {
        "id": case.key,
        "outcome": case.outcome.value,
        "type": case.exception_type,
        "message": fingerprint.summary_line(case)[:200],
        "file": case.file,
        "line": case.line,
        "duration_s": case.duration_s,
    }


def verdict(
    rule: BucketRule,
    count: int,
    *,
    waivers: Sequence[Waiver],
    today: dt.date,
    version: str | None,
) -> tuple[bool, str, Waiver | None]:
    """Does a bucket with ``count`` failures block, and why (before and after waivers)."""
    if rule.expires is not None and today > rule.expires:
        blocks, why = True, f"quarantine expired on {rule.expires.isoformat()}"
    elif rule.max_failures is not None:
        over = count > rule.max_failures
        blocks = over
        why = f"{count} failing, {'over' if over else 'within'} its budget of {rule.max_failures}"
    elif rule.blocking:
        blocks, why = True, f"{rule.severity.value} bucket"
    else:
        blocks, why = False, f"{rule.severity.value} bucket, not blocking"
    if rule.expires is not None and not blocks:
        why += f" (quarantined until {rule.expires.isoformat()})"
    if not blocks:
        return blocks, why, None
    return waived(rule.name, rule.id, why, waivers=waivers, today=today, version=version)


def waived(
    name: str,
    bucket_id: str,
    why: str,
    *,
    waivers: Sequence[Waiver],
    today: dt.date,
    version: str | None,
) -> tuple[bool, str, Waiver | None]:
    for waiver in waivers:
        if waiver.gate != GATE or waiver.bucket not in (name, bucket_id):
            continue
        expired = waiver.why_expired(today=today, version=version)
        if expired is None:
            return False, f"{why}; waived by {waiver.owner}: {waiver.reason}", waiver
        why += f"; waiver {expired}"
    return True, why, None


def sort_into_buckets(
    failures: Iterable[TestCase], rules: Sequence[BucketRule]
) -> tuple[dict[str, list[TestCase]], list[TestCase]]:
    """First matching rule wins: cases per rule id, and the uncategorized rest."""
    caught: dict[str, list[TestCase]] = {rule.id: [] for rule in rules}
    rest = []
    for case in failures:
        for rule in rules:
            if matches(rule.match, case):
                caught[rule.id].append(case)
                break
        else:
            rest.append(case)
    return caught, rest
