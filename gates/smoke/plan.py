"""Smoke plans: a TOML file → a validated, frozen :class:`Plan`.

Two kinds of substitution, at two times:

* ``${env:NAME}`` and ``${secret:NAME}`` read the environment when the plan is loaded; a missing
  one is a plan error naming it. Secret values are remembered so every output can redact them.
* ``{name}`` is filled at run time from ``[vars]``, values captured by earlier steps and
  ``{run_id}``. Every placeholder is checked at load time: an unknown one is a plan error, not a
  request to ``/leads/{lead_id}`` that fails later. ``{{name}}`` is a literal ``{name}``; other
  braces (a JSON body written as a string) are left alone.

Every error names the plan file, the step (index and name) and the key, in one line (exit 2).
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn

import jmespath
import jmespath.exceptions

from gates.errors import ConfigError
from gates.smoke.redact import Redactor
from gates.toml_table import Table

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing: the only ones retried, the only ones allowed read-only."""
METHODS = SAFE_METHODS | {"POST", "PUT", "PATCH", "DELETE"}
RUN_ID = "run_id"
CONNECTION = "connection"
"""In a WebSocket step's messages: the number of the connection (1 … ``connections``)."""

_ENV = re.compile(r"\$\{(env|secret):([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PLACEHOLDER = re.compile(rf"\{{\{{({_NAME})\}}\}}|\{{({_NAME})\}}")
"""``{{name}}`` (group 1, a literal ``{name}``) or ``{name}`` (group 2, a placeholder)."""
_LOOKS_LIKE_PLACEHOLDER = re.compile(rf"\{{({_NAME})\}}")


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


_MISSING = object()


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
    json: Any = _MISSING
    form: Mapping[str, str] | None = None
    body: str | None = None
    auth: Auth | None = None
    timeout_s: float = 10.0

    @property
    def has_json(self) -> bool:
        return self.json is not _MISSING

    @property
    def safe(self) -> bool:
        return self.method in SAFE_METHODS


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


@dataclass(frozen=True)
class CommandStep:
    name: str
    argv: tuple[str, ...]
    exit_code: int = 0
    output: re.Pattern[str] | None = None
    """Must match stdout + stderr."""
    timeout_s: float = 60.0
    parallel: bool = False


Step = HttpStep | WebSocketStep | CommandStep


@dataclass(frozen=True)
class WaitFor:
    """Poll ``path`` until it answers ``status``, for at most ``timeout_s``."""

    path: str
    status: int = 200
    timeout_s: float = 60.0
    interval_s: float = 0.5


@dataclass(frozen=True)
class ExpectVersion:
    """Poll ``path`` until JMESPath ``json`` equals ``equals``: never smoke the previous deploy."""

    path: str
    json: Any
    json_source: str
    equals: str
    timeout_s: float = 120.0
    interval_s: float = 1.0


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
        """(step name, method) of every unsafe request, cleanups included."""
        found = []
        for step in self.steps:
            if isinstance(step, HttpStep):
                if not step.request.safe:
                    found.append((step.name, step.request.method))
                if step.cleanup and not step.cleanup.request.safe:
                    found.append((f"{step.name} (cleanup)", step.cleanup.request.method))
        return found


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{name}`` placeholders (names were checked when the plan was loaded)."""

    def fill(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return "{" + match.group(1) + "}"
        return values[match.group(2)]

    return _PLACEHOLDER.sub(fill, template)


def render_value(value: Any, values: Mapping[str, str]) -> Any:
    """:func:`render` every string inside a JSON value."""
    if isinstance(value, str):
        return render(value, values)
    if isinstance(value, list):
        return [render_value(v, values) for v in value]
    if isinstance(value, dict):
        return {render(str(k), values): render_value(v, values) for k, v in value.items()}
    return value


# Loading ---------------------------------------------------------------------------------------


def load(path: Path, environ: Mapping[str, str], *, base_url: str | None = None) -> Plan:
    """Read and validate a plan; ``base_url`` (``--base-url``) replaces the plan's own."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"{path}: smoke plan not found") from None
    except OSError as exc:
        raise PlanError(f"{path}: cannot read: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path.name}: invalid TOML: {exc}") from None
    loader = _Loader(path, environ)
    try:
        return loader.plan(document, base_url)
    except ConfigError as exc:  # a message may quote a value that came from a secret
        raise PlanError(Redactor(loader.secrets).text(str(exc))) from None


class _Loader:
    def __init__(self, file: Path, environ: Mapping[str, str]) -> None:
        self.file = file
        self.environ = environ
        self.secrets: set[str] = set()
        self.step_label = ""

    def fail(self, table: Table, key: str | int | None, problem: str) -> NoReturn:
        try:
            table.fail(key, problem)
        except ConfigError as exc:
            raise PlanError(str(exc)) from None

    def expand(self, table: Table, key: str, text: str) -> str:
        """Substitute ``${env:X}``/``${secret:X}``; braces in values are made literal."""

        def fill(match: re.Match[str]) -> str:
            kind, name = match.groups()
            value = self.environ.get(name)
            if value is None:
                self.fail(
                    table, key, f"environment variable {name} is not set (${{{kind}:{name}}})"
                )
            if kind == "secret" and value:
                self.secrets.add(value)
            return _LOOKS_LIKE_PLACEHOLDER.sub(r"{{\1}}", value)

        return _ENV.sub(fill, text)

    def expand_value(self, table: Table, key: str, value: Any) -> Any:
        if isinstance(value, str):
            return self.expand(table, key, value)
        if isinstance(value, list):
            return [self.expand_value(table, key, v) for v in value]
        if isinstance(value, dict):
            return {k: self.expand_value(table, key, v) for k, v in value.items()}
        return value

    def template(self, table: Table, key: str, text: str, known: set[str]) -> str:
        """Expand the environment and check every ``{name}`` is known at this point."""
        text = self.expand(table, key, text)
        for match in _PLACEHOLDER.finditer(text):
            name = match.group(2)
            if name is not None and name not in known:
                self.fail(
                    table,
                    key,
                    f"unknown placeholder {{{name}}} (not in [vars], not captured by an earlier "
                    f"step, not run_id)",
                )
        return text

    def template_value(self, table: Table, key: str, value: Any, known: set[str]) -> Any:
        if isinstance(value, str):
            return self.template(table, key, value, known)
        if isinstance(value, list):
            return [self.template_value(table, key, v, known) for v in value]
        if isinstance(value, dict):
            return {
                self.template(table, key, str(k), known): self.template_value(table, key, v, known)
                for k, v in value.items()
            }
        return value

    def jmespath(self, table: Table, key: str, source: str) -> Any:
        try:
            return jmespath.compile(source)
        except jmespath.exceptions.JMESPathError as exc:
            detail = " ".join(str(exc).split())
            self.fail(table, key, f"bad JMESPath {source!r}: {detail}")

    def regex(self, table: Table, key: str, source: str) -> re.Pattern[str]:
        try:
            return re.compile(source)
        except re.error as exc:
            self.fail(table, key, f"bad regular expression {source!r}: {exc}")

    def str_map(self, table: Table, key: str, known: set[str]) -> dict[str, str]:
        sub = table.table(key)
        values: dict[str, str] = {}
        for name, value in sub.items():
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.fail(sub, name, "expected a string")
            values[name] = self.template(sub, name, str(value), known)
        return values

    # The plan ----------------------------------------------------------------------------------

    def plan(self, document: Mapping[str, Any], base_url: str | None) -> Plan:
        table = Table(document, [], self.file)
        raw_base = table.string("base_url", "")
        if base_url is None:
            if not raw_base:
                self.fail(table, "base_url", "required (or pass --base-url)")
            base_url = self.expand(table, "base_url", raw_base)
        if not re.match(r"^https?://[^/\s]+", base_url):
            self.fail(table, "base_url", f"expected an http(s):// URL, got {base_url!r}")
        vars_table = table.table("vars")
        variables = {
            name: self.expand(vars_table, name, self._scalar(vars_table, name, value))
            for name, value in vars_table.items()
        }
        if RUN_ID in variables:
            self.fail(vars_table, RUN_ID, "run_id is set by the runner, not by the plan")
        mode_text = table.string("mode", Mode.READ_WRITE.value)
        if mode_text not in {m.value for m in Mode}:
            self.fail(table, "mode", f"expected 'read-write' or 'read-only', got {mode_text!r}")
        timeout = table.number("timeout", 10.0, low=0.001) or 10.0
        retries = table.integer("retries", 0)
        retry_delay = table.number("retry_delay", 0.5, low=0) or 0.0
        known = {*variables, RUN_ID}
        steps: list[Step] = []
        names: set[str] = set()
        for index, step_table in enumerate(table.tables("steps")):
            try:
                step = self.step(step_table, index, known, timeout, (retries, retry_delay))
            except ConfigError as exc:  # errors inside a step also name the step
                raise PlanError(f"{exc} (step {self.step_label})") from None
            if step.name in names:
                raise PlanError(
                    f"{self.file.name}: steps[{index}].name: duplicate step name {step.name!r}"
                )
            names.add(step.name)
            steps.append(step)
        if not steps:
            self.fail(table, "steps", "a plan needs at least one [[steps]]")
        openapi = table.optional_string("openapi")
        plan = Plan(
            file=self.file,
            base_url=base_url.rstrip("/"),
            steps=tuple(steps),
            vars=variables,
            mode=Mode(mode_text),
            openapi=self.expand(table, "openapi", openapi) if openapi else None,
            wait_for=self.wait_for(table.table("wait_for")) if "wait_for" in table else None,
            expect_version=(
                self.expect_version(table.table("expect_version"))
                if "expect_version" in table
                else None
            ),
            p95_ms=table.number("p95_ms", None, low=0),
            concurrency=table.integer("concurrency", 10, low=1),
            fail_fast=table.boolean("fail_fast", False),
            deadline_s=table.number("deadline", None, low=0.001),
        )
        table.done()
        # Only now is every ${secret:…} of the plan known.
        return replace(plan, secrets=frozenset(self.secrets))

    def _scalar(self, table: Table, key: str, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(table, key, "expected a string or number")
        return str(value)

    def wait_for(self, table: Table) -> WaitFor:
        wait = WaitFor(
            path=self.expand(table, "path", table.string("path", "")) or "/",
            status=table.integer("status", 200, low=100),
            timeout_s=table.number("timeout", 60.0, low=0.001) or 60.0,
            interval_s=table.number("interval", 0.5, low=0.01) or 0.5,
        )
        table.done()
        return wait

    def expect_version(self, table: Table) -> ExpectVersion:
        source = table.string("json", "")
        equals = table.string("equals", "")
        for key, value in (("json", source), ("equals", equals)):
            if not value:
                self.fail(table, key, "required")
        version = ExpectVersion(
            path=self.expand(table, "path", table.string("path", "/version")),
            json=self.jmespath(table, "json", source),
            json_source=source,
            equals=self.expand(table, "equals", equals),
            timeout_s=table.number("timeout", 120.0, low=0.001) or 120.0,
            interval_s=table.number("interval", 1.0, low=0.01) or 1.0,
        )
        table.done()
        return version

    def step(
        self,
        table: Table,
        index: int,
        known: set[str],
        timeout: float,
        retries: tuple[int, float],
    ) -> Step:
        name = table.string("name", "")
        self.step_label = f"{index + 1} {name!r}" if name else str(index + 1)
        if not name.strip():
            self.fail(table, "name", "required: every step has a name")
        kinds = [key for key in ("method", "websocket", "command") if key in table]
        if len(kinds) != 1:
            self.fail(
                table,
                kinds[1] if len(kinds) > 1 else "method",
                "a step has exactly one of method (HTTP), websocket or command",
            )
        step: Step
        if kinds[0] == "method":
            step = self.http_step(table, name, known, timeout, retries)
        elif kinds[0] == "websocket":
            step = self.websocket_step(table, name, known, timeout)
        else:
            step = self.command_step(table, name, known)
        table.done()
        return step

    def request(
        self, table: Table, known: set[str], timeout: float, default_method: str | None = None
    ) -> Request:
        method = table.string("method", default_method or "").upper()
        if method not in METHODS:
            self.fail(table, "method", f"expected one of {', '.join(sorted(METHODS))}")
        path = table.string("path", "")
        if not path:
            self.fail(table, "path", "required")
        path = self.template(table, "path", path, known)
        if not path.startswith(("/", "http://", "https://", "{")):
            self.fail(table, "path", f"expected /PATH or an http(s):// URL, got {path!r}")
        bodies = [key for key in ("json", "form", "body") if key in table]
        if len(bodies) > 1:
            self.fail(table, bodies[1], f"a request has one body: {' or '.join(bodies)}")
        json_body: Any = _MISSING
        if "json" in table:
            json_body = self.template_value(table, "json", table.raw("json"), known)
        form = self.str_map(table, "form", known) if "form" in table else None
        body = table.optional_string("body")
        return Request(
            method=method,
            path=path,
            headers=self.str_map(table, "headers", known),
            query=self.str_map(table, "query", known),
            json=json_body,
            form=form,
            body=self.template(table, "body", body, known) if body is not None else None,
            auth=self.auth(table, known),
            timeout_s=table.number("timeout", timeout, low=0.001) or timeout,
        )

    def auth(self, table: Table, known: set[str]) -> Auth | None:
        if "auth" not in table:
            table.table("auth")
            return None
        sub = table.table("auth")
        bearer = sub.optional_string("bearer")
        basic = sub.strings("basic") if "basic" in sub else None
        sub.done()
        if (bearer is None) == (basic is None):
            self.fail(table, "auth", "expected { bearer = TOKEN } or { basic = [USER, PASSWORD] }")
        if basic is not None:
            if len(basic) != 2:
                self.fail(sub, "basic", "expected [USER, PASSWORD]")
            user, password = (self.template(sub, "basic", part, known) for part in basic)
            return Auth(basic=(user, password))
        return Auth(bearer=self.template(sub, "bearer", bearer or "", known))

    def http_step(
        self, table: Table, name: str, known: set[str], timeout: float, retries: tuple[int, float]
    ) -> HttpStep:
        request = self.request(table, known, timeout)
        expect = self.http_expect(table.table("expect"), known)
        captures = self.captures(table.table("capture"))
        after = known | {c.name for c in captures}
        cleanup = None
        if "cleanup" in table:
            cleanup_table = table.table("cleanup")
            cleanup_request = self.request(cleanup_table, after, timeout)
            statuses = self.statuses(cleanup_table, (200, 202, 204))
            cleanup_table.done()
            cleanup = Cleanup(request=cleanup_request, statuses=statuses)
        else:
            table.table("cleanup")
        step_retries = table.integer("retries", retries[0] if request.safe else 0)
        if step_retries and not request.safe:
            self.fail(table, "retries", f"only safe methods are retried, not {request.method}")
        known.update(c.name for c in captures)
        return HttpStep(
            name=name,
            request=request,
            expect=expect,
            captures=captures,
            cleanup=cleanup,
            retries=step_retries,
            retry_delay_s=table.number("retry_delay", retries[1], low=0) or 0.0,
            parallel=table.boolean("parallel", False),
            schema=table.boolean("schema", True),
        )

    def statuses(self, table: Table, default: tuple[int, ...]) -> tuple[int, ...]:
        if "status" not in table:
            table.integer("status", 0)
            return default
        raw = table.raw("status")
        values = raw if isinstance(raw, list) else [raw]
        if not values or any(
            isinstance(v, bool) or not isinstance(v, int) or not 100 <= v <= 599 for v in values
        ):
            self.fail(table, "status", "expected an HTTP status or a list of them")
        return tuple(values)

    def http_expect(self, table: Table, known: set[str]) -> HttpExpect:
        max_ms = table.number("max_ms", None, low=0)
        body = table.optional_string("body")
        expect = HttpExpect(
            statuses=self.statuses(table, (200,)),
            json=self.assertions(table, "json", known),
            headers={
                name.lower(): self.regex(table.table("headers"), name, value)
                for name, value in self.str_map(table, "headers", set()).items()
            },
            body=self.regex(table, "body", body) if body is not None else None,
            max_ms=max_ms,
        )
        table.done()
        return expect

    def assertions(self, table: Table, key: str, known: set[str]) -> tuple[Assertion, ...]:
        found = []
        for item in table.tables(key):
            source = item.string("path", "")
            if not source:
                self.fail(item, "path", "required: a JMESPath into the JSON")
            expression = self.jmespath(item, "path", source)
            ops = [op for op in Op if op.value in item]
            if len(ops) != 1:
                self.fail(item, "path", "expected one of equals, exists, matches, length")
            op = ops[0]
            value: Any
            if op is Op.EQUALS:
                value = self.template_value(item, "equals", item.raw("equals"), known)
            elif op is Op.EXISTS:
                value = item.boolean("exists", True)
            elif op is Op.MATCHES:
                self.regex(item, "matches", item.string("matches", ""))
                value = item.string("matches", "")
            else:
                value = item.integer("length", 0)
            item.done()
            found.append(Assertion(path=source, expression=expression, op=op, value=value))
        return tuple(found)

    def captures(self, table: Table) -> tuple[Capture, ...]:
        found = []
        for name, value in table.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name == RUN_ID:
                self.fail(table, name, "capture names are identifiers (and not run_id)")
            if not isinstance(value, dict):
                self.fail(table, name, "expected { json = JMESPATH } or { header = NAME }")
            entry = table.child(name, value)
            source = entry.optional_string("json")
            header = entry.optional_string("header")
            if (source is None) == (header is None):
                self.fail(entry, None, "expected exactly one of json or header")
            found.append(
                Capture(
                    name=name,
                    json=self.jmespath(entry, "json", source) if source else None,
                    header=header.lower() if header else None,
                    secret=entry.boolean("secret", False),
                )
            )
            entry.done()
        return tuple(found)

    def websocket_step(
        self, table: Table, name: str, known: set[str], timeout: float
    ) -> WebSocketStep:
        url = table.string("websocket", "")
        if not url or not (url.startswith("/") or re.match(r"^wss?://", url)):
            self.fail(table, "websocket", "expected a ws:// or wss:// URL or a path")
        send = table.raw("send") if "send" in table else []
        if not isinstance(send, list):
            self.fail(table, "send", "expected a list of messages (tables or strings)")
        per_connection = known | {CONNECTION}
        expect = table.table("expect")
        messages = self.assertions(expect, "messages", per_connection)
        expect.done()
        step = WebSocketStep(
            name=name,
            url=self.template(table, "websocket", url, known),
            headers=self.str_map(table, "headers", known),
            auth=self.auth(table, known),
            send=tuple(
                self.template_value(table, "send", message, per_connection) for message in send
            ),
            messages=messages,
            connections=table.integer("connections", 1, low=1),
            timeout_s=table.number("timeout", timeout, low=0.001) or timeout,
            parallel=table.boolean("parallel", False),
        )
        return step

    def command_step(self, table: Table, name: str, known: set[str]) -> CommandStep:
        raw = table.raw("command")
        if isinstance(raw, str):
            try:
                argv = shlex.split(raw)
            except ValueError as exc:
                self.fail(table, "command", f"cannot split command: {exc}")
        elif isinstance(raw, list) and all(isinstance(part, str) for part in raw):
            argv = list(raw)
        else:
            self.fail(table, "command", "expected a command string or a list of strings")
        if not argv:
            self.fail(table, "command", "empty command")
        expect = table.table("expect")
        output = expect.optional_string("output")
        step = CommandStep(
            name=name,
            argv=tuple(self.template(table, "command", part, known) for part in argv),
            exit_code=expect.integer("exit_code", 0),
            output=self.regex(expect, "output", output) if output is not None else None,
            timeout_s=table.number("timeout", 60.0, low=0.001) or 60.0,
            parallel=table.boolean("parallel", False),
        )
        expect.done()
        return step
