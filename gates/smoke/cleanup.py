"""After the steps: undo what they created, in reverse order, however the steps ended.

Each step that creates something (or may have: its request went out) is an :class:`Artifact`
until its cleanup succeeds; what could not be cleaned up is a :class:`Leftover` that fails the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial

import httpx

from gates.redact import Redactor
from gates.smoke import http
from gates.smoke.evidence import Check, Leftover, Outcome
from gates.smoke.memory import remembered_values
from gates.smoke.plan import HttpStep, Plan
from gates.smoke.templating import missing


class ArtifactState(StrEnum):
    IN_FLIGHT = "in-flight"
    """Request sent, no answer yet."""
    CREATED = "created"
    UNKNOWN = "unknown"
    """No answer came: it may or may not exist."""


@dataclass
class Artifact:
    """Something a step created (or may have), until its cleanup succeeds."""

    step: HttpStep
    request: str
    """``METHOD /path`` as sent."""
    values: dict[str, str] = field(default_factory=dict)
    """The values known when it was created: its cleanup is filled from them."""
    state: ArtifactState = ArtifactState.IN_FLIGHT
    status: int | None = None
    """The status that said it was created."""
    resource: str = ""
    """What was created, when the answer says: ``id 17`` or ``Location /leads/17``."""

    @property
    def label(self) -> str:
        """``create lead (POST /api/v1/leads → id 17)``: the step, and what it created."""
        created = f" → {self.resource}" if self.resource else ""
        return f"{self.step.name} ({self.request}{created})"


def _leftover(artifact: Artifact, label: str, why: str, plan: Plan) -> Leftover:
    """What was left; remembered (step and values) when the answer named what was created."""
    if artifact.state is ArtifactState.CREATED and artifact.resource:
        values = remembered_values(artifact.step, artifact.values, plan)
        return Leftover(label, why, artifact.step.name, values)
    return Leftover(label, why)


async def clean_up(
    client: httpx.AsyncClient,
    artifacts: list[Artifact],
    plan: Plan,
    redactor: Redactor,
    stop_reason: str | None,
) -> tuple[list[Check], list[Leftover]]:
    """Run each artifact's cleanup, newest first: a report row per cleanup, and the leftovers."""
    rows: list[Check] = []
    leftovers: list[Leftover] = []
    for artifact in reversed(artifacts):
        cleanup = artifact.step.cleanup
        if artifact.state is ArtifactState.IN_FLIGHT:
            why = f"request in flight when the run stopped ({stop_reason}): it may exist"
            leftovers.append(Leftover(artifact.label, why))
            continue
        if artifact.state is ArtifactState.UNKNOWN:
            leftovers.append(Leftover(artifact.label, "no answer to the request: it may exist"))
            continue
        if cleanup is None:
            why = f"created ({artifact.status}) and the plan has no cleanup for it"
            leftovers.append(_leftover(artifact, artifact.label, why, plan))
            continue
        name = missing(cleanup.request.path, artifact.values)
        if name:
            why = f"cannot clean up: {{{name}}} was not captured"
            leftovers.append(_leftover(artifact, artifact.label, why, plan))
            continue
        sent, kwargs = http.build(cleanup.request, artifact.values, plan.base_url, redactor)
        label = f"{artifact.step.name} ({sent.path})"
        expected = "|".join(str(s) for s in cleanup.statuses)
        row = partial(Check, f"cleanup: {artifact.step.name}", "cleanup", sent.method, sent.path)
        try:
            answer = await http.send(client, cleanup.request, sent, kwargs, redactor)
        except httpx.HTTPError as exc:
            reason = f"cleanup {sent.method} {sent.path} got no answer: {http.describe(exc)}"
            rows.append(row(expected, "no answer", 0.0, Outcome.FAILED, (reason,)))
            leftovers.append(_leftover(artifact, label, reason, plan))
            continue
        ok = answer.status in cleanup.statuses
        rows.append(
            row(
                expected,
                str(answer.status),
                answer.ms,
                Outcome.PASSED if ok else Outcome.FAILED,
                () if ok else (f"status {answer.status}, expected {expected}",),
                "" if ok else answer.text,  # cut to an excerpt once redacted (see run.py)
            )
        )
        if not ok:
            why = f"cleanup {sent.method} {sent.path} answered {answer.status}"
            leftovers.append(_leftover(artifact, label, why, plan))
    return rows, leftovers


@contextlib.contextmanager
def ignoring_signals() -> Iterator[None]:
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
