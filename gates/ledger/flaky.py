"""Flaky tests over time, from the ledger alone: per-test flake rate over the last N decisions.

A run is a decision whose buckets result recorded its failing tests (decisions that judged the same
buckets run again count once). A test is taken to have
passed in a run that does not list it as failing. In a run, a test counts as flaky when:

- it failed and then passed on a rerun or in another shard (the run's own ``flaky`` list);
- it failed while another run of the same tree (the same code) did not fail it;
- it failed, passed in the next run on the same branch, and failed in the one after (or passed,
  failed, passed), while its test file stayed the same in all three: the buckets result records a
  digest of each kept test's file, and a test whose file is not known in all three is not counted.

The flake rate is the share of the runs in which the test counted as flaky. The worst tests get a
suggested quarantine: a non-blocking ``[[tool.gates.buckets]]`` rule that lapses in 30 days.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gates.bucket_rules import quarantine
from gates.details import BUCKETS, TEARDOWN, BucketsDetails, file_of_test
from gates.errors import GatesError, LedgerError
from gates.jsonfields import ByField
from gates.ledger import decisions
from gates.ledger.interface import Ledger
from gates.ledger.store import decision_of
from gates.model import JSONValue

WINDOW = 20
"""Decisions looked at unless ``--last N`` says otherwise."""
QUARANTINED = 10
"""Tests the suggested quarantine rule names, at most (the worst first)."""
QUARANTINE_DAYS = 30
"""How long the suggested quarantine holds before the bucket blocks again."""


@dataclass(frozen=True)
class Run:
    """One decision's test outcomes, as its buckets result recorded them."""

    decision: str
    tree: str
    branch: str | None
    failing: frozenset[str]
    flaky: frozenset[str]
    test_files: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FlakyEvidence(ByField):
    """In how many runs each rule of the module docstring counted the test as flaky."""

    rerun: int
    same_tree: int
    alternating: int


@dataclass(frozen=True)
class FlakyTest(ByField):
    """One test's flakiness over the window."""

    test: str
    runs: int
    """Runs in the window."""
    failed: int
    """Runs in which it failed (including those where a rerun then passed)."""
    flaky_runs: int
    """Runs in which it counted as flaky (see the module docstring)."""
    evidence: FlakyEvidence

    @property
    def rate(self) -> float:
        """Percent of the window's runs in which the test counted as flaky."""
        return 100.0 * self.flaky_runs / self.runs if self.runs else 0.0

    def to_dict(self) -> dict[str, JSONValue]:
        return {**super().to_dict(), "flake_rate": round(self.rate, 1)}


@dataclass(frozen=True)
class FlakyReport(ByField):
    """``gates history --flaky``: the window, its runs, the flaky tests worst first."""

    window: int
    """Decisions looked at (the newest ``--last N``)."""
    runs: int
    """Of those, the ones with a buckets result."""
    tests: tuple[FlakyTest, ...]
    quarantine_rule: str | None
    """The suggested ``[[tool.gates.buckets]]`` rule for the worst tests (None: none flaky)."""


def runs(ledger: Ledger, *, last: int, project: str | None = None) -> tuple[int, list[Run]]:
    """``project``'s newest ``last`` decisions (how many there were) and their runs, oldest
    first."""
    records = decisions.latest(ledger, project, limit=last)
    found = []
    seen: set[str] = set()
    for record in records:
        decision = decision_of(record)
        result = next((g.result for g in decision.gates if g.name == BUCKETS), None)
        if result is None or "failing" not in result.details:
            continue
        # Decisions made again on one recorded (or reused) buckets result are one run, not many:
        # counting each would dilute, or multiply, the test outcomes of that run.
        run = json.dumps([decision.tree, result.to_dict()], sort_keys=True)
        if run in seen:
            continue
        seen.add(run)
        try:
            details = BucketsDetails.from_result(result)
        except GatesError as exc:
            raise LedgerError(f"ledger record {record.seq}: {exc}") from None
        found.append(
            Run(
                decision.id,
                decision.tree,
                decision.branch,
                frozenset(details.failing),
                frozenset(details.flaky),
                details.test_files,
            )
        )
    return len(records), found


def flaky_tests(history: Sequence[Run]) -> list[FlakyTest]:
    """Every test that counted as flaky in some run, worst first (pure)."""
    flagged: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for at, run in enumerate(history):
        for test in run.flaky:
            flagged[test]["rerun"].add(at)
    by_tree: dict[str, list[int]] = defaultdict(list)
    for at, run in enumerate(history):
        by_tree[run.tree].append(at)
    for same in by_tree.values():
        failed_somewhere = set().union(*(history[at].failing for at in same))
        for test in failed_somewhere:
            failing = [at for at in same if test in history[at].failing]
            if len(failing) < len(same):
                flagged[test]["same_tree"].update(failing)
    by_branch: dict[str | None, list[int]] = defaultdict(list)
    for at, run in enumerate(history):
        by_branch[run.branch].append(at)
    for line in by_branch.values():
        for first, middle, last in zip(line, line[1:], line[2:], strict=False):
            for test in _alternating(history[first], history[middle], history[last]):
                outcome = (first, middle, last)
                flagged[test]["alternating"].update(
                    at for at in outcome if test in history[at].failing
                )
    found = []
    for test, kinds in flagged.items():
        every = set().union(*kinds.values())
        failed = sum(1 for run in history if test in run.failing or test in run.flaky)
        found.append(
            FlakyTest(
                test,
                len(history),
                failed,
                len(every),
                FlakyEvidence(*(len(kinds[k]) for k in ("rerun", "same_tree", "alternating"))),
            )
        )
    return sorted(found, key=lambda t: (-t.flaky_runs, -t.failed, t.test))


def _alternating(first: Run, middle: Run, last: Run) -> set[str]:
    """Tests that failed, passed, failed (or passed, failed, passed) with their file unchanged."""
    candidates = (first.failing & last.failing) - middle.failing
    candidates |= middle.failing - first.failing - last.failing
    alternating = set()
    for test in candidates:
        path = file_of_test(test)
        digests = {run.test_files.get(path) for run in (first, middle, last)}
        if len(digests) == 1 and None not in digests:
            alternating.add(test)
    return alternating


def report(ledger: Ledger, *, last: int, today: dt.date, project: str | None = None) -> FlakyReport:
    window, history = runs(ledger, last=last, project=project)
    tests = tuple(flaky_tests(history))
    return FlakyReport(window, len(history), tests, quarantine_rule(tests, today=today))


def quarantine_rule(tests: Sequence[FlakyTest], *, today: dt.date) -> str | None:
    """A ready-to-paste bucket that catches the worst flaky tests and blocks nothing until it
    lapses; it must come first, as the first matching rule wins."""
    worst = tests[:QUARANTINED]
    if not worst:
        return None
    why = ", ".join(f"{t.test} {t.rate:.0f}%" for t in worst[:3])
    more = f" and {len(worst) - 3} more" if len(worst) > 3 else ""
    rule = quarantine(
        "quarantine-flaky",
        (t.test.removesuffix(TEARDOWN) for t in worst),
        expires=today + dt.timedelta(days=QUARANTINE_DAYS),
        hypothesis=f"flaky over the last {worst[0].runs} runs: {why}{more}",
    )
    return (
        f"# Put this first among the [[tool.gates.buckets]] (the first matching rule wins).\n{rule}"
    )


HEADER = ("test", "flake rate", "flaky runs", "failed", "evidence")


def render(found: FlakyReport) -> str:
    """The terminal view: the table, then the suggested rule."""
    scope = f"the last {found.window} decisions ({found.runs} with a buckets result)"
    if not found.tests:
        return f"No flaky tests in {scope}."
    rows = [HEADER] + [
        (
            t.test,
            f"{t.rate:.0f}%",
            f"{t.flaky_runs} of {t.runs}",
            str(t.failed),
            f"rerun {t.evidence.rerun}, same tree {t.evidence.same_tree}, "
            f"alternating {t.evidence.alternating}",
        )
        for t in found.tests
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    table = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(
        [
            f"Flaky tests in {scope}:",
            "",
            *table,
            "",
            "Suggested quarantine:",
            "",
            found.quarantine_rule or "",
        ]
    )
