"""Plan errors: exit 2, one line naming the file, the key path (with line) and the step."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Project

from gates.smoke.loading import load
from gates.smoke.plan import HttpStep, Mode, WebSocketStep
from gates.smoke.templating import render

from .service import EXAMPLE_PLAN, write_plan

HEALTH = '[[steps]]\nname = "health"\nmethod = "GET"\npath = "/health"\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            '[[steps]]\nname = "login"\nmethod = "POST"\npath = "/login"\n'
            "expect = { statuss = 200 }\n",
            "smoke.toml:5: steps[0].expect.statuss: unknown key (step 1 'login')",
            id="unknown key in a step",
        ),
        pytest.param(
            'colour = "blue"\n' + HEALTH,
            "smoke.toml: colour: unknown key",
            id="unknown top-level key",
        ),
        pytest.param(
            '[[steps]]\nname = "login"\nmethod = "POST"\npath = "/login"\n'
            'json = { email = "${env:NOPE_EMAIL}" }\n',
            "smoke.toml:5: steps[0].json: environment variable NOPE_EMAIL is not set "
            "(${env:NOPE_EMAIL}) (step 1 'login')",
            id="missing environment variable",
        ),
        pytest.param(
            '[[steps]]\nname = "create lead"\nmethod = "POST"\npath = "/w/{workspace_id}/leads"\n',
            "smoke.toml:4: steps[0].path: unknown placeholder {workspace_id} (not in [vars], not "
            "captured by an earlier step, not run_id) (step 1 'create lead')",
            id="missing var",
        ),
        pytest.param(
            HEALTH + '\n[[steps]]\nname = "list"\nmethod = "GET"\npath = "/x"\n'
            'expect = { json = [{ path = "items[?", length = 1 }] }\n',
            "smoke.toml:10: steps[1].expect.json[0].path: bad JMESPath 'items[?': Invalid "
            "jmespath expression: Incomplete expression: \"items[?\" ^ (step 2 'list')",
            id="bad JMESPath",
        ),
        pytest.param(
            '[[steps]]\nname = "h"\nmethod = "GET"\npath = "/"\n'
            'capture = { x = { json = "a" } }\ncleanup = { method = "DELETE", path = "/{y}" }\n',
            "smoke.toml:6: steps[0].cleanup.path: unknown placeholder {y} (not in [vars], not "
            "captured by an earlier step, not run_id) (step 1 'h')",
            id="cleanup uses an uncaptured value",
        ),
        pytest.param(
            '[[steps]]\nname = "login"\nmethod = "POST"\npath = "/login"\nretries = 2\n',
            "smoke.toml:5: steps[0].retries: only safe methods are retried, not POST "
            "(step 1 'login')",
            id="retries on an unsafe method",
        ),
        pytest.param(
            '[[steps]]\nname = "both"\nmethod = "GET"\ncommand = "true"\npath = "/"\n',
            "smoke.toml:4: steps[0].command: a step has exactly one of method (HTTP), websocket "
            "or command (step 1 'both')",
            id="two kinds of step",
        ),
        pytest.param(
            '[[steps]]\nname = "x"\nmethod = "GET"\npath = "/"\nexpect = { status = "200" }\n',
            "smoke.toml:5: steps[0].expect.status: expected an HTTP status or a list of them "
            "(step 1 'x')",
            id="status of the wrong type",
        ),
        pytest.param(
            HEALTH + HEALTH,
            "smoke.toml: steps[1].name: duplicate step name 'health'",
            id="duplicate step name",
        ),
        pytest.param(
            'mode = "yolo"\n' + HEALTH,
            "smoke.toml: mode: expected 'read-write' or 'read-only', got 'yolo'",
            id="unknown mode",
        ),
        pytest.param(
            "[[steps]\n",
            "smoke.toml: invalid TOML: Expected ']]' at the end of an array declaration "
            "(at line 1, column 8)",
            id="invalid TOML",
        ),
        pytest.param("", "smoke.toml: steps: a plan needs at least one [[steps]]", id="no steps"),
        *(
            pytest.param(f'[[steps]]\nname = "s"\n{body}', message, id=message)
            for body, message in [
                (
                    'method = "FETCH"\npath = "/"\n',
                    "smoke.toml:3: steps[0].method: expected one "
                    "of DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT (step 1 's')",
                ),
                ('method = "GET"\n', "smoke.toml:1: steps[0].path: required (step 1 's')"),
                (
                    'method = "GET"\npath = "health"\n',
                    "smoke.toml:4: steps[0].path: expected "
                    "/PATH or an http(s):// URL, got 'health' (step 1 's')",
                ),
                (
                    'method = "POST"\npath = "/"\njson = {}\nbody = ""\n',
                    "smoke.toml:6: "
                    "steps[0].body: a request has one body: json or body (step 1 's')",
                ),
                (
                    'method = "GET"\npath = "/"\nauth = {}\n',
                    "smoke.toml:5: steps[0].auth: "
                    "expected { bearer = TOKEN } or { basic = [USER, PASSWORD] } (step 1 's')",
                ),
                (
                    'method = "GET"\npath = "/"\nauth = { basic = ["u"] }\n',
                    "smoke.toml:5: steps[0].auth.basic: expected [USER, PASSWORD] (step 1 's')",
                ),
                (
                    'method = "GET"\npath = "/"\nheaders = { X = [1] }\n',
                    "smoke.toml:5: steps[0].headers.X: expected a string (step 1 's')",
                ),
                (
                    'method = "GET"\npath = "/"\nexpect = { json = [{ equals = 1 }] }\n',
                    "smoke.toml:5: steps[0].expect.json[0].path: required: a JMESPath into the "
                    "JSON (step 1 's')",
                ),
                (
                    'method = "GET"\npath = "/"\nexpect = { json = [{ path = "a", exists = true, '
                    "length = 1 }] }\n",
                    "smoke.toml:5: steps[0].expect.json[0].path: expected "
                    "one of equals, exists, matches, length (step 1 's')",
                ),
                (
                    'method = "GET"\npath = "/"\nexpect = { body = "(" }\n',
                    "smoke.toml:5: "
                    "steps[0].expect.body: bad regular expression '(': missing ), unterminated "
                    "subpattern at position 0 (step 1 's')",
                ),
                (
                    'method = "GET"\npath = "/"\ncapture = { run_id = { json = "a" } }\n',
                    "smoke.toml:5: steps[0].capture.run_id: capture names are identifiers (and not "
                    "run_id) (step 1 's')",
                ),
                (
                    'method = "GET"\npath = "/"\ncapture = { a = "id" }\n',
                    "smoke.toml:5: "
                    "steps[0].capture.a: expected { json = JMESPATH } or { header = NAME } "
                    "(step 1 's')",
                ),
                (
                    'method = "GET"\npath = "/"\ncapture = { a = { json = "a", header = "b" } }\n',
                    "smoke.toml:5: steps[0].capture.a: expected exactly one of json or header "
                    "(step 1 's')",
                ),
                (
                    'websocket = "http://x/ws"\n',
                    "smoke.toml:3: steps[0].websocket: expected a "
                    "ws:// or wss:// URL or a path (step 1 's')",
                ),
                (
                    'websocket = "/ws"\nsend = "hi"\n',
                    "smoke.toml:4: steps[0].send: expected a "
                    "list of messages (tables or strings) (step 1 's')",
                ),
                ("command = []\n", "smoke.toml:3: steps[0].command: empty command (step 1 's')"),
                (
                    "command = [1]\n",
                    "smoke.toml:3: steps[0].command: expected a command string "
                    "or a list of strings (step 1 's')",
                ),
                (
                    'command = "echo \'open"\n',
                    "smoke.toml:3: steps[0].command: cannot split "
                    "command: No closing quotation (step 1 's')",
                ),
            ]
        ),
        pytest.param(
            '[vars]\nrun_id = "x"\n' + HEALTH,
            "smoke.toml:2: vars.run_id: run_id is set by the runner, not by the plan",
            id="run_id in vars",
        ),
        pytest.param(
            "[vars]\nids = [1]\n" + HEALTH,
            "smoke.toml:2: vars.ids: expected a string or number",
            id="list in vars",
        ),
        pytest.param(
            '[[steps]]\nmethod = "GET"\npath = "/"\n',
            "smoke.toml:1: steps[0].name: required: every step has a name (step 1)",
            id="step without a name",
        ),
        pytest.param(
            '[expect_version]\npath = "/version"\n' + HEALTH,
            "smoke.toml:1: expect_version.json: required",
            id="expect_version without json",
        ),
    ],
)
def test_plan_errors_exit_2_naming_step_and_key(project: Project, body: str, message: str) -> None:
    plan = write_plan(project, body)

    code, out, err = project.gates("smoke", plan, "--base-url", "http://127.0.0.1:9")

    assert (code, out) == (2, "")
    assert err == f"gates: error: {message}\n"


def test_base_url_from_the_environment_is_required(project: Project) -> None:
    plan = write_plan(project, 'base_url = "${env:SMOKE_BASE_URL}"\n' + HEALTH)

    code, _, err = project.gates("smoke", plan)

    assert code == 2
    assert err == (
        "gates: error: smoke.toml: base_url: environment variable SMOKE_BASE_URL is not set "
        "(${env:SMOKE_BASE_URL})\n"
    )


def test_plan_error_quoting_a_secret_redacts_it(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TARGET", "staging.example.com/?key=s3cr3t-v4lue")
    plan = write_plan(project, 'base_url = "${secret:TARGET}"\n' + HEALTH)

    code, _, err = project.gates("smoke", plan)

    assert code == 2
    assert err == "gates: error: smoke.toml: base_url: expected an http(s):// URL, got '***'\n"


def test_missing_plan_file(project: Project) -> None:
    code, _, err = project.gates("smoke", "nope.toml", "--base-url", "http://127.0.0.1:9")

    assert (code, err) == (2, "gates: error: nope.toml: smoke plan not found\n")


def test_example_plan_loads_with_secrets_known(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "SMOKE_BASE_URL": "http://127.0.0.1:1/",
        "SMOKE_EMAIL": "a@b.c",
        "SMOKE_PASSWORD": "pw-123",
    }

    plan = load(EXAMPLE_PLAN, env)

    assert plan.base_url == "http://127.0.0.1:1"
    assert plan.secrets == frozenset({"pw-123"})
    assert plan.mode is Mode.READ_WRITE
    assert [type(step) for step in plan.steps][-2:] == [WebSocketStep, WebSocketStep]
    login = plan.steps[0]
    assert isinstance(login, HttpStep) and login.captures[0].secret


def test_environment_values_are_literal_not_placeholders(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(HEALTH.replace('"/health"', '"/h?p=${secret:PW}"'), encoding="utf-8")

    plan = load(plan_file, {"PW": "pw-a{b}c"}, base_url="http://127.0.0.1:1")

    step = plan.steps[0]
    assert isinstance(step, HttpStep)
    assert render(step.request.path, {}) == "/h?p=pw-a{b}c"


def test_a_safe_write_may_be_retried_and_sampled_and_is_not_a_write(tmp_path: Path) -> None:
    path = tmp_path / "smoke.toml"
    path.write_text(
        'base_url = "http://127.0.0.1:9"\nretries = 2\n[latency]\nrepeat = 3\n'
        '[[steps]]\nname = "login"\nmethod = "POST"\npath = "/login"\nsafe = true\n'
        '[[steps]]\nname = "create"\nmethod = "POST"\npath = "/leads"\n',
        encoding="utf-8",
    )

    plan = load(path, {})

    login, create = plan.steps
    assert isinstance(login, HttpStep) and isinstance(create, HttpStep)
    assert (login.retries, login.sampling and login.sampling.repeat) == (2, 3)
    assert (create.retries, create.sampling and create.sampling.repeat) == (0, 1)
    assert plan.writes() == [("create", "POST")]
    assert plan.safe_writes() == ("login: POST /login",)
