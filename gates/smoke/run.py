"""Running a smoke plan: collect (the async run), judge (pure), record, report.

Order of a run: refuse writes that are not allowed (before anything is sent) → wait for the
target (``wait_for``, ``expect_version``; a target that never answers is exit 3) → OpenAPI drift →
the steps (``parallel`` groups share ``concurrency``) → cleanups in reverse order. Cleanups run
however the steps ended: a failed check, fail-fast, the plan's deadline, SIGINT or SIGTERM. What
could not be cleaned up is listed as a leftover.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from gates.errors import TargetDownError
from gates.model import Finding, GateResult, Status, Threshold, utcnow
from gates.redact import Redactor, too_short
from gates.smoke import command, http, server
from gates.smoke.evidence import Check, Leftover, Outcome, SmokeRun, excerpt, percentile
from gates.smoke.plan import (
    CONNECTION,
    RUN_ID,
    CommandStep,
    HttpStep,
    Mode,
    Plan,
    PlanError,
    Step,
    WebSocketStep,
    render,
)

if TYPE_CHECKING:
    from gates.smoke.openapi import OpenApi

GATE = "smoke"
CLIENTS = ("httpx", "websockets")
"""Recorded with the result: the clients that did the talking."""
PROBE_TIMEOUT_S = 5.0
"""Connect timeout of the one probe of a plan without ``wait_for`` (``--start`` polls 30 s)."""


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
    a read-only plan)."""
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


class _State(StrEnum):
    IN_FLIGHT = "in-flight"
    """Request sent, no answer yet."""
    CREATED = "created"
    UNKNOWN = "unknown"
    """No answer came: it may or may not exist."""


@dataclass
class _Artifact:
    """Something a step created (or may have), until its cleanup succeeds."""

    step: HttpStep
    label: str
    values: dict[str, str] = field(default_factory=dict)
    state: _State = _State.IN_FLIGHT


class _Runner:
    def __init__(self, plan: Plan, options: Options, redactor: Redactor, run_id: str) -> None:
        self.plan = plan
        self.options = options
        self.redactor = redactor
        self.run_id = run_id
        self.values: dict[str, str] = {**plan.vars, RUN_ID: run_id}
        self.checks: dict[int, Check] = {}
        self.preflight: list[Check] = []
        self.artifacts: list[_Artifact] = []
        self.timings: list[float] = []
        self.stop_reason: str | None = None
        self.schema: OpenApi | None = None

    # Readiness ---------------------------------------------------------------------------------

    async def ready(self, client: httpx.AsyncClient, poll_s: float) -> None:
        if self.plan.wait_for is None:
            await self._probe(poll_s)
            return
        wait = self.plan.wait_for
        url = self.plan.base_url + wait.path
        last = "no answer"
        clock = time.perf_counter()
        deadline = clock + wait.timeout_s
        while True:
            try:
                response = await client.get(url, timeout=max(wait.interval_s, 1.0))
                if response.status_code == wait.status:
                    ms = (time.perf_counter() - clock) * 1000
                    self.preflight.append(
                        Check(
                            "wait for ready",
                            "wait_for",
                            "GET",
                            wait.path,
                            str(wait.status),
                            str(wait.status),
                            ms,
                            Outcome.PASSED,
                        )
                    )
                    return
                last = f"status {response.status_code}"
            except httpx.HTTPError as exc:
                last = _describe(exc)
            if time.perf_counter() >= deadline:
                raise TargetDownError(
                    f"{self.plan.base_url}: not ready after {wait.timeout_s:g}s: "
                    f"GET {wait.path} gave {last}, expected {wait.status}"
                )
            await asyncio.sleep(wait.interval_s)

    async def _probe(self, poll_s: float) -> None:
        """The target's port accepts connections (nothing is sent); retried for ``poll_s``."""
        parts = urlsplit(self.plan.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        deadline = time.perf_counter() + poll_s
        while True:
            try:
                async with asyncio.timeout(PROBE_TIMEOUT_S):
                    _, writer = await asyncio.open_connection(parts.hostname, port)
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
                return
            except (OSError, TimeoutError) as exc:
                if time.perf_counter() >= deadline:
                    reason = (
                        os.strerror(exc.errno)
                        if isinstance(exc, OSError) and exc.errno
                        else f"no connection within {PROBE_TIMEOUT_S:g}s"
                    )
                    raise TargetDownError(f"{self.plan.base_url}: unreachable ({reason})") from None
                await asyncio.sleep(0.2)

    async def expect_version(self, client: httpx.AsyncClient) -> None:
        expect = self.plan.expect_version
        if expect is None:
            return
        clock = time.perf_counter()
        deadline = clock + expect.timeout_s
        seen: Any = None
        while True:
            try:
                response = await client.get(self.plan.base_url + expect.path, timeout=10.0)
                seen = expect.json.search(response.json())
            except (httpx.HTTPError, ValueError) as exc:
                seen = f"<{_describe(exc)}>" if isinstance(exc, httpx.HTTPError) else "<not JSON>"
            if seen == expect.equals:
                ms = (time.perf_counter() - clock) * 1000
                self.preflight.append(
                    Check(
                        "deployed version",
                        "expect_version",
                        "GET",
                        expect.path,
                        expect.equals,
                        str(seen),
                        ms,
                        Outcome.PASSED,
                    )
                )
                return
            if time.perf_counter() >= deadline:
                raise TargetDownError(
                    f"{self.plan.base_url}: {expect.path} {expect.json_source} is {seen!r} after "
                    f"{expect.timeout_s:g}s, expected {expect.equals!r} (previous deploy?)"
                )
            await asyncio.sleep(expect.interval_s)

    async def load_openapi(self, client: httpx.AsyncClient) -> None:
        path = self.plan.openapi
        if path is None:
            return
        from gates.smoke import openapi  # jsonschema is slow to import: only for plans using it

        clock = time.perf_counter()
        failures: list[str] = []
        try:
            response = await client.get(self.plan.base_url + path, timeout=10.0)
            document = response.json()
            if response.status_code != 200 or not isinstance(document, dict):
                failures.append(f"status {response.status_code}, expected a JSON document")
            else:
                self.schema = openapi.OpenApi(document)
                http_steps = tuple(s for s in self.plan.steps if isinstance(s, HttpStep))
                failures += self.schema.drift(http_steps)
        except (httpx.HTTPError, ValueError) as exc:
            failures.append(f"cannot fetch the schema: {_describe(exc)}")
        ms = (time.perf_counter() - clock) * 1000
        self.preflight.append(
            Check(
                "OpenAPI schema verified",
                "openapi",
                "GET",
                path,
                "plan matches schema",
                "drift" if failures else "ok",
                ms,
                Outcome.FAILED if failures else Outcome.PASSED,
                tuple(failures),
            )
        )

    # Steps -------------------------------------------------------------------------------------

    async def steps(self, client: httpx.AsyncClient) -> None:
        limit = asyncio.Semaphore(self.plan.concurrency)

        async def limited(index: int) -> None:
            async with limit:
                await self.step(client, index)

        steps = self.plan.steps
        index = 0
        while index < len(steps):
            group = [index]
            if steps[index].parallel:
                while group[-1] + 1 < len(steps) and steps[group[-1] + 1].parallel:
                    group.append(group[-1] + 1)
            if len(group) == 1:
                await self.step(client, index)
            else:
                await asyncio.gather(*(limited(i) for i in group))
            index = group[-1] + 1
            if self.plan.fail_fast and any(not self.checks[i].outcome.ok for i in group):
                self.stop_reason = "fail-fast"
                return

    async def step(self, client: httpx.AsyncClient, index: int) -> None:
        step = self.plan.steps[index]
        missing = _missing_values(step, self.values)
        if missing:
            self.checks[index] = _not_run(step, f"not run: {{{missing}}} was never captured")
            return
        if isinstance(step, HttpStep):
            self.checks[index] = await self.http_step(client, step)
        elif isinstance(step, WebSocketStep):
            from gates.smoke import ws  # websockets only for plans that use it

            url, ms, failures = await ws.run(step, self.values, self.plan.base_url, self.redactor)
            expected = f"{len(step.messages)} message(s) on {step.connections} connection(s)"
            ok = step.connections - len({f.split(":")[0] for f in failures})
            self.checks[index] = Check(
                step.name,
                "websocket",
                "WS",
                url,
                expected,
                f"{ok}/{step.connections} connections ok",
                ms,
                Outcome.FAILED if failures else Outcome.PASSED,
                tuple(failures),
            )
        else:
            self.checks[index] = await self.command_step(step)

    async def http_step(self, client: httpx.AsyncClient, step: HttpStep) -> Check:
        artifact: _Artifact | None = None
        attempts = 0
        answer: http.Answer | None = None
        failures: list[str] = []
        for attempts in range(1, step.retries + 2):
            if attempts > 1:
                await asyncio.sleep(step.retry_delay_s)
            sent, kwargs = http.build(step.request, self.values, self.plan.base_url, self.redactor)
            if artifact is None and (step.cleanup is not None or not step.request.safe):
                artifact = _Artifact(step, f"{step.name} ({sent.method} {sent.path})")
                self.artifacts.append(artifact)
            try:
                answer = await http.send(client, step.request, sent, kwargs, self.redactor)
            except httpx.HTTPError as exc:
                answer, failures = None, [f"no answer: {_describe(exc)}"]
                continue
            self.timings.append(answer.ms)
            failures = http.check(step.expect, answer, self.values)
            document = answer.json()
            if self.schema is not None and step.schema and document is not None:
                failures += [
                    f"openapi: {problem}"
                    for problem in self.schema.validate(
                        sent.method, sent.path, answer.status, document
                    )
                ]
            if not failures:
                break
        if answer is not None and 200 <= answer.status < 300:
            captured, missing = http.capture(step.captures, answer)
            for capture in step.captures:
                value = captured.get(capture.name)
                if capture.secret and value is not None:
                    self.redactor.add_unchecked(value)  # masked even if refused: it was echoed
                    problem = too_short(value)
                    if problem is not None:
                        missing.append(f"capture {capture.name}: {problem}")
                        del captured[capture.name]
            self.values.update(captured)
            failures += missing
        if artifact is not None:
            self._settle(artifact, answer)
        outcome = Outcome.PASSED if not failures else Outcome.FAILED
        if outcome is Outcome.PASSED and attempts > 1:
            outcome = Outcome.FLAKY
        return Check(
            name=step.name,
            kind="http",
            method=sent.method,
            target=sent.path,
            expected=http.expected_status(step.expect),
            actual=str(answer.status) if answer is not None else "no answer",
            ms=answer.ms if answer is not None else 0.0,
            outcome=outcome,
            failures=tuple(failures),
            excerpt=answer.text if failures and answer is not None else "",
            attempts=attempts,
        )

    def _settle(self, artifact: _Artifact, answer: http.Answer | None) -> None:
        """What the answer says about the artifact: created, not created, or unknown."""
        if answer is None:
            artifact.state = _State.UNKNOWN
        elif 200 <= answer.status < 300 and (artifact.step.cleanup or answer.status == 201):
            artifact.state = _State.CREATED
            artifact.values = dict(self.values)
        else:
            self.artifacts.remove(artifact)

    async def command_step(self, step: CommandStep) -> Check:
        line, code, output, ms = await command.run(step, self.values)
        failures = []
        if code != step.exit_code:
            got = f"exit {code}" if code is not None else output
            failures.append(f"{got}, expected exit {step.exit_code}")
        if step.output is not None and not step.output.search(output):
            failures.append(f"output does not match {step.output.pattern!r}")
        return Check(
            step.name,
            "command",
            "RUN",
            line,
            f"exit {step.exit_code}",
            f"exit {code}" if code is not None else "did not finish",
            ms,
            Outcome.FAILED if failures else Outcome.PASSED,
            tuple(failures),
            output if failures else "",
        )

    # Cleanups ----------------------------------------------------------------------------------

    async def cleanups(self, client: httpx.AsyncClient) -> tuple[list[Check], list[Leftover]]:
        rows: list[Check] = []
        leftovers: list[Leftover] = []
        for artifact in reversed(self.artifacts):
            cleanup = artifact.step.cleanup
            if artifact.state is _State.IN_FLIGHT:
                leftovers.append(
                    Leftover(
                        artifact.label,
                        "request in flight when the run "
                        f"stopped ({self.stop_reason}): it may exist",
                    )
                )
                continue
            if artifact.state is _State.UNKNOWN:
                leftovers.append(Leftover(artifact.label, "no answer to the request: it may exist"))
                continue
            if cleanup is None:
                leftovers.append(
                    Leftover(artifact.label, "created (201) and the plan has no cleanup for it")
                )
                continue
            missing = _missing(cleanup.request.path, artifact.values)
            if missing:
                leftovers.append(
                    Leftover(artifact.label, f"cannot clean up: {{{missing}}} was not captured")
                )
                continue
            sent, kwargs = http.build(
                cleanup.request, artifact.values, self.plan.base_url, self.redactor
            )
            label = f"{artifact.step.name} ({sent.path})"
            expected = "|".join(str(s) for s in cleanup.statuses)
            try:
                answer = await http.send(client, cleanup.request, sent, kwargs, self.redactor)
            except httpx.HTTPError as exc:
                reason = f"cleanup {sent.method} {sent.path} got no answer: {_describe(exc)}"
                rows.append(
                    Check(
                        f"cleanup: {artifact.step.name}",
                        "cleanup",
                        sent.method,
                        sent.path,
                        expected,
                        "no answer",
                        0.0,
                        Outcome.FAILED,
                        (reason,),
                    )
                )
                leftovers.append(Leftover(label, reason))
                continue
            ok = answer.status in cleanup.statuses
            failures = () if ok else (f"status {answer.status}, expected {expected}",)
            rows.append(
                Check(
                    f"cleanup: {artifact.step.name}",
                    "cleanup",
                    sent.method,
                    sent.path,
                    expected,
                    str(answer.status),
                    answer.ms,
                    Outcome.PASSED if ok else Outcome.FAILED,
                    failures,
                    "" if ok else answer.text,
                )
            )
            if not ok:
                leftovers.append(
                    Leftover(label, f"cleanup {sent.method} {sent.path} answered {answer.status}")
                )
        return rows, leftovers

    # The whole run -----------------------------------------------------------------------------

    async def run(self, poll_s: float) -> SmokeRun:
        started = utcnow()
        limits = httpx.Limits(max_connections=max(self.plan.concurrency, 10))
        async with httpx.AsyncClient(limits=limits, follow_redirects=False) as client:
            await self.ready(client, poll_s)
            await self.expect_version(client)
            await self.load_openapi(client)
            await self._steps_until_stopped(client)
            with _ignoring_signals():
                cleanup_rows, leftovers = await self.cleanups(client)
        for index, step in enumerate(self.plan.steps):
            if index not in self.checks:
                self.checks[index] = _not_run(step, f"not run: {self.stop_reason}")
        checks = [*self.preflight, *(self.checks[i] for i in range(len(self.plan.steps)))]
        if self.plan.p95_ms is not None and self.timings:
            checks.append(self._p95_check(self.plan.p95_ms))
        run = SmokeRun(
            plan=str(self.plan.file),
            base_url=self.plan.base_url,
            environment=self.options.environment,
            run_id=self.run_id,
            started_at=started.isoformat(timespec="seconds"),
            finished_at=utcnow().isoformat(timespec="seconds"),
            checks=tuple(checks),
            cleanups=tuple(cleanup_rows),
            leftovers=tuple(leftovers),
            timings_ms=tuple(self.timings),
            p95_limit_ms=self.plan.p95_ms,
            interrupted=self.stop_reason,
        )
        return _redacted(run, self.redactor)

    async def _steps_until_stopped(self, client: httpx.AsyncClient) -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(self.steps(client))

        def stop(reason: str) -> None:
            self.stop_reason = self.stop_reason or reason
            task.cancel()

        installed = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                loop.add_signal_handler(signum, stop, signum.name)
                installed.append(signum)
        try:
            async with asyncio.timeout(self.plan.deadline_s):
                await task
        except TimeoutError:
            self.stop_reason = self.stop_reason or "deadline"
        except asyncio.CancelledError:
            if self.stop_reason is None:
                raise
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)

    def _p95_check(self, limit: float) -> Check:
        p95 = percentile(self.timings, 95) or 0.0
        ok = p95 <= limit
        return Check(
            "p95 latency",
            "p95",
            "",
            f"{len(self.timings)} requests",
            f"<= {limit:g} ms",
            f"{p95:.0f} ms",
            p95,
            Outcome.PASSED if ok else Outcome.FAILED,
            () if ok else (f"p95 {p95:.0f} ms over {limit:g} ms",),
        )


@contextlib.contextmanager
def _ignoring_signals() -> Any:
    """During cleanups a second Ctrl-C must not leave artifacts behind: it is noted, not obeyed."""
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            loop.add_signal_handler(signum, lambda: None)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _missing(template: str, values: Mapping[str, str]) -> str | None:
    try:
        render(template, values)
    except KeyError as exc:
        return str(exc.args[0])
    return None


def _strings(value: Any) -> list[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in (str(k), *_strings(v))]
    return []


def _missing_values(step: Step, values: Mapping[str, str]) -> str | None:
    if isinstance(step, HttpStep):
        request = step.request
        templates = [
            request.path,
            *request.headers.values(),
            *request.query.values(),
            *(_strings(request.json) if request.has_json else ()),
            request.body or "",
            *(request.form or {}).values(),
        ]
        if request.auth is not None:
            templates += [request.auth.bearer or "", *(request.auth.basic or ())]
    elif isinstance(step, WebSocketStep):
        values = {**values, CONNECTION: "1"}  # filled per connection
        templates = [step.url, *step.headers.values(), *_strings(list(step.send))]
        if step.auth is not None:
            templates += [step.auth.bearer or "", *(step.auth.basic or ())]
    else:
        templates = list(step.argv)
    for template in templates:
        missing = _missing(template, values)
        if missing:
            return missing
    return None


def _not_run(step: Step, why: str) -> Check:
    kind, method, target = (
        ("http", step.request.method, step.request.path)
        if isinstance(step, HttpStep)
        else ("websocket", "WS", step.url)
        if isinstance(step, WebSocketStep)
        else ("command", "RUN", " ".join(step.argv))
    )
    return Check(step.name, kind, method, target, "", "not run", 0.0, Outcome.SKIPPED, (why,))


def _redacted(run: SmokeRun, redactor: Redactor) -> SmokeRun:
    """Apply every secret known at the end (a token captured late may have been echoed early).

    Checks carry whole bodies until here: redacted first, then cut to an excerpt, since a secret
    cut in two before redaction would match no pattern and leak all but its tail.
    """

    def clean(check: Check) -> Check:
        cleaned = Check.from_dict(redactor.deep(check.to_dict()) | {"ms": check.ms})
        return replace(cleaned, excerpt=excerpt(cleaned.excerpt))

    return replace(
        run,
        base_url=redactor.text(run.base_url),
        checks=tuple(clean(c) for c in run.checks),
        cleanups=tuple(clean(c) for c in run.cleanups),
        leftovers=tuple(
            Leftover(redactor.text(item.artifact), redactor.text(item.reason))
            for item in run.leftovers
        ),
    )


def collect(plan: Plan, options: Options, redactor: Redactor) -> SmokeRun:
    """Run the plan against the target (the only I/O): start it with --start, then the steps."""
    run_id = f"{utcnow():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    with server.started(options.start, redactor):
        probe = server.START_TIMEOUT_S if options.start else 0.0
        return asyncio.run(_Runner(plan, options, redactor, run_id).run(probe))


# Judge -----------------------------------------------------------------------------------------


def judge(run: SmokeRun) -> GateResult:
    """PASS when every check passed and nothing was left behind; flaky passes make it WARN."""
    rows = (*run.checks, *run.cleanups)
    counts = {outcome: sum(1 for c in rows if c.outcome is outcome) for outcome in Outcome}
    passed = counts[Outcome.PASSED] + counts[Outcome.FLAKY]
    flaky = [c for c in rows if c.outcome is Outcome.FLAKY]
    findings = [
        Finding(f"{c.name}: {'; '.join(c.failures) or c.outcome.value}", rule=c.kind)
        for c in rows
        if not c.outcome.ok
    ]
    findings += [
        Finding(f"flaky: {c.name} passed after {c.attempts} attempts", rule="flaky", new=False)
        for c in flaky
    ]
    findings += [
        Finding(f"leftover: {item.artifact}: {item.reason}", rule="leftover")
        for item in run.leftovers
    ]
    if passed < len(rows) or run.leftovers or run.interrupted:
        status = Status.FAIL
    else:
        status = Status.WARN if flaky else Status.PASS
    summary = f"{passed}/{len(rows)} checks passed"
    if flaky:
        summary += f" ({len(flaky)} flaky)"
    if counts[Outcome.FAILED]:
        summary += f", {counts[Outcome.FAILED]} failed"
    if counts[Outcome.SKIPPED]:
        summary += f", {counts[Outcome.SKIPPED]} not run"
    if run.leftovers:
        summary += f", {len(run.leftovers)} leftover(s)"
    if run.interrupted:
        summary += f", stopped early ({run.interrupted})"
    if run.p95_ms is not None:
        summary += f", p95 {run.p95_ms:.0f} ms"
    thresholds: tuple[Threshold, ...] = ()
    if run.p95_limit_ms is not None and run.p95_ms is not None:
        thresholds = (Threshold("p95", run.p95_limit_ms, round(run.p95_ms, 1), " ms", False),)
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
            "leftovers": len(run.leftovers),
            "p50_ms": None if run.p50_ms is None else round(run.p50_ms, 1),
            "p95_ms": None if run.p95_ms is None else round(run.p95_ms, 1),
        },
        findings=tuple(findings),
        thresholds=thresholds,
        details=run.to_dict(),
    )
