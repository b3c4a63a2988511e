"""Smoke runs remembered in the ledger: what failed last time, and what was left behind.

Each run appends one :attr:`~gates.ledger.RecordKind.SMOKE` record (:func:`payload`): the plan
and target, every check's outcome and time, p50/p95, the leftovers it could not remove (each with
the step that created it and the non-secret values its cleanup is filled from) and the earlier
leftovers it closed. The next run of the plan on the same target reads them back (:func:`read`):
its report says what is newly failing and what was fixed since that run, lists every leftover still
open on the target, and removes each one the plan has a cleanup for (:func:`close`).

The records are read as untrusted input: nothing is sent for a leftover unless the ledger's chain
verifies, the plan (not the record) supplies the method and path of the cleanup, and a recorded
value may fill only a single path segment (or, as a whole path, a path on the plan's own origin).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from gates.jsonfields import Fields
from gates.ledger import Ledger, RecordKind
from gates.model import JSONValue
from gates.redact import Redactor
from gates.smoke import http
from gates.smoke.evidence import (
    Check,
    EarlierLeftover,
    Leftover,
    LeftoverState,
    Outcome,
    SinceLastRun,
    SmokeRun,
)
from gates.smoke.plan import RUN_ID, Capture, HttpStep, Plan
from gates.smoke.templating import missing, placeholders

ALREADY_GONE = frozenset({404, 410})
"""A later cleanup answered with these: the resource no longer exists, the leftover is closed."""
MAX_TRIES = 50
"""Earlier leftovers one run tries to remove: a long backlog (or a flood of forged records) cannot
hold a run for hours; the rest wait for the next run."""
MAX_VALUE_CHARS = 512
"""A recorded value longer than this is no id: the record is not acted on."""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SEGMENT = re.compile(r"^[A-Za-z0-9._~:@!$&'()*+,;=-]+$")
"""What a recorded value may be inside a path: one segment, nothing that climbs or adds a query."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def plan_key(plan_file: Path, root: Path) -> str:
    """How runs of one plan are told apart in the ledger: its path in the project, else its name."""
    try:
        return plan_file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return plan_file.name


# Recording -------------------------------------------------------------------------------------


def remembered_values(step: HttpStep, values: Mapping[str, str], plan: Plan) -> dict[str, str]:
    """The values a later run needs to clean up what ``step`` created, none of them secret.

    Those its cleanup names, its own body captures and ``run_id``; never a secret capture, nor
    a value captured from a response header other than ``Location`` (cookies and tokens travel
    there), nor a value holding ``?``, ``#`` or ``@`` (a URL's query, fragment or user info may
    carry a credential). The run drops any that holds a secret known by the end
    (:func:`gates.smoke.run.collect` redacts last).
    """
    captures: dict[str, Capture] = {
        capture.name: capture
        for other in plan.steps
        if isinstance(other, HttpStep)
        for capture in other.captures
    }
    names = {RUN_ID, *(c.name for c in step.captures if c.json is not None)}
    if step.cleanup is not None:
        names |= {name for text in step.cleanup.request.templates() for name in placeholders(text)}
    kept = {}
    for name in sorted(names):
        capture = captures.get(name)
        if capture is not None and (
            capture.secret or (capture.header is not None and capture.header.lower() != "location")
        ):
            continue
        value = values.get(name)
        if value is not None and _usable(value) and not re.search(r"[?#@]", value):
            kept[name] = value
    return kept


def payload(run: SmokeRun, plan: str, status: str) -> dict[str, JSONValue]:
    """The SMOKE record of ``run`` (already redacted) of the plan at ``plan``."""
    remembered = [item for item in run.leftovers if item.step is not None]
    return {
        "plan": plan,
        "target": run.base_url,
        "environment": run.environment,
        "run_id": run.run_id,
        "started_at": run.started_at,
        "status": status,
        "checks": [
            {"name": c.name, "kind": c.kind, "outcome": c.outcome.value, "ms": round(c.ms, 1)}
            for c in (*run.checks, *run.cleanups)
        ],
        "p50_ms": None if run.p50_ms is None else round(run.p50_ms, 1),
        "p95_ms": None if run.p95_ms is None else round(run.p95_ms, 1),
        "requests": len(run.timings_ms),
        "leftovers": [
            {"id": f"{run.run_id}#{number}", **item.to_dict()}
            for number, item in enumerate(remembered, start=1)
        ],
        "closed": [
            {"id": item.id, "why": item.why}
            for item in run.earlier
            if item.state is LeftoverState.CLOSED
        ],
    }


# Reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenLeftover:
    """A leftover recorded by an earlier run and not closed since."""

    id: str
    artifact: str
    step: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    problem: str | None = None
    """Why its record cannot be acted on (malformed): it is listed, never cleaned up."""


@dataclass(frozen=True)
class Memory:
    """What the ledger remembers for one plan on one target."""

    previous_run: str | None = None
    """The run id of the newest earlier run of the plan on the target."""
    previous: Mapping[str, Outcome] = field(default_factory=dict)
    """That run's outcome of each check, by name."""
    open: tuple[OpenLeftover, ...] = ()
    """Leftovers still open on the target, oldest first."""
    distrust: str | None = None
    """Why no leftover may be acted on (the chain does not verify), or None."""


def read(ledger: Ledger, plan: str, target: str) -> Memory:
    """The previous run of ``plan`` on ``target`` and the leftovers still open there."""
    previous_run, previous = None, {}
    opened: dict[str, OpenLeftover] = {}
    for record in ledger.records(RecordKind.SMOKE):
        where = f"ledger record {record.seq}"
        try:
            fields = Fields(record.payload, where)
            closed = [item.text("id") for item in fields.objects("closed")]
            on_target = fields.text("target") == target
            if on_target:
                run_id, outcomes = fields.text("run_id"), _outcomes(fields)
                same_plan, entries = fields.text("plan") == plan, fields.objects("leftovers")
        except ValueError as exc:
            opened[where] = OpenLeftover(where, "(unreadable record)", problem=str(exc))
            continue
        for leftover_id in closed:
            opened.pop(leftover_id, None)
        if not on_target:
            continue
        if same_plan:
            previous_run, previous = run_id, outcomes
        for item in entries:
            found = _leftover(item)
            opened[found.id] = found
    distrust = None
    if any(item.problem is None for item in opened.values()):
        chain = ledger.verify()
        if not chain.ok:
            distrust = f"the ledger's chain does not verify ({chain.problem})"
    return Memory(previous_run, previous, tuple(opened.values()), distrust)


def _outcomes(fields: Fields) -> dict[str, Outcome]:
    return {
        check.text("name"): check.choice("outcome", Outcome) for check in fields.objects("checks")
    }


def _leftover(item: Fields) -> OpenLeftover:
    try:
        leftover_id, artifact = item.text("id"), item.text("artifact")
    except ValueError as exc:
        return OpenLeftover(item.where, "(unreadable leftover)", problem=str(exc))
    try:
        step, values = item.text("step"), item.text_map("values")
        for name, value in values.items():
            if not _NAME.match(name) or not _usable(value):
                raise ValueError(f"{item.where}.values.{name[:40]}: not a value a run records")
    except ValueError as exc:
        return OpenLeftover(leftover_id, artifact, problem=str(exc))
    return OpenLeftover(leftover_id, artifact, step, values)


def _usable(value: str) -> bool:
    return bool(value) and len(value) <= MAX_VALUE_CHARS and not _CONTROL.search(value)


# Comparing and closing -------------------------------------------------------------------------


def since(memory: Memory, checks: Iterable[Check]) -> SinceLastRun:
    """Outcomes now against the previous run's (from the ledger)."""
    if memory.previous_run is None:
        return SinceLastRun(None)
    newly: list[str] = []
    fixed: list[str] = []
    still: list[str] = []
    for check in checks:
        before = memory.previous.get(check.name)
        failed_before = before is Outcome.FAILED
        if check.outcome is Outcome.FAILED:
            (still if failed_before else newly).append(check.name)
        elif check.outcome.ok and failed_before:
            fixed.append(check.name)
    return SinceLastRun(memory.previous_run, tuple(newly), tuple(fixed), tuple(still))


async def close(
    client: httpx.AsyncClient,
    plan: Plan,
    memory: Memory,
    values: Mapping[str, str],
    redactor: Redactor,
) -> tuple[EarlierLeftover, ...]:
    """Try each open leftover's cleanup (the plan's, filled from the record): what became of it."""
    found = []
    tried = 0
    for item in memory.open:
        why = _refusal(item, plan, memory, values)
        if why is None and tried == MAX_TRIES:
            why = f"not tried in this run (at most {MAX_TRIES} earlier leftovers per run)"
        if why is not None:
            found.append(EarlierLeftover(item.id, item.artifact, LeftoverState.OPEN, why))
            continue
        step = _cleanable(plan, item.step)
        assert step is not None and step.cleanup is not None  # _refusal checked both
        tried += 1
        filled = _filled(step, values, item.values)
        sent, kwargs = http.build(step.cleanup.request, filled, plan.base_url, redactor)
        request = f"{sent.method} {sent.path}"
        try:
            answer = await http.send(client, step.cleanup.request, sent, kwargs, redactor)
        except httpx.HTTPError as exc:
            why = f"cleanup {request} got no answer: {http.describe(exc)}"
            found.append(EarlierLeftover(item.id, item.artifact, LeftoverState.OPEN, why))
            continue
        if answer.status in step.cleanup.statuses:
            state, why = LeftoverState.CLOSED, f"removed: {request} answered {answer.status}"
        elif answer.status in ALREADY_GONE:
            state, why = LeftoverState.CLOSED, f"already gone: {request} answered {answer.status}"
        else:
            state, why = LeftoverState.OPEN, f"cleanup {request} answered {answer.status}"
        found.append(EarlierLeftover(item.id, item.artifact, state, why))
    return tuple(found)


def _cleanable(plan: Plan, name: str) -> HttpStep | None:
    return next(
        (s for s in plan.steps if isinstance(s, HttpStep) and s.name == name and s.cleanup), None
    )


def _refusal(
    item: OpenLeftover, plan: Plan, memory: Memory, values: Mapping[str, str]
) -> str | None:
    """Why this run does not try to remove ``item``, or None when it does."""
    if item.problem is not None:
        return f"not cleaned up: {item.problem}"
    if memory.distrust is not None:
        return f"not cleaned up: {memory.distrust}"
    step = _cleanable(plan, item.step)
    if step is None or step.cleanup is None:
        return f"not cleaned up: the plan has no cleanup for step {item.step!r}"
    for text in step.cleanup.request.templates():
        name = missing(text, _filled(step, values, item.values))
        if name in _own(step):
            return f"not cleaned up: {{{name}}} was not recorded by the run that left it"
        if name:
            return f"not cleaned up: {{{name}}} was not captured in this run"
    return _unsafe_path(step.cleanup.request.path, item.values, plan.base_url)


def _own(step: HttpStep) -> set[str]:
    """Names whose value identifies what ``step`` created: only its record may fill them."""
    return {RUN_ID, *(capture.name for capture in step.captures)}


def _filled(
    step: HttpStep, values: Mapping[str, str], recorded: Mapping[str, str]
) -> dict[str, str]:
    """This run's values (a fresh token), under the recorded ones; never this run's own id of
    what the step created this time, which would remove the wrong resource."""
    own = _own(step)
    return {**{k: v for k, v in values.items() if k not in own}, **recorded}


def _unsafe_path(template: str, recorded: Mapping[str, str], base_url: str) -> str | None:
    """Why a recorded value may not fill ``template``: a value from the ledger may name one
    resource on the plan's target, never another path, query or origin."""
    for name in placeholders(template):
        if name not in recorded:
            continue
        value = recorded[name]
        if template.strip() == f"{{{name}}}":  # the whole path: a Location
            if value.startswith(("http://", "https://")):
                if http.origin(value) != http.origin(base_url):
                    return f"not cleaned up: recorded {{{name}}} is on another origin"
                continue
            if value.startswith("/") and not value.startswith("//") and ".." not in value:
                continue
            return f"not cleaned up: recorded {{{name}}} is not a path on the target"
        if not _SEGMENT.match(value) or value in (".", ".."):
            return f"not cleaned up: recorded {{{name}}} is not a single path segment"
    return None


def remembered(leftovers: Sequence[Leftover], redactor: Redactor) -> tuple[Leftover, ...]:
    """``leftovers`` without any recorded value that holds a secret known by the end of the run."""
    return tuple(
        Leftover(
            redactor.text(item.artifact),
            redactor.text(item.reason),
            item.step,
            {name: value for name, value in item.values.items() if value not in redactor},
        )
        for item in leftovers
    )
