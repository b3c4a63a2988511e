"""Running a smoke plan: collect (the async run), judge (pure), record, report.

Order of a run: refuse writes that are not allowed (before anything is sent) → wait for the
target (``wait_for``, ``expect_version``; a target that never answers is exit 3) → OpenAPI drift →
the steps (``parallel`` groups share ``concurrency``) → cleanups in reverse order. Cleanups run
however the steps ended: a failed check, fail-fast, the plan's deadline, SIGINT or SIGTERM. What
could not be cleaned up is listed as a leftover. Each part has its module: :mod:`target`,
:mod:`steps`, :mod:`cleanup`.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
from dataclasses import dataclass, replace
from enum import StrEnum

import httpx

from gates.model import Finding, GateResult, Status, Threshold, utcnow
from gates.redact import Redactor
from gates.smoke import memory, server, target
from gates.smoke.cleanup import clean_up, ignoring_signals
from gates.smoke.evidence import Check, EarlierLeftover, LeftoverState, Outcome, SmokeRun, excerpt
from gates.smoke.latency import percentile
from gates.smoke.plan import HttpStep, Mode, Plan, PlanError
from gates.smoke.steps import StepRunner, not_run

GATE = "smoke"
CLIENTS = ("httpx", "websockets")
"""Recorded with the result: the clients that did the talking."""


class Environment(StrEnum):
    STAGING = "staging"
    PRODUCTION = "production"


@dataclass(frozen=True)
class Options:
    environment: Environment = Environment.STAGING
    allow_writes: bool = False
    base_url: str | None = None
    start: str | None = None
    """A command that starts the target locally for the run."""


def refuse_writes(plan: Plan, options: Options) -> None:
    """Refuse unsafe methods before anything is sent (production without --allow-writes, or
    a read-only plan); steps marked ``safe = true`` are not writes."""
    writes = plan.writes()
    if not writes:
        return
    step, method = writes[0]
    if plan.mode is Mode.READ_ONLY:
        why = 'the plan says mode = "read-only"'
    elif options.environment is Environment.PRODUCTION and not options.allow_writes:
        why = "--environment production without --allow-writes"
    else:
        return
    raise PlanError(f"{plan.file.name}: step {step!r}: {method} refused: {why} (nothing was sent)")


# Collect ---------------------------------------------------------------------------------------


async def _run(
    plan: Plan,
    options: Options,
    redactor: Redactor,
    run_id: str,
    poll_s: float,
    remembered: memory.Memory | None,
) -> SmokeRun:
    started = utcnow()
    sampled = [s.sampling.concurrency for s in plan.steps if isinstance(s, HttpStep) and s.sampling]
    limits = httpx.Limits(max_connections=max(plan.concurrency, 10, *sampled))
    async with httpx.AsyncClient(limits=limits, follow_redirects=False) as client:
        preflight = [await target.ready(client, plan, poll_s)]
        preflight.append(await target.expected_version(client, plan))
        openapi_check, schema = await target.openapi_schema(client, plan)
        preflight.append(openapi_check)
        runner = StepRunner(plan, redactor, run_id, schema)
        await _steps_until_stopped(runner, client)
        with ignoring_signals():
            cleanup_rows, leftovers = await clean_up(
                client, runner.artifacts, plan, redactor, runner.stop_reason
            )
            earlier: tuple[EarlierLeftover, ...] = ()
            if remembered is not None:  # then the leftovers of earlier runs, the oldest first
                earlier = await memory.close(client, plan, remembered, runner.values, redactor)
    for index, step in enumerate(plan.steps):
        if index not in runner.checks:
            runner.checks[index] = not_run(step, f"not run: {runner.stop_reason}")
    checks = [
        *(check for check in preflight if check is not None),
        *(runner.checks[i] for i in range(len(plan.steps))),
    ]
    if plan.p95_ms is not None and runner.timings:
        checks.append(_p95_check(runner.timings, plan.p95_ms))
    run = SmokeRun(
        plan=str(plan.file),
        base_url=plan.base_url,
        environment=options.environment,
        run_id=run_id,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=utcnow().isoformat(timespec="seconds"),
        checks=tuple(checks),
        cleanups=tuple(cleanup_rows),
        leftovers=tuple(leftovers),
        timings_ms=tuple(runner.timings),
        p95_limit_ms=plan.p95_ms,
        safe_writes=plan.safe_writes(),
        interrupted=runner.stop_reason,
        earlier=earlier,
        since=None if remembered is None else memory.since(remembered, (*checks, *cleanup_rows)),
    )
    return _redacted(run, redactor)


async def _steps_until_stopped(runner: StepRunner, client: httpx.AsyncClient) -> None:
    """The steps, until done, the plan's deadline, SIGINT or SIGTERM (then ``stop_reason``)."""
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(runner.steps(client))

    def stop(reason: str) -> None:
        runner.stop_reason = runner.stop_reason or reason
        task.cancel()

    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            loop.add_signal_handler(signum, stop, signum.name)
            installed.append(signum)
    try:
        async with asyncio.timeout(runner.plan.deadline_s):
            await task
    except TimeoutError:
        runner.stop_reason = runner.stop_reason or "deadline"
    except asyncio.CancelledError:
        if runner.stop_reason is None:
            raise
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def _finding(check: Check) -> str:
    """``name [P1]: why (owner: …; next: …)``: who owns a failure and what to do next."""
    why = "; ".join(check.failures) or check.outcome.value
    if check.triage is None:
        return f"{check.name}: {why}"
    details = check.triage.details()
    return f"{check.name} [{check.triage.label}]: {why}" + (f" ({details})" if details else "")


def _p95_check(timings: list[float], limit: float) -> Check:
    p95 = percentile(timings, 95) or 0.0
    ok = p95 <= limit
    return Check(
        "p95 latency",
        "p95",
        "",
        f"{len(timings)} requests",
        f"<= {limit:g} ms",
        f"{p95:.0f} ms",
        p95,
        Outcome.PASSED if ok else Outcome.FAILED,
        () if ok else (f"p95 {p95:.0f} ms over {limit:g} ms",),
    )


def _redacted(run: SmokeRun, redactor: Redactor) -> SmokeRun:
    """Apply every secret known at the end (a token captured late may have been echoed early).

    Checks carry whole bodies until here: redacted first, then cut to an excerpt, since a secret
    cut in two before redaction would match no pattern and leak all but its tail.
    """

    def clean(check: Check) -> Check:
        cleaned = Check.from_dict(redactor.deep(check.to_dict()) | {"ms": check.ms}, "check")
        return replace(cleaned, excerpt=excerpt(cleaned.excerpt))

    return replace(
        run,
        base_url=redactor.text(run.base_url),
        checks=tuple(clean(c) for c in run.checks),
        cleanups=tuple(clean(c) for c in run.cleanups),
        leftovers=memory.remembered(run.leftovers, redactor),
        earlier=tuple(
            replace(item, artifact=redactor.text(item.artifact), why=redactor.text(item.why))
            for item in run.earlier
        ),
    )


def collect(
    plan: Plan, options: Options, redactor: Redactor, remembered: memory.Memory | None = None
) -> SmokeRun:
    """Run the plan against the target (the only I/O): start it with --start, then the steps.

    With ``remembered`` (the ledger's memory of this plan on this target), the run is compared
    with the previous one and removes the earlier leftovers the plan has a cleanup for.
    """
    run_id = f"{utcnow():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    with server.started(options.start, redactor):
        probe = server.START_TIMEOUT_S if options.start else 0.0
        return asyncio.run(_run(plan, options, redactor, run_id, probe, remembered))


# Judge -----------------------------------------------------------------------------------------


def judge(run: SmokeRun) -> GateResult:
    """PASS when every check passed and nothing was left behind; flaky passes and failed
    advisory checks (``blocking = false``) make it WARN."""
    rows = (*run.checks, *run.cleanups)
    counts = {outcome: sum(1 for c in rows if c.outcome is outcome) for outcome in Outcome}
    passed = counts[Outcome.PASSED] + counts[Outcome.FLAKY]
    flaky = [c for c in rows if c.outcome is Outcome.FLAKY]
    advisory = [c for c in rows if not c.outcome.ok and not c.blocking]
    findings = [Finding(_finding(c), rule=c.kind) for c in rows if not c.outcome.ok and c.blocking]
    findings += [Finding(_finding(c), rule="advisory", new=False) for c in advisory]
    findings += [
        Finding(f"flaky: {c.name} passed after {c.attempts} attempts", rule="flaky", new=False)
        for c in flaky
    ]
    findings += [
        Finding(f"leftover: {item.artifact}: {item.reason}", rule="leftover")
        for item in run.leftovers
    ]
    still_open = [item for item in run.earlier if item.state is LeftoverState.OPEN]
    findings += [
        Finding(f"earlier leftover {i.id}: {i.artifact}: {i.why}", rule="leftover", new=False)
        for i in still_open
    ]
    if passed + len(advisory) < len(rows) or run.leftovers or run.interrupted:
        status = Status.FAIL
    else:
        # An earlier run's leftover is not this build's failure, but it is not clean either.
        status = Status.WARN if flaky or advisory or still_open else Status.PASS
    summary = f"{passed}/{len(rows)} checks passed"
    if flaky:
        summary += f" ({len(flaky)} flaky)"
    if counts[Outcome.FAILED]:
        summary += f", {counts[Outcome.FAILED]} failed"
    if counts[Outcome.SKIPPED]:
        summary += f", {counts[Outcome.SKIPPED]} not run"
    if advisory:
        summary += f" ({len(advisory)} advisory)"
    if run.leftovers:
        summary += f", {len(run.leftovers)} leftover(s)"
    if run.earlier:
        closed = len(run.earlier) - len(still_open)
        summary += f", earlier leftovers: {closed} closed, {len(still_open)} still open"
    if run.interrupted:
        summary += f", stopped early ({run.interrupted})"
    if run.p95_ms is not None:
        summary += f", p95 {run.p95_ms:.0f} ms"
    thresholds = [
        Threshold(f"{c.name} {name}", limit, round(c.latency.figures()[name], 1), " ms", False)
        for c in run.checks
        if c.latency is not None
        for name, limit in c.latency.limits.items()
    ]
    if run.p95_limit_ms is not None and run.p95_ms is not None:
        thresholds.append(Threshold("p95", run.p95_limit_ms, round(run.p95_ms, 1), " ms", False))
    return GateResult(
        gate=GATE,
        status=status,
        summary=summary,
        metrics={
            "checks": len(rows),
            "passed": passed,
            "failed": counts[Outcome.FAILED],
            "not_run": counts[Outcome.SKIPPED],
            "flaky": len(flaky),
            "advisory_failed": len(advisory),
            "leftovers": len(run.leftovers),
            "p50_ms": None if run.p50_ms is None else round(run.p50_ms, 1),
            "p95_ms": None if run.p95_ms is None else round(run.p95_ms, 1),
        },
        findings=tuple(findings),
        thresholds=tuple(thresholds),
        details=run.to_dict(),
    )
