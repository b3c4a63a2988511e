"""The failing-test buckets gate: every failure sorted into an owned, explained bucket.

``collect`` (in ``buckets_evidence``) reads the JUnit evidence, the risky-test record and the
previous run to compare with; ``judge`` is pure (the matching and per-bucket verdicts are in
``bucket_sort``): ordered ``[[tool.gates.buckets]]`` rules (first match wins) put each
failure in a bucket, budgets/severities/quarantines/waivers decide which buckets block, and the
thresholds of ``[tool.gates.tests]`` apply. Failures no rule catches are ``uncategorized``, which
blocks, and are clustered by signature with a suggested rule for each cluster.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gates import fingerprint, junit
from gates.bucket_rules import UNCATEGORIZED
from gates.bucket_sort import (
    TESTS_KEPT,
    Bucket,
    rule_compiler,
    sort_into_buckets,
    verdict,
    waived,
)
from gates.buckets_evidence import (
    GATE,
    Baseline,
    BucketsEvidence,
    collect,
    find_junit,
    ledger_baseline,
    load_baseline,
    risky_records,
)
from gates.config import GatesConfig, TestsConfig
from gates.errors import EvidenceError
from gates.evidence import META_FILE
from gates.gate import Gate
from gates.jsonfields import ByField
from gates.junit import JUnitReport, Outcome, TestCase
from gates.junit_model import FAILING
from gates.ledger.compare import NoBase
from gates.model import Finding, GateResult, JSONValue, Status, Threshold
from gates.reuse import Inputs

if TYPE_CHECKING:
    from gates.project import Project

__all__ = ["GATE", "Baseline", "BucketsEvidence", "BucketsGate", "collect", "judge"]

MAX_FINDINGS = 100
ZERO_DURATION_S = 0.005
"""A failure faster than this (0.00 s as shown) is usually setup or collection."""


@dataclass(frozen=True)
class Comparison(ByField):
    baseline: str
    new: tuple[str, ...]
    fixed: tuple[str, ...]
    still_failing: tuple[str, ...]
    new_flaky: tuple[str, ...]


def compare(report: JUnitReport, baseline: Baseline) -> Comparison:
    failing = {case.key for case in report.failures()}
    passing = {case.key for case in report.cases if case.outcome not in FAILING}
    flaky = {case.key for case in report.cases if case.flaky}
    return Comparison(
        baseline=baseline.label,
        new=tuple(sorted(failing - baseline.failing)),
        fixed=tuple(sorted(baseline.failing & passing)),
        still_failing=tuple(sorted(failing & baseline.failing)),
        new_flaky=tuple(sorted(flaky - baseline.flaky)),
    )


def _comparison(report: JUnitReport, evidence: BucketsEvidence) -> dict[str, JSONValue] | None:
    """What changed since the base, or why there is no base (the report says either)."""
    if evidence.baseline is not None:
        return compare(report, evidence.baseline).to_dict()
    if evidence.no_baseline is not None:
        return {"baseline": None, "no_baseline": evidence.no_baseline}
    return None


def judge(
    evidence: BucketsEvidence,
    config: GatesConfig,
    *,
    today: dt.date,
) -> GateResult:
    """Pure: the evidence against the rules, budgets, waivers and thresholds."""
    report, settings, rules = evidence.report, config.tests, config.buckets
    totals = report.totals
    if not totals.executed:  # every test skipped: nothing was judged, nothing passed
        return GateResult(GATE, Status.ERROR, f"no test ran: all {totals.skipped} skipped")
    failures = report.failures()
    caught, rest = sort_into_buckets(failures, rules)

    buckets: list[Bucket] = []
    for rule in rules:
        cases = caught[rule.id]
        if not cases:
            continue
        blocks, why, waiver = verdict(
            rule, len(cases), waivers=config.waivers, today=today, version=config.version
        )
        buckets.append(Bucket(rule.id, rule.name, tuple(cases), rule, blocks, why, waiver))
    if rest:
        blocks, why, waiver = waived(
            UNCATEGORIZED,
            UNCATEGORIZED,
            "no rule catches these failures",
            waivers=config.waivers,
            today=today,
            version=config.version,
        )
        buckets.append(Bucket(UNCATEGORIZED, UNCATEGORIZED, tuple(rest), None, blocks, why, waiver))
    dead = [rule.name for rule in rules if not caught[rule.id]]

    problems: list[str] = []
    """Why the gate fails, one line each."""
    warnings: list[str] = []
    for bucket in buckets:
        line = f"{bucket.name}: {len(bucket.cases)} failing ({bucket.why})"
        (problems if bucket.blocks else warnings).append(line)

    mass = mass_failure(failures, totals, settings.max_failure_ratio)
    if mass is not None:
        problems.append(
            f"{mass['percent']:.0f}% of executed tests fail: the environment is likely broken "
            f"(dominant signature, {mass['count']} of {len(failures)}: {mass['signature']})"
        )

    risky = _risky(evidence, report)
    blocking = sum(len(b.cases) for b in buckets if b.blocks)
    thresholds = _thresholds(settings, totals, blocking, risky)
    for threshold in thresholds[1:]:
        if not threshold.met:
            problems.append(
                f"{threshold.area} {threshold.show(threshold.current)} misses "
                f"{threshold.show(threshold.target)}"
            )

    zero = [case for case in failures if case.duration_s < ZERO_DURATION_S]
    if zero:
        warnings.append(
            f"{len(zero)} failure(s) took 0.00 s: usually setup or collection, not the code "
            "under test"
        )
    flaky = [case for case in report.cases if case.flaky]
    if flaky:
        warnings.append(f"{len(flaky)} flaky test(s): failed and passed on this tree")
    if dead:
        warnings.append(f"{len(dead)} rule(s) matched nothing (dead): {', '.join(dead)}")
    if risky:
        warnings.append(f"{len(risky)} risky test(s) passed without a single assertion")
    known = {UNCATEGORIZED, *(rule.name for rule in rules), *(rule.id for rule in rules)}
    for waiver in config.waivers:
        if waiver.gate == GATE and waiver.bucket and waiver.bucket not in known:
            warnings.append(f"waiver for unknown bucket {waiver.bucket!r} ({waiver.owner})")
    warnings.extend(report.notes)  # values cut while reading: the evidence is not all there
    if evidence.unbound:
        warnings.append(
            f"{len(evidence.unbound)} JUnit file(s) with no meta.json: not provably from this tree"
        )

    clusters = fingerprint.cluster(
        rest, rule_compiler(config.file), others=[c for b in buckets if b.rule for c in b.cases]
    )
    comparison = _comparison(report, evidence)
    waivers_used = [b.waiver for b in buckets if b.waiver is not None]

    status = Status.FAIL if problems else Status.WARN if warnings or waivers_used else Status.PASS
    metrics = {
        "passed": totals.passed,
        "failed": totals.failed,
        "errors": totals.errors,
        "skipped": totals.skipped,
        "xfailed": totals.xfailed,
        "xpassed": totals.xpassed,
        "flaky": totals.flaky,
        "total": totals.total,
        "pass_rate": round(totals.pass_rate, 2),
        "skip_rate": round(totals.skip_rate, 2),
        "blocking_failures": thresholds[0].current,
        "uncategorized": len(rest),
        "dead_rules": len(dead),
        "zero_duration_failures": len(zero),
        "risky": len(risky) if risky is not None else None,
    }
    details: dict[str, JSONValue] = {
        "files": list(report.files),
        "totals": {**metrics, "executed": totals.executed},
        "comparison": comparison,
        "mass_failure": mass,
        "buckets": [bucket.to_dict() for bucket in buckets],
        "dead_rules": dead,
        "clusters": [c.to_dict(TESTS_KEPT) for c in clusters],
        "flaky": [case.key for case in flaky],
        "risky": list(risky) if risky is not None else None,
        "zero_duration": [case.key for case in zero[:TESTS_KEPT]],
        "problems": problems,
        "warnings": warnings,
        "failing": sorted(case.key for case in failures),
        "waivers_used": [w.to_dict() for w in waivers_used],
        "unbound": list(evidence.unbound),
        "test_files": dict(evidence.test_files),
    }
    findings = tuple(
        Finding(
            message=f"{case.key}: {case.exception_type or case.outcome.value}: "
            f"{fingerprint.summary_line(case)[:200]}",
            file=case.file,
            line=case.line,
            rule=bucket.id,
        )
        for bucket in buckets
        if bucket.blocks
        for case in bucket.cases
    )[:MAX_FINDINGS]
    return GateResult(
        gate=GATE,
        status=status,
        summary=_summary(totals, buckets, problems, warnings),
        metrics=metrics,
        findings=findings,
        thresholds=tuple(thresholds),
        details=details,
    )


def mass_failure(
    failures: Sequence[TestCase], totals: junit.Totals, max_failure_ratio: float
) -> dict[str, JSONValue] | None:
    """The breaker: so many failures that the environment, not the code, is the likely cause."""
    percent = 100.0 * totals.failing / totals.executed if totals.executed else 0.0
    if not failures or percent <= max_failure_ratio:
        return None
    dominant, count = Counter(fingerprint.signature(c) for c in failures).most_common(1)[0]
    return {"percent": round(percent, 1), "signature": str(dominant), "count": count}


def _thresholds(
    settings: TestsConfig, totals: junit.Totals, blocking: int, risky: Sequence[str] | None
) -> list[Threshold]:
    """The headline (blocking failures, target 0) and the configured rate and risky limits."""
    thresholds = [Threshold("blocking failures", 0, blocking, higher_is_better=False)]
    if settings.min_pass_rate is not None:
        thresholds.append(Threshold("pass rate", settings.min_pass_rate, totals.pass_rate, "%"))
    if settings.max_skip_rate is not None:
        skip = totals.skip_rate
        thresholds.append(
            Threshold("skip rate", settings.max_skip_rate, skip, "%", higher_is_better=False)
        )
    if settings.max_risky is not None:
        if risky is None:
            raise EvidenceError(
                "max_risky is set but no risky-test record (risky*.json) was found beside the "
                "JUnit files: run the tests with 'gates tests'"
            )
        thresholds.append(
            Threshold("risky tests", settings.max_risky, len(risky), higher_is_better=False)
        )
    return thresholds


def _risky(evidence: BucketsEvidence, report: JUnitReport) -> list[str] | None:
    if evidence.risky is None:
        return None
    passed = {case.nodeid for case in report.cases if case.outcome is Outcome.PASSED}
    return [nodeid for nodeid in evidence.risky if nodeid in passed]


def _summary(
    totals: junit.Totals,
    buckets: Sequence[Bucket],
    problems: Sequence[str],
    warnings: Sequence[str],
) -> str:
    if not totals.failing:
        head = f"{totals.passed + totals.flaky} of {totals.executed} executed tests pass"
    else:
        blocking = [b for b in buckets if b.blocks]
        head = (
            f"{totals.failing} failing in {len(buckets)} bucket(s), "
            f"{len(blocking)} blocking; pass rate {totals.pass_rate:.1f}%"
        )
    if totals.flaky:
        head += f", {totals.flaky} flaky"
    other = [p for p in problems if not any(p.startswith(f"{b.name}: ") for b in buckets)]
    if not totals.failing and not other:
        other = list(warnings)  # why a run without failures is only a WARN
    return "; ".join([head, *other])


@dataclass(frozen=True)
class BucketsGate(Gate[BucketsEvidence]):
    """``junit_patterns``/``baseline``: the command line's, instead of the configured ones."""

    junit_patterns: tuple[str, ...] = ()
    baseline: Path | None = None
    name: str = GATE

    def _previous(self, project: Project) -> Baseline | NoBase:
        if self.baseline:
            return load_baseline(self.baseline)
        return ledger_baseline(project.ledger, project.config.tests, project.config.project_name)

    def collect(self, project: Project, tree: str) -> BucketsEvidence:
        return collect(
            project.workspace,
            project.config.tests,
            tree,
            junit_patterns=self.junit_patterns,
            previous=self._previous(project),
        )

    def judge(self, evidence: BucketsEvidence, config: GatesConfig, today: dt.date) -> GateResult:
        return judge(evidence, config, today=today)

    def inputs(self, project: Project, tree: str) -> Inputs:
        """The JUnit files with the stamps and risky-test records beside them, and the failing
        and flaky tests of the run compared with: not that run's label, so a newer base decision
        (a new id each time) holding the same failures still lets the result stand."""
        settings = project.config
        files = find_junit(project.root, self.junit_patterns or settings.tests.junit)
        stamps = sorted({f.parent / META_FILE for f in files})
        previous = self._previous(project)
        compared: object = (
            (sorted(previous.failing), sorted(previous.flaky))
            if isinstance(previous, Baseline)
            else previous.why
        )
        config = (settings.tests, settings.buckets, settings.waivers, settings.version, compared)
        return Inputs(
            config=config,
            files=[*files, *stamps, *risky_records(files)],
            arguments=self.junit_patterns,
            dated=True,
        )

    def render(self, result: GateResult) -> str | None:
        from gates.report import buckets as buckets_report

        return buckets_report.markdown(result)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--junit",
        action="extend",
        nargs="+",
        default=[],
        metavar="GLOB",
        help="JUnit files or shard folders (repeatable; default: [tool.gates.tests] junit)",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="previous run to compare with (default: the base branch's decision in the ledger)",
    )


def from_args(args: argparse.Namespace) -> BucketsGate:
    baseline = Path(args.baseline) if args.baseline else None
    return BucketsGate(junit_patterns=tuple(args.junit), baseline=baseline)
