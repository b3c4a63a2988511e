"""Fault matrix, smoke plans: careless or hostile plans are one ``gates: error:`` line, exit 2.

Each case runs the real CLI against a closed port on 127.0.0.1: a plan that slipped through
validation would try to connect and end in exit 3, not 2.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from conftest import Project
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from gates.errors import ConfigError
from gates.smoke.gate import SmokeGate
from gates.smoke.run import Options

STEP = '[[steps]]\nname = "a"\nmethod = "GET"\npath = "/x"\n'


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _refused(make_project: Callable[..., Project], plan: str, message: str) -> None:
    """``plan`` is refused with exactly ``message``: one line, exit 2, nothing printed."""
    project = make_project()
    path = project.write("smoke.toml", plan)

    code, out, err = project.gates("smoke", str(path), "--base-url", _closed_port())

    assert (code, out) == (2, "")
    assert err == f"gates: error: {message}\n"
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            '[[steps]]\nname = "a"\nmethod = "GET"\npath = "health"\n',
            "smoke.toml:4: steps[0].path: expected /PATH or an http(s):// URL, got 'health'"
            " (step 1 'a')",
        ),
        (
            'openapi = "openapi.json"\n' + STEP,
            "smoke.toml: openapi: expected a path starting with /, got 'openapi.json'",
        ),
        (
            '[wait_for]\npath = "health"\n' + STEP,
            "smoke.toml:2: wait_for.path: expected a path starting with /, got 'health'",
        ),
        (
            '[expect_version]\npath = "version"\njson = "v"\nequals = "1"\n' + STEP,
            "smoke.toml:2: expect_version.path: expected a path starting with /, got 'version'",
        ),
        ("timeout = 0\n" + STEP, "smoke.toml: timeout: must be more than 0, got 0"),
        ("deadline = 0\n" + STEP, "smoke.toml: deadline: must be more than 0, got 0"),
        ("deadline = nan\n" + STEP, "smoke.toml: deadline: expected a finite number, got nan"),
        ("timeout = inf\n" + STEP, "smoke.toml: timeout: expected a finite number, got inf"),
        ("p95_ms = -1\n" + STEP, "smoke.toml: p95_ms: must be at least 0, got -1"),
        ("retry_delay = -0.5\n" + STEP, "smoke.toml: retry_delay: must be at least 0, got -0.5"),
        (
            "[wait_for]\ninterval = 0\n" + STEP,
            "smoke.toml:2: wait_for.interval: must be at least 0.01, got 0",
        ),
        (
            "[wait_for]\ninterval = 0.001\n" + STEP,
            "smoke.toml:2: wait_for.interval: must be at least 0.01, got 0.001",
        ),
        (
            STEP + "timeout = -inf\n",
            "smoke.toml:5: steps[0].timeout: expected a finite number, got -inf (step 1 'a')",
        ),
        (
            STEP + "expect = { max_ms = nan }\n",
            "smoke.toml:5: steps[0].expect.max_ms: expected a finite number, got nan (step 1 'a')",
        ),
        ("concurrency = 0\n" + STEP, "smoke.toml: concurrency: must be at least 1, got 0"),
    ],
    ids=[
        "path-relative",
        "openapi-relative",
        "wait_for-path-relative",
        "expect_version-path-relative",
        "timeout-0",
        "deadline-0",
        "deadline-nan",
        "timeout-inf",
        "p95-negative",
        "retry_delay-negative",
        "interval-0",
        "interval-too-small",
        "step-timeout-minus-inf",
        "max_ms-nan",
        "concurrency-0",
    ],
)
def test_bad_plan_is_one_line_exit_2_naming_file_and_key(
    make_project: Callable[..., Project], plan: str, message: str
) -> None:
    _refused(make_project, plan, message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--base-url", "http://[::1"), "smoke.toml: base_url: not a valid URL (Invalid IPv6 URL)"),
        (("--base-url", "http://127.0.0.1:99999"),
         "smoke.toml: base_url: not a valid URL (Port out of range 0-65535)"),
        (("--base-url", "http://u:pw-long-enough@[::1"),
         "smoke.toml: base_url: not a valid URL (Invalid IPv6 URL)"),
        (("--base-url", "http://127.0.0.1:9", "--start", " "),
         "--start: expected a command, got a blank"),
    ],
)  # fmt: skip
def test_bad_command_line_targets_are_one_line_exit_2(
    make_project: Callable[..., Project], args: tuple[str, ...], message: str
) -> None:
    project = make_project()
    path = project.write("smoke.toml", STEP)

    code, out, err = project.gates("smoke", str(path), *args)

    assert (code, out, err) == (2, "", f"gates: error: {message}\n")


# Smoke depth: safe writes, triage, latency and kept bodies. ---------------------------------

DEPTH_CASES = {
    "safe-on-get": (
        STEP + "safe = true\n",
        "smoke.toml:5: steps[0].safe: only for unsafe methods: GET changes nothing (step 1 'a')",
    ),
    "safe-not-bool": (
        STEP.replace("GET", "POST") + 'safe = "yes"\n',
        "smoke.toml:5: steps[0].safe: expected true or false, got a string (step 1 'a')",
    ),
    "priority-P4": (
        STEP + 'priority = "P4"\n',
        "smoke.toml:5: steps[0].priority: expected 'P1', 'P2' or 'P3', got 'P4' (step 1 'a')",
    ),
    "plan-priority-lowercase": (
        'priority = "p1"\n' + STEP,
        "smoke.toml: priority: expected 'P1', 'P2' or 'P3', got 'p1'",
    ),
    "blocking-string": (
        STEP + 'blocking = "no"\n',
        "smoke.toml:5: steps[0].blocking: expected true or false, got a string (step 1 'a')",
    ),
    "files-not-strings": (
        STEP + "files = [1]\n",
        "smoke.toml:5: steps[0].files: expected a list of strings, item 0 is an integer"
        " (step 1 'a')",
    ),
    "plan-next": (
        'next = "x"\n' + STEP,
        "smoke.toml: next: unknown key",
    ),
    "repeat-on-a-write": (
        STEP.replace("GET", "POST") + "repeat = 20\n",
        "smoke.toml:5: steps[0].repeat: a POST that writes is sent once (safe = true if not)"
        " (step 1 'a')",
    ),
    "repeat-0": (
        STEP + "repeat = 0\n",
        "smoke.toml:5: steps[0].repeat: must be between 1 and 10000, got 0 (step 1 'a')",
    ),
    "repeat-huge": (
        STEP + "repeat = 1000000\n",
        "smoke.toml:5: steps[0].repeat: must be between 1 and 10000, got 1000000 (step 1 'a')",
    ),
    "p95_ms-0": (
        STEP + "p95_ms = 0\n",
        "smoke.toml:5: steps[0].p95_ms: must be more than 0, got 0 (step 1 'a')",
    ),
    "p99_ms-string": (
        STEP + 'p99_ms = "fast"\n',
        "smoke.toml:5: steps[0].p99_ms: expected a number, got a string (step 1 'a')",
    ),
    "step-concurrency-0": (
        STEP + "concurrency = 0\n",
        "smoke.toml:5: steps[0].concurrency: must be between 1 and 10000, got 0 (step 1 'a')",
    ),
    "latency-max_ms-nan": (
        "[latency]\nmax_ms = nan\n" + STEP,
        "smoke.toml:2: latency.max_ms: expected a finite number, got nan",
    ),
    "latency-unknown-key": (
        "[latency]\np90_ms = 100\n" + STEP,
        "smoke.toml:2: latency.p90_ms: unknown key",
    ),
    "keep_body-string": (
        STEP + 'keep_body = "yes"\n',
        "smoke.toml:5: steps[0].keep_body: expected true or false, got a string (step 1 'a')",
    ),
    "keep_body-on-a-command": (
        '[[steps]]\nname = "c"\ncommand = "true"\nkeep_body = true\n',
        "smoke.toml:4: steps[0].keep_body: unknown key (step 1 'c')",
    ),
}


@pytest.mark.parametrize(("plan", "message"), DEPTH_CASES.values(), ids=DEPTH_CASES.keys())
def test_bad_depth_key_is_one_line_exit_2_naming_file_and_key(
    make_project: Callable[..., Project], plan: str, message: str
) -> None:
    _refused(make_project, plan, message)


# Property: whatever the plan says, it loads or is refused in one line. -----------------------

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8)
_JUNK = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(-3, 700),
        st.floats(allow_nan=True, allow_infinity=True),
        _TEXT,
        st.sampled_from(
            ["x", "${env:MISSING}", "${secret:SHORT}", "/x/{nope}", "[bad", "(", "FETCH"]
        ),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)
"""Anything at all, most of it wrong."""


def _mostly(*valid: object) -> st.SearchStrategy[Any]:
    """Usually one of the ``valid`` values (or strategies), sometimes junk: a generator of pure
    junk would only ever test the first check of the loader."""
    choices = [v if isinstance(v, st.SearchStrategy) else st.just(v) for v in valid]
    good = st.one_of(*choices)
    return st.one_of(good, good, good, _JUNK)


def _optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


_SECONDS = st.one_of(
    st.floats(0.01, 5),
    st.sampled_from([0, -1, -0.5, 0.001, float("nan"), float("inf"), float("-inf")]),
    st.floats(allow_nan=True, allow_infinity=True),
    _JUNK,
)
"""Numbers of every kind: in range, at and below the minimum, not finite, not numbers."""
_TEMPLATE = _mostly("a", "{run_id}", "{token}", "${env:E}", "${secret:S}")
_STRINGS = _mostly(st.dictionaries(st.sampled_from(["X-A", "b"]), _TEMPLATE, max_size=2))
_ASSERTIONS = st.lists(
    st.fixed_dictionaries(
        {"path": _mostly("a", "a.b", "[", "")},
        optional={
            "equals": _mostly("1", "{run_id}", 1),
            "exists": _mostly(True, False),
            "matches": _mostly("^a", "("),
            "length": _mostly(0, 2, -1),
        },
    ),
    max_size=2,
)
_EXPECT = _optional(
    status=_mostly(200, 201, [200, 204], 99, 600),
    json=_mostly(_ASSERTIONS),
    body=_mostly("ok", "("),
    max_ms=_mostly(_SECONDS),
    headers=_STRINGS,
)
_REQUEST = {
    "method": _mostly("GET", "POST", "DELETE", "get"),
    "path": _mostly("/x", "/x/{run_id}", "/x/{token}", "http://127.0.0.1:1/y", "${env:E}", "x"),
}
_TRIAGE = {
    "priority": _mostly("P1", "P3", "p2"),
    "blocking": _mostly(True, False),
    "owner": _mostly("web", "${env:E}"),
}
_SAMPLING = {
    "repeat": _mostly(1, 3, 0, 20_000),
    "concurrency": _mostly(1, 2, 0),
    "p50_ms": _mostly(_SECONDS),
    "p95_ms": _mostly(_SECONDS),
    "p99_ms": _mostly(_SECONDS),
    "max_ms": _mostly(_SECONDS),
}
_HTTP_STEP = st.fixed_dictionaries(
    {"name": _mostly("a", "b", _TEXT), **_REQUEST},
    optional={
        "headers": _STRINGS,
        "query": _STRINGS,
        "json": _mostly({"a": "{run_id}"}, _JUNK),
        "form": _STRINGS,
        "body": _mostly("raw {run_id}"),
        "auth": _mostly({"bearer": "{token}"}, {"basic": ["u", "${secret:S}"]}, {"basic": ["u"]}),
        "timeout": _SECONDS,
        "retries": _mostly(0, 1, 2),
        "retry_delay": _SECONDS,
        "parallel": _mostly(True, False),
        "schema": _mostly(True, False),
        "expect": _mostly(_EXPECT),
        "capture": _mostly(
            {"token": {"json": "a", "secret": True}},
            {"token": {"header": "x-token"}},
            {"run_id": {"json": "a"}},
            {"token": {"json": "[", "header": "x"}},
        ),
        "cleanup": _mostly(st.fixed_dictionaries(_REQUEST), {"method": "DELETE"}),
        "safe": _mostly(True, False),
        "keep_body": _mostly(True, False),
        "files": _mostly(["a.py"], [1]),
        "next": _mostly("fix it"),
        **_TRIAGE,
        **_SAMPLING,
    },
)
_WEBSOCKET_STEP = st.fixed_dictionaries(
    {"name": _mostly("ws"), "websocket": _mostly("/ws", "ws://127.0.0.1:1/ws", "ws")},
    optional={
        "send": _mostly([{"n": "{connection}"}], ["hello"], "text"),
        "expect": _mostly({"messages": _ASSERTIONS}),
        "connections": _mostly(1, 3, 0),
        "timeout": _SECONDS,
        "auth": _mostly({"bearer": "${secret:S}"}),
    },
)
_COMMAND_STEP = st.fixed_dictionaries(
    {"name": _mostly("cmd"), "command": _mostly("echo {run_id}", ["true"], "'open", [])},
    optional={
        "expect": _mostly(_optional(exit_code=_mostly(0, 1), output=_mostly("ok", "("))),
        "timeout": _SECONDS,
    },
)
_PATH = _mostly("/health", "/version", "health", "${env:E}")
_PLAN = st.fixed_dictionaries(
    # Steps are nearly always there: a plan without them stops at the first check.
    {"steps": st.lists(_HTTP_STEP | _WEBSOCKET_STEP | _COMMAND_STEP, min_size=1, max_size=3)},
    optional={
        "base_url": _mostly("http://127.0.0.1:1", "http://u:pw-123456@127.0.0.1:1", "ftp://x:pw@"),
        "vars": _mostly({"v": "1"}, {"run_id": "x"}, {"v": 2}),
        "mode": _mostly("read-write", "read-only"),
        "timeout": _SECONDS,
        "retries": _mostly(0, 1),
        "retry_delay": _SECONDS,
        "openapi": _PATH,
        "wait_for": _mostly(
            _optional(path=_PATH, status=_mostly(200, 99), timeout=_SECONDS, interval=_SECONDS)
        ),
        "expect_version": _mostly(
            _optional(path=_PATH, json=_mostly("v", "["), equals=_mostly("1"), timeout=_SECONDS)
        ),
        "p95_ms": _mostly(_SECONDS),
        "concurrency": _mostly(1, 4, 0),
        "fail_fast": _mostly(True, False),
        "deadline": _SECONDS,
        "latency": _mostly(st.fixed_dictionaries({}, optional=_SAMPLING)),
        **_TRIAGE,
    },
)
_ENVIRON = {"E": "/from-env", "S": "s3cret-value", "SHORT": "abc"}


def _toml(document: dict[str, Any]) -> str | None:
    try:
        return tomlkit.dumps(document)
    except (ValueError, TypeError):  # not every generated document has a TOML spelling
        return None


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=_PLAN, base_url=st.sampled_from([None, "http://127.0.0.1:1"]))
def test_any_plan_loads_or_is_one_line_error(
    tmp_path: Path, document: dict[str, Any], base_url: str | None
) -> None:
    text = _toml(document)
    if text is None:
        return
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    options = Options(base_url=base_url)

    try:
        gate = SmokeGate(path, options, _ENVIRON)
    except ConfigError as exc:  # the CLI prints it as "gates: error: <it>" and exits 2
        message = str(exc)
        assert message.startswith(("plan.toml", "--base-url")), message
        assert "\n" not in message and "s3cret-value" not in message
    else:
        assert gate.plan.steps


def _loads(folder: Path, document: dict[str, Any]) -> bool:
    text = _toml(document)
    if text is None:
        return False
    path = folder / "plan.toml"
    path.write_text(text, encoding="utf-8")
    try:
        SmokeGate(path, Options(base_url="http://127.0.0.1:1"), _ENVIRON)
    except ConfigError:
        return False
    return True


def test_the_generator_makes_plans_that_load_and_plans_that_do_not(tmp_path: Path) -> None:
    # A generator that only ever produced errors (or only plans) would make the property empty.
    quick = settings(max_examples=300, database=None, deadline=None, phases=[Phase.generate])
    loaded = find(_PLAN, lambda document: _loads(tmp_path, document), settings=quick)
    refused = find(_PLAN, lambda document: not _loads(tmp_path, document), settings=quick)

    assert loaded["steps"] and refused != loaded
