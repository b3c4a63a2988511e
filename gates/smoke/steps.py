"""The steps of a smoke plan, in order (``parallel`` neighbours together, at most ``concurrency``
at a time), each becoming one :class:`~gates.smoke.evidence.Check`.

Values captured by a step fill the placeholders of the later ones; a step whose placeholder was
never captured is not run. Steps that create something register an
:class:`~gates.smoke.cleanup.Artifact` before their request goes out, so it is cleaned up (or
reported as a leftover) however the run ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import httpx

from gates.redact import Redactor, bare_url, too_short
from gates.smoke import command, http
from gates.smoke.cleanup import Artifact, ArtifactState
from gates.smoke.evidence import Check, Outcome
from gates.smoke.latency import Latency, Sampling
from gates.smoke.plan import CONNECTION, RUN_ID, CommandStep, HttpStep, Plan, Step, WebSocketStep
from gates.smoke.templating import missing, strings

if TYPE_CHECKING:
    from gates.smoke.openapi import OpenApi


class StepRunner:
    """Runs the plan's steps against one client; what they found accumulates here."""

    def __init__(self, plan: Plan, redactor: Redactor, run_id: str, schema: OpenApi | None) -> None:
        self.plan = plan
        self.redactor = redactor
        self.schema = schema
        """The target's OpenAPI document, when the plan names one: responses are validated."""
        self.values: dict[str, str] = {**plan.vars, RUN_ID: run_id}
        self.checks: dict[int, Check] = {}
        """By step index: steps that never ran have none."""
        self.artifacts: list[Artifact] = []
        self.timings: list[float] = []
        self.stop_reason: str | None = None

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
        absent = _missing_values(step, self.values)
        if absent:
            self.checks[index] = not_run(step, f"not run: {{{absent}}} was never captured")
            return
        await self._run_step(client, index, step)
        self.checks[index] = replace(self.checks[index], triage=step.triage)

    async def _run_step(self, client: httpx.AsyncClient, index: int, step: Step) -> None:
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
        artifact: Artifact | None = None
        attempts = 0
        answer: http.Answer | None = None
        failures: list[str] = []
        for attempts in range(1, step.retries + 2):
            if attempts > 1:
                await asyncio.sleep(step.retry_delay_s)
            sent, kwargs = http.build(step.request, self.values, self.plan.base_url, self.redactor)
            if artifact is None and (step.cleanup is not None or step.writes):
                artifact = Artifact(step, f"{sent.method} {sent.path}")
                self.artifacts.append(artifact)
            try:
                answer = await http.send(client, step.request, sent, kwargs, self.redactor)
            except httpx.HTTPError as exc:
                answer, failures = None, [f"no answer: {http.describe(exc)}"]
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
        captured: dict[str, str] = {}
        if answer is not None and 200 <= answer.status < 300:
            captured, uncaptured = http.capture(step.captures, answer)
            for capture in step.captures:
                value = captured.get(capture.name)
                if capture.secret and value is not None:
                    self.redactor.add_unchecked(value)  # masked even if refused: it was echoed
                    problem = too_short(value)
                    if problem is not None:
                        uncaptured.append(f"capture {capture.name}: {problem}")
                        del captured[capture.name]
            self.values.update(captured)
            failures += uncaptured
        latency = None
        # Sampled only once the checked request passed: figures of failing requests mislead.
        if step.sampling is not None and answer is not None and not failures:
            latency, problems = await self._sample(client, step, step.sampling, answer.ms)
            failures += problems
        if artifact is not None:
            self._settle(artifact, answer, captured)
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
            excerpt=answer.text if (failures or step.keep_body) and answer is not None else "",
            attempts=attempts,
            latency=latency,
        )

    async def _sample(
        self, client: httpx.AsyncClient, step: HttpStep, sampling: Sampling, first_ms: float
    ) -> tuple[Latency | None, list[str]]:
        """Send the ``repeat - 1`` samples after the checked request (``concurrency`` at a
        time), each checked like it: the figures, and what failed (samples, then limits)."""
        limit = asyncio.Semaphore(sampling.concurrency)
        timings = [first_ms]
        problems: list[str] = []

        async def sample() -> None:
            async with limit:
                sent, kwargs = http.build(
                    step.request, self.values, self.plan.base_url, self.redactor
                )
                try:
                    answer = await http.send(client, step.request, sent, kwargs, self.redactor)
                except httpx.HTTPError as exc:
                    problems.append(f"no answer: {http.describe(exc)}")
                    return
                timings.append(answer.ms)
                problems.extend(http.check(step.expect, answer, self.values)[:1])

        await asyncio.gather(*(sample() for _ in range(sampling.repeat - 1)))
        self.timings.extend(timings[1:])
        latency = Latency.of(timings, sampling.limits())
        failures = []
        if problems:  # at most one per sample
            failures.append(
                f"{len(problems)}/{sampling.repeat} samples failed, first: {problems[0]}"
            )
        if latency is not None:
            failures += latency.over()
        return latency, failures

    def _settle(
        self, artifact: Artifact, answer: http.Answer | None, captured: Mapping[str, str]
    ) -> None:
        """What the answer says about the artifact: created, not created, or unknown.

        Any success creates it when the step has a cleanup, answered 201, captured an id (a
        value of the JSON body that is not a secret: a login's token is not created) or
        answered a ``Location``; the label then names it. A step that writes nothing is
        ``safe = true`` and never tracked.
        """
        if answer is None:
            artifact.state = ArtifactState.UNKNOWN
            return
        ids = [
            f"{c.name} {captured[c.name]}"
            for c in artifact.step.captures
            if c.json is not None and not c.secret and c.name in captured
        ]
        location = answer.headers.get("location")
        if location:  # a signed or tokenised Location: its credentials are never shown
            self.redactor.add_url_tokens(location)
        named = ids or ([f"Location {bare_url(location)}"] if location else [])
        tracked = artifact.step.cleanup or answer.status == 201 or named
        if 200 <= answer.status < 300 and tracked:
            artifact.state = ArtifactState.CREATED
            artifact.status = answer.status
            artifact.values = dict(self.values)
            artifact.resource = ", ".join(named)
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


def _missing_values(step: Step, values: Mapping[str, str]) -> str | None:
    if isinstance(step, HttpStep):
        templates = step.request.templates()
    elif isinstance(step, WebSocketStep):
        values = {**values, CONNECTION: "1"}  # filled per connection
        templates = [step.url, *step.headers.values(), *strings(list(step.send))]
        if step.auth is not None:
            templates += [step.auth.bearer or "", *(step.auth.basic or ())]
    else:
        templates = list(step.argv)
    for template in templates:
        name = missing(template, values)
        if name:
            return name
    return None


def not_run(step: Step, why: str) -> Check:
    kind, method, target = (
        ("http", step.request.method, step.request.path)
        if isinstance(step, HttpStep)
        else ("websocket", "WS", step.url)
        if isinstance(step, WebSocketStep)
        else ("command", "RUN", " ".join(step.argv))
    )
    return Check(
        step.name,
        kind,
        method,
        target,
        "",
        "not run",
        0.0,
        Outcome.SKIPPED,
        (why,),
        triage=step.triage,
    )
