"""Smoke plans as frozen types: a :class:`Plan` of HTTP, WebSocket and command steps.

:mod:`gates.smoke.loading` reads and validates a TOML file into one; ``{name}`` placeholders
(:mod:`gates.smoke.templating`) are still in its requests, filled at run time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from gates.errors import ConfigError
from gates.smoke.latency import Sampling
from gates.smoke.templating import render_value, strings
from gates.smoke.triage import Triage

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing: the only ones retried, the only ones allowed read-only."""
METHODS = SAFE_METHODS | {"POST", "PUT", "PATCH", "DELETE"}
RUN_ID = "run_id"
CONNECTION = "connection"
"""In a WebSocket step's messages: the number of the connection (1 … ``connections``)."""


class PlanError(ConfigError):
    """A smoke plan that cannot be run: names the file, the step and the key (exit 2)."""


class Mode(StrEnum):
    READ_WRITE = "read-write"
    READ_ONLY = "read-only"


class Op(StrEnum):
    EQUALS = "equals"
    EXISTS = "exists"
    MATCHES = "matches"
    LENGTH = "length"


MISSING = object()
"""``Request.json`` when the request has no JSON body (``None`` is a JSON body: null)."""


@dataclass(frozen=True)
class Assertion:
    """One JMESPath assertion on a JSON document: ``{ path = "items", length = 2 }``."""

    path: str
    expression: Any
    """The compiled JMESPath expression."""
    op: Op
    value: Any

    def failure(self, document: Any, values: Mapping[str, str]) -> str | None:
        """Why ``document`` does not satisfy this assertion, or None when it does.

        ``values`` fill ``{name}`` placeholders in an ``equals`` value.
        """
        found = self.expression.search(document)
        match self.op:
            case Op.EXISTS:
                if (found is not None) is bool(self.value):
                    return None
                return f"{self.path}: expected {'present' if self.value else 'absent'}"
            case Op.EQUALS:
                wanted = render_value(self.value, values)
                if found == wanted and isinstance(found, bool) == isinstance(wanted, bool):
                    return None
                return f"{self.path}: expected {wanted!r}, got {found!r}"
            case Op.MATCHES:
                if isinstance(found, str) and re.search(self.value, found):
                    return None
                return f"{self.path}: expected to match {self.value!r}, got {found!r}"
            case Op.LENGTH:
                if isinstance(found, list | dict | str) and len(found) == self.value:
                    return None
                size = len(found) if isinstance(found, list | dict | str) else found
                return f"{self.path}: expected length {self.value}, got {size!r}"


@dataclass(frozen=True)
class Auth:
    """``auth = { bearer = "{token}" }`` or ``auth = { basic = ["user", "${secret:PW}"] }``."""

    bearer: str | None = None
    basic: tuple[str, str] | None = None


@dataclass(frozen=True)
class Request:
    """An HTTP request with ``{name}`` placeholders still in it."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    json: Any = MISSING
    form: Mapping[str, str] | None = None
    body: str | None = None
    auth: Auth | None = None
    timeout_s: float = 10.0

    @property
    def has_json(self) -> bool:
        return self.json is not MISSING

    @property
    def safe(self) -> bool:
        return self.method in SAFE_METHODS

    def templates(self) -> list[str]:
        """Every text of the request that may hold ``{name}`` placeholders."""
        found = [
            self.path,
            *self.headers.values(),
            *self.query.values(),
            *(strings(self.json) if self.has_json else ()),
            self.body or "",
            *(self.form or {}).values(),
        ]
        if self.auth is not None:
            found += [self.auth.bearer or "", *(self.auth.basic or ())]
        return found


@dataclass(frozen=True)
class Capture:
    """A value kept for later steps: from a JMESPath into the JSON body, or a header."""

    name: str
    json: Any = None
    """Compiled JMESPath, when captured from the body."""
    header: str | None = None
    secret: bool = False
    """Tokens: redacted as ``***`` everywhere from the moment they are captured."""


@dataclass(frozen=True)
class HttpExpect:
    statuses: tuple[int, ...] = (200,)
    json: tuple[Assertion, ...] = ()
    headers: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    """Header name → regular expression its value must match."""
    body: re.Pattern[str] | None = None
    max_ms: float | None = None


@dataclass(frozen=True)
class Cleanup:
    """The request that undoes a step; ``expect`` statuses count as cleaned up."""

    request: Request
    statuses: tuple[int, ...] = (200, 202, 204)


@dataclass(frozen=True)
class HttpStep:
    name: str
    request: Request
    expect: HttpExpect
    captures: tuple[Capture, ...] = ()
    cleanup: Cleanup | None = None
    retries: int = 0
    """Extra attempts after a failure; only ever non-zero for safe methods."""
    retry_delay_s: float = 0.5
    parallel: bool = False
    schema: bool = True
    """Validate the JSON response against the OpenAPI document (when the plan has one)."""
    triage: Triage | None = None
    """Priority, blocking, owner, files, next: None when neither the step nor the plan says."""
    keep_body: bool = False
    """Keep an excerpt of the response in the evidence even when the check passed."""
    sampling: Sampling | None = None
    """``repeat`` and latency limits (the step's, or the plan's ``[latency]``)."""
    safe: bool = False
    """``safe = true``: this unsafe-method request changes nothing (a login). It is sent in
    production without ``--allow-writes`` and in read-only plans, and never tracked as created."""

    @property
    def writes(self) -> bool:
        """Its request may change something on the target."""
        return not (self.request.safe or self.safe)


@dataclass(frozen=True)
class WebSocketStep:
    name: str
    url: str
    """``ws(s)://`` URL or a path relative to ``base_url``."""
    headers: Mapping[str, str] = field(default_factory=dict)
    auth: Auth | None = None
    send: tuple[Any, ...] = ()
    """Frames sent in order: JSON values (sent as JSON text) or strings."""
    messages: tuple[Assertion, ...] = ()
    """Expected frames, in order: each is awaited (skipping others) until the timeout."""
    connections: int = 1
    timeout_s: float = 10.0
    parallel: bool = False
    triage: Triage | None = None
    """Priority, blocking, owner, files, next: None when neither the step nor the plan says."""


@dataclass(frozen=True)
class CommandStep:
    name: str
    argv: tuple[str, ...]
    exit_code: int = 0
    output: re.Pattern[str] | None = None
    """Must match stdout + stderr."""
    timeout_s: float = 60.0
    parallel: bool = False
    triage: Triage | None = None
    """Priority, blocking, owner, files, next: None when neither the step nor the plan says."""


Step = HttpStep | WebSocketStep | CommandStep


@dataclass(frozen=True, kw_only=True)
class Poll:
    """GET ``path`` every ``interval_s`` until it answers as expected, for at most ``timeout_s``."""

    path: str
    timeout_s: float
    interval_s: float


@dataclass(frozen=True, kw_only=True)
class WaitFor(Poll):
    """Poll until the target answers ``status``."""

    status: int


@dataclass(frozen=True, kw_only=True)
class ExpectVersion(Poll):
    """Poll until JMESPath ``json`` equals ``equals``: never smoke the previous deploy."""

    json: Any
    json_source: str
    equals: str


@dataclass(frozen=True)
class Plan:
    file: Path
    base_url: str
    steps: tuple[Step, ...]
    vars: Mapping[str, str] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()
    """Values of every ``${secret:…}`` used, to be redacted."""
    mode: Mode = Mode.READ_WRITE
    openapi: str | None = None
    wait_for: WaitFor | None = None
    expect_version: ExpectVersion | None = None
    p95_ms: float | None = None
    concurrency: int = 10
    fail_fast: bool = False
    deadline_s: float | None = None
    """The whole run's time limit: steps stop, cleanups still run."""

    def writes(self) -> list[tuple[str, str]]:
        """(step name, method) of every unsafe request not marked safe, cleanups included."""
        found = []
        for step in self.steps:
            if isinstance(step, HttpStep):
                if step.writes:
                    found.append((step.name, step.request.method))
                if step.cleanup and not step.cleanup.request.safe:
                    found.append((f"{step.name} (cleanup)", step.cleanup.request.method))
        return found

    def safe_writes(self) -> tuple[str, ...]:
        """``name: METHOD /path`` of each unsafe-method step let through by ``safe = true``."""
        return tuple(
            f"{step.name}: {step.request.method} {step.request.path}"
            for step in self.steps
            if isinstance(step, HttpStep) and step.safe
        )
