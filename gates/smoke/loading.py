"""Loading a smoke plan: a TOML file → a validated, frozen :class:`~gates.smoke.plan.Plan`.

Every ``{name}`` placeholder is checked at load time: an unknown one is a plan error, not a
request to ``/leads/{lead_id}`` that fails later. Every error names the plan file, the step
(index and name) and the key, in one line (exit 2).
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gates.errors import ConfigError
from gates.redact import Redactor, shown_url
from gates.smoke.defaults import StepDefaults, plan_defaults, sampling, triage
from gates.smoke.fields import MIN_INTERVAL_S, Fields
from gates.smoke.plan import (
    CONNECTION,
    METHODS,
    MISSING,
    RUN_ID,
    Assertion,
    Capture,
    Cleanup,
    CommandStep,
    ExpectVersion,
    HttpExpect,
    HttpStep,
    Mode,
    Op,
    Plan,
    PlanError,
    Request,
    Step,
    WaitFor,
    WebSocketStep,
)
from gates.toml_table import Table


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
    fields = Fields(path, environ)
    try:
        return _plan(fields, document, base_url)
    except ConfigError as exc:  # a message may quote a value that came from a secret
        redactor = Redactor()
        for secret in fields.secrets:
            redactor.add_unchecked(secret)
        raise PlanError(redactor.text(str(exc))) from None


def _plan(fields: Fields, document: Mapping[str, Any], base_url: str | None) -> Plan:
    table = Table(document, [], fields.file)
    raw_base = table.string("base_url", "")
    given = base_url is not None
    if base_url is None:
        if not raw_base:
            fields.fail(table, "base_url", "required (or pass --base-url)")
        base_url = fields.expand(table, "base_url", raw_base)
    try:
        _ = urlsplit(base_url).port  # a bad IPv6 literal or port is a ValueError here, not later
    except ValueError as exc:
        fields.fail(table, "base_url", f"not a valid URL ({exc})")
    fields.url_password(None if given else table, base_url)
    if not re.match(r"^https?://[^/\s]+", base_url):
        shown = shown_url(base_url, "base_url")
        fields.fail(table, "base_url", f"expected an http(s):// URL, got {shown!r}")
    vars_table = table.table("vars")
    variables = {
        name: fields.expand(vars_table, name, fields.scalar(vars_table, name, value))
        for name, value in vars_table.items()
    }
    if RUN_ID in variables:
        fields.fail(vars_table, RUN_ID, "run_id is set by the runner, not by the plan")
    mode_text = table.string("mode", Mode.READ_WRITE.value)
    if mode_text not in {m.value for m in Mode}:
        fields.fail(table, "mode", f"expected 'read-write' or 'read-only', got {mode_text!r}")
    defaults = plan_defaults(fields, table)
    known = {*variables, RUN_ID}
    steps: list[Step] = []
    names: set[str] = set()
    for index, step_table in enumerate(table.tables("steps")):
        step = _step(fields, step_table, index, known, defaults)
        if step.name in names:
            raise PlanError(
                f"{fields.file.name}: steps[{index}].name: duplicate step name {step.name!r}"
            )
        names.add(step.name)
        steps.append(step)
    if not steps:
        fields.fail(table, "steps", "a plan needs at least one [[steps]]")
    openapi = table.optional_string("openapi")
    plan = Plan(
        file=fields.file,
        base_url=base_url.rstrip("/"),
        steps=tuple(steps),
        vars=variables,
        mode=Mode(mode_text),
        openapi=fields.path(table, "openapi", openapi) if openapi is not None else None,
        wait_for=_wait_for(fields, table.table("wait_for")) if "wait_for" in table else None,
        expect_version=(
            _expect_version(fields, table.table("expect_version"))
            if "expect_version" in table
            else None
        ),
        p95_ms=fields.number(table, "p95_ms", None),
        concurrency=table.integer("concurrency", 10, low=1),
        fail_fast=table.boolean("fail_fast", False),
        deadline_s=fields.number(table, "deadline", None, above=0),
    )
    table.done()
    # Only now is every ${secret:…} of the plan known.
    return replace(plan, secrets=frozenset(fields.secrets))


def _wait_for(fields: Fields, table: Table) -> WaitFor:
    wait = WaitFor(
        path=fields.path(table, "path", table.string("path", "/")),
        status=table.integer("status", 200, low=100),
        timeout_s=fields.seconds(table, "timeout", 60.0),
        interval_s=fields.seconds(table, "interval", 0.5, at_least=MIN_INTERVAL_S),
    )
    table.done()
    return wait


def _expect_version(fields: Fields, table: Table) -> ExpectVersion:
    source = table.required_string("json")
    equals = table.required_string("equals")
    version = ExpectVersion(
        path=fields.path(table, "path", table.string("path", "/version")),
        json=fields.jmespath(table, "json", source),
        json_source=source,
        equals=fields.expand(table, "equals", equals),
        timeout_s=fields.seconds(table, "timeout", 120.0),
        interval_s=fields.seconds(table, "interval", 1.0, at_least=MIN_INTERVAL_S),
    )
    table.done()
    return version


def _step(
    fields: Fields,
    table: Table,
    index: int,
    known: set[str],
    defaults: StepDefaults,
) -> Step:
    name = table.string("name", "")
    try:
        step = _step_of_its_kind(fields, table, name, known, defaults)
        step = replace(step, triage=triage(fields, table, defaults.triage, files_and_next=True))
        table.done()
        return step
    except ConfigError as exc:  # errors inside a step also name the step
        label = f"{index + 1} {name!r}" if name else str(index + 1)
        raise PlanError(f"{exc} (step {label})") from None


def _step_of_its_kind(
    fields: Fields,
    table: Table,
    name: str,
    known: set[str],
    defaults: StepDefaults,
) -> Step:
    if not name.strip():
        fields.fail(table, "name", "required: every step has a name")
    kinds = [key for key in ("method", "websocket", "command") if key in table]
    if len(kinds) != 1:
        fields.fail(
            table,
            kinds[1] if len(kinds) > 1 else "method",
            "a step has exactly one of method (HTTP), websocket or command",
        )
    step: Step
    if kinds[0] == "method":
        step = _http_step(fields, table, name, known, defaults)
    elif kinds[0] == "websocket":
        step = _websocket_step(fields, table, name, known, defaults.timeout_s)
    else:
        step = _command_step(fields, table, name, known)
    return step


def _request(
    fields: Fields, table: Table, known: set[str], timeout: float, default_method: str | None = None
) -> Request:
    method = table.string("method", default_method or "").upper()
    if method not in METHODS:
        fields.fail(table, "method", f"expected one of {', '.join(sorted(METHODS))}")
    path = fields.template(table, "path", table.required_string("path"), known)
    if not path.startswith(("/", "http://", "https://", "{")):
        fields.fail(table, "path", f"expected /PATH or an http(s):// URL, got {path!r}")
    bodies = [key for key in ("json", "form", "body") if key in table]
    if len(bodies) > 1:
        fields.fail(table, bodies[1], f"a request has one body: {' or '.join(bodies)}")
    json_body: Any = MISSING
    if "json" in table:
        json_body = fields.template_value(table, "json", table.raw("json"), known)
    form = fields.str_map(table, "form", known) if "form" in table else None
    body = table.optional_string("body")
    return Request(
        method=method,
        path=path,
        headers=fields.str_map(table, "headers", known),
        query=fields.str_map(table, "query", known),
        json=json_body,
        form=form,
        body=fields.template(table, "body", body, known) if body is not None else None,
        auth=fields.auth(table, known),
        timeout_s=fields.seconds(table, "timeout", timeout),
    )


def _http_step(
    fields: Fields,
    table: Table,
    name: str,
    known: set[str],
    defaults: StepDefaults,
) -> HttpStep:
    timeout = defaults.timeout_s
    request = _request(fields, table, known, timeout)
    expect = _http_expect(fields, table.table("expect"), known)
    captures = _captures(fields, table.table("capture"))
    after = known | {c.name for c in captures}
    cleanup = None
    if "cleanup" in table:
        cleanup_table = table.table("cleanup")
        cleanup_request = _request(fields, cleanup_table, after, timeout)
        statuses = fields.statuses(cleanup_table, (200, 202, 204))
        cleanup_table.done()
        cleanup = Cleanup(request=cleanup_request, statuses=statuses)
    else:
        table.table("cleanup")
    safe = table.boolean("safe", False)
    if safe and request.safe:
        fields.fail(table, "safe", f"only for unsafe methods: {request.method} changes nothing")
    writes = None if request.safe or safe else request.method
    # A request that changes nothing (a safe method, or safe = true) may be sent again.
    step_retries = table.integer("retries", 0 if writes else defaults.retries)
    if step_retries and writes:
        fields.fail(table, "retries", f"only safe methods are retried, not {request.method}")
    step_sampling = sampling(fields, table, defaults.sampling, writes)
    known.update(c.name for c in captures)
    return HttpStep(
        name=name,
        request=request,
        expect=expect,
        captures=captures,
        cleanup=cleanup,
        retries=step_retries,
        retry_delay_s=fields.seconds(table, "retry_delay", defaults.retry_delay_s, zero_ok=True),
        parallel=table.boolean("parallel", False),
        schema=table.boolean("schema", True),
        safe=safe,
        keep_body=table.boolean("keep_body", False),
        sampling=step_sampling,
    )


def _http_expect(fields: Fields, table: Table, known: set[str]) -> HttpExpect:
    max_ms = fields.number(table, "max_ms", None)
    body = table.optional_string("body")
    expect = HttpExpect(
        statuses=fields.statuses(table, (200,)),
        json=_assertions(fields, table, "json", known),
        headers={
            name.lower(): fields.regex(table.table("headers"), name, value)
            for name, value in fields.str_map(table, "headers", set()).items()
        },
        body=fields.regex(table, "body", body) if body is not None else None,
        max_ms=max_ms,
    )
    table.done()
    return expect


def _assertions(fields: Fields, table: Table, key: str, known: set[str]) -> tuple[Assertion, ...]:
    found = []
    for item in table.tables(key):
        source = item.required_string("path", "a JMESPath into the JSON")
        expression = fields.jmespath(item, "path", source)
        ops = [op for op in Op if op.value in item]
        if len(ops) != 1:
            fields.fail(item, "path", "expected one of equals, exists, matches, length")
        op = ops[0]
        value: Any
        if op is Op.EQUALS:
            value = fields.template_value(item, "equals", item.raw("equals"), known)
        elif op is Op.EXISTS:
            value = item.boolean("exists", True)
        elif op is Op.MATCHES:
            fields.regex(item, "matches", item.string("matches", ""))
            value = item.string("matches", "")
        else:
            value = item.integer("length", 0)
        item.done()
        found.append(Assertion(path=source, expression=expression, op=op, value=value))
    return tuple(found)


def _captures(fields: Fields, table: Table) -> tuple[Capture, ...]:
    found = []
    for name, value in table.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name == RUN_ID:
            fields.fail(table, name, "capture names are identifiers (and not run_id)")
        if not isinstance(value, dict):
            fields.fail(table, name, "expected { json = JMESPATH } or { header = NAME }")
        entry = table.child(name, value)
        source = entry.optional_string("json")
        header = entry.optional_string("header")
        if (source is None) == (header is None):
            fields.fail(entry, None, "expected exactly one of json or header")
        found.append(
            Capture(
                name=name,
                json=fields.jmespath(entry, "json", source) if source else None,
                header=header.lower() if header else None,
                secret=entry.boolean("secret", False),
            )
        )
        entry.done()
    return tuple(found)


def _websocket_step(
    fields: Fields, table: Table, name: str, known: set[str], timeout: float
) -> WebSocketStep:
    url = table.string("websocket", "")
    if not url or not (url.startswith("/") or re.match(r"^wss?://", url)):
        fields.fail(table, "websocket", "expected a ws:// or wss:// URL or a path")
    send = table.raw("send") if "send" in table else []
    if not isinstance(send, list):
        fields.fail(table, "send", "expected a list of messages (tables or strings)")
    per_connection = known | {CONNECTION}
    expect = table.table("expect")
    messages = _assertions(fields, expect, "messages", per_connection)
    expect.done()
    step = WebSocketStep(
        name=name,
        url=fields.template(table, "websocket", url, known),
        headers=fields.str_map(table, "headers", known),
        auth=fields.auth(table, known),
        send=tuple(
            fields.template_value(table, "send", message, per_connection) for message in send
        ),
        messages=messages,
        connections=table.integer("connections", 1, low=1),
        timeout_s=fields.seconds(table, "timeout", timeout),
        parallel=table.boolean("parallel", False),
    )
    return step


def _command_step(fields: Fields, table: Table, name: str, known: set[str]) -> CommandStep:
    raw = table.raw("command")
    if isinstance(raw, str):
        try:
            argv = shlex.split(raw)
        except ValueError as exc:
            fields.fail(table, "command", f"cannot split command: {exc}")
    elif isinstance(raw, list) and all(isinstance(part, str) for part in raw):
        argv = list(raw)
    else:
        fields.fail(table, "command", "expected a command string or a list of strings")
    if not argv:
        fields.fail(table, "command", "empty command")
    expect = table.table("expect")
    output = expect.optional_string("output")
    step = CommandStep(
        name=name,
        argv=tuple(fields.template(table, "command", part, known) for part in argv),
        exit_code=expect.integer("exit_code", 0),
        output=fields.regex(expect, "output", output) if output is not None else None,
        timeout_s=fields.seconds(table, "timeout", 60.0),
        parallel=table.boolean("parallel", False),
    )
    expect.done()
    return step
