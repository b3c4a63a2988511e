"""``gates smoke`` end to end against the example service on 127.0.0.1 (no mocked transport)."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Project

from .service import (
    CREATE_LEAD,
    CREATE_MCP,
    EXAMPLE_PLAN,
    LOGIN,
    PASSWORD,
    REPO,
    Service,
    free_port,
    write_plan,
)


def smoke(project: Project, plan: str, url: str, *args: str) -> tuple[int, str, str]:
    return project.gates("smoke", plan, "--base-url", url, *args)


def test_example_plan_passes_with_every_check_and_no_leftovers(
    project: Project, service: Service
) -> None:
    code, out, err = smoke(project, str(EXAMPLE_PLAN), service.url)

    assert (code, err) == (0, "")
    steps = [
        "wait for ready",
        "OpenAPI schema verified",
        "login",
        "health",
        "ready",
        "list workspaces",
        "list MCP servers",
        "tenant cannot list tenants",
        "create lead",
        "create MCP server (tenant from token)",
        "chat: authenticate and echo",
        "chat: five concurrent connections",
        "p95 latency",
        "cleanup: create MCP server (tenant from token)",
        "cleanup: create lead",
    ]
    rows = [line for line in out.splitlines() if line.rstrip().endswith(" PASS")]
    assert [row.split("  ")[0] for row in rows] == steps
    assert "Leftovers: none" in out
    assert "Run window (UTC): " in out
    assert "Totals: 15 checks: 15 passed, 0 flaky, 0 failed, 0 not run; 0 leftover(s)" in out
    assert service.rows("SELECT * FROM leads") == []
    assert service.rows("SELECT * FROM mcp_servers") == []
    result = json.loads((project.root / ".gates/results/smoke.json").read_text())
    assert result["status"] == "PASS"
    assert result["tree"]
    assert set(result["tools"]) == {"httpx", "websockets"}
    markdown = (project.root / ".gates/evidence/smoke/report.md").read_text()
    assert "| chat: five concurrent connections | WS |" in markdown
    assert "### Leftovers\n\nNone." in markdown
    suite = ET.parse(project.root / ".gates/evidence/smoke/junit.xml").getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("15", "0")


def test_500_fails_with_body_excerpt_while_the_rest_and_cleanups_run(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty(SERVICE_FAULTS="skip-leads-migration")
    plan = write_plan(project, LOGIN + CREATE_LEAD + CREATE_MCP)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert "create lead  " in out
    assert "  create lead: status 500, expected 201" in out
    assert '    body: {"detail":"database error: no such table: leads"}' in out
    passed = {line.split("  ")[0] for line in out.splitlines() if line.endswith(" PASS")}
    assert passed == {"login", "create MCP server", "cleanup: create MCP server"}
    assert "Leftovers: none" in out
    assert service.rows("SELECT * FROM mcp_servers") == []
    suite = ET.parse(project.root / ".gates/evidence/smoke/junit.xml").getroot()
    failure = suite.find("testcase[@name='create lead']/failure")
    assert failure is not None and failure.get("message") == "status 500, expected 201"
    assert failure.text == (
        "POST /api/v1/workspaces/1/leads: expected 201, got 500\n"
        '{"detail":"database error: no such table: leads"}'
    )
    markdown = (project.root / ".gates/evidence/smoke/report.md").read_text()
    assert "- **create lead** (POST `/api/v1/workspaces/1/leads`): status 500, expected 201" in (
        markdown
    )


def test_server_killed_mid_run_leaves_named_leftovers(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty()
    # kill -9, then wait until the port refuses connections: os.kill returns before the process
    # is gone, and a connection queued in its backlog meanwhile would fail differently.
    die = (
        f"import os, socket, time; os.kill({service.proc.pid}, 9)\n"
        "for _ in range(500):\n"
        f"    try: socket.create_connection(('127.0.0.1', {service.port}), 0.1).close()\n"
        "    except ConnectionRefusedError: break\n"
        "    time.sleep(0.01)\n"
    )
    kill = f"""
[[steps]]
name = "the server dies"
command = ["{sys.executable}", "-c", {json.dumps(die)}]

[[steps]]
name = "health after"
method = "GET"
path = "/health"
"""
    another = """
[[steps]]
name = "create another lead"
method = "POST"
path = "/api/v1/workspaces/1/leads"
json = { name = "smoke-{run_id}-2" }
capture = { other_id = { json = "id" } }
cleanup = { method = "DELETE", path = "/api/v1/workspaces/1/leads/{other_id}" }
"""
    plan = write_plan(project, LOGIN + CREATE_LEAD + CREATE_MCP + kill + another)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert "  health after: no answer: ConnectError" in out
    leftovers = out.split("Leftovers:\n")[1].splitlines()
    assert leftovers.pop(0) == (
        "  create another lead (POST /api/v1/workspaces/1/leads): no answer to the request: it "
        "may exist"
    )
    assert leftovers[0].startswith(
        "  create MCP server (/api/v1/mcp-servers/1): cleanup DELETE /api/v1/mcp-servers/1 got "
        "no answer: ConnectError"
    )
    assert leftovers[1].startswith(
        "  create lead (/api/v1/workspaces/1/leads/1): cleanup DELETE /api/v1/workspaces/1/leads/1"
    )
    assert service.rows("SELECT id FROM leads") == [(1,)]


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_the_run_still_runs_cleanups(
    project: Project, service: Service, signum: signal.Signals, exit_code: int
) -> None:
    marker = project.root / "started"
    wait = f"""
[[steps]]
name = "long step"
command = [
    "{sys.executable}", "-c",
    "import pathlib, time; pathlib.Path('{marker}').touch(); time.sleep(60)",
]

[[steps]]
name = "never reached"
method = "GET"
path = "/health"
"""
    plan = write_plan(project, LOGIN + CREATE_LEAD + wait)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gates", "smoke", plan, "--base-url", service.url,
         "--root", str(project.root)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # never leave it running, whatever failed above
            proc.kill()
            proc.wait()

    assert proc.returncode == exit_code, err
    assert f"Stopped early: {signum.name} (cleanups ran)" in out
    assert "cleanup: create lead" in out and "Leftovers: none" in out
    assert "never reached" in out and f"not run: {signum.name}" in out
    assert service.rows("SELECT * FROM leads") == []


def test_production_refuses_writes_before_any_request(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty()
    plan = write_plan(project, LOGIN + CREATE_LEAD)
    before = service.requests_logged()

    code, out, err = smoke(project, plan, service.url, "--environment", "production")

    assert code == 2
    assert out == ""
    assert err == (
        "gates: error: smoke.toml: step 'login': POST refused: --environment production "
        "without --allow-writes (nothing was sent)\n"
    )
    assert any('"GET /health HTTP/1.1" 200' in line for line in before)  # the log does record
    assert service.requests_logged() == before
    assert not any("POST" in line for line in service.requests_logged())


SAFE_LOGIN = LOGIN.replace("expect = { status = 200 }", "expect = { status = 200 }\nsafe = true")
LIST_WORKSPACES = """
[[steps]]
name = "list workspaces"
method = "GET"
path = "/api/v1/workspaces"
auth = { bearer = "{token}" }
"""


def test_safe_login_runs_in_production_without_allow_writes_and_is_listed(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty()
    plan = write_plan(project, SAFE_LOGIN + LIST_WORKSPACES)

    code, out, err = smoke(project, plan, service.url, "--environment", "production")

    assert (code, err) == (0, "")
    assert "Writes allowed by safe = true: login: POST /api/v1/auth/login\n" in out
    assert "Leftovers: none" in out  # a safe login is not something created
    logged = service.requests_logged()
    assert sum('"POST /api/v1/auth/login HTTP/1.1" 200' in line for line in logged) == 1
    assert any('"GET /api/v1/workspaces HTTP/1.1" 200' in line for line in logged)
    details = json.loads((project.root / ".gates/results/smoke.json").read_text())["details"]
    assert details["safe_writes"] == ["login: POST /api/v1/auth/login"]


def test_safe_login_does_not_let_another_write_through_in_production(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty()
    plan = write_plan(project, SAFE_LOGIN + CREATE_LEAD)
    before = service.requests_logged()

    code, out, err = smoke(project, plan, service.url, "--environment", "production")

    assert (code, out) == (2, "")
    assert err == (
        "gates: error: smoke.toml: step 'create lead': POST refused: --environment production "
        "without --allow-writes (nothing was sent)\n"
    )
    # Refused before anything is sent: neither the login nor the create reached the server.
    assert service.requests_logged() == before
    assert not any("POST" in line for line in service.requests_logged())


def test_safe_login_is_allowed_in_a_read_only_plan(project: Project, service: Service) -> None:
    plan = write_plan(project, 'mode = "read-only"\n' + SAFE_LOGIN + LIST_WORKSPACES)

    code, _, err = smoke(project, plan, service.url)

    assert (code, err) == (0, "")


def test_production_with_allow_writes_runs(project: Project, service: Service) -> None:
    plan = write_plan(project, LOGIN + CREATE_LEAD)

    code, _, _ = smoke(project, plan, service.url, "--environment", "production", "--allow-writes")

    assert code == 0


def test_read_only_plan_refuses_writes_in_any_environment(
    project: Project, service: Service
) -> None:
    plan = write_plan(project, 'mode = "read-only"\n' + LOGIN)

    code, _, err = smoke(project, plan, service.url)

    assert code == 2
    assert err == (
        "gates: error: smoke.toml: step 'login': POST refused: the plan says mode = "
        '"read-only" (nothing was sent)\n'
    )


def test_secret_echoed_back_is_redacted_in_every_output_and_file(
    project: Project, faulty: Callable[..., Service], monkeypatch: pytest.MonkeyPatch
) -> None:
    api_key = "sk-live-4bd1c0ffee"
    monkeypatch.setenv("SMOKE_API_KEY", api_key)
    service = faulty(SERVICE_FAULTS="echo-headers")
    echo = """
[[steps]]
name = "echoing health"
method = "GET"
path = "/health"
headers = { X-Api-Key = "${secret:SMOKE_API_KEY}", Authorization = "Bearer {token}" }
expect = { status = 200, json = [{ path = "status", equals = "down" }] }

[[steps]]
name = "echoing basic auth"
method = "GET"
path = "/health"
auth = { basic = ["smoke", "${secret:SMOKE_API_KEY}"] }
expect = { status = 200, body = "never there" }
"""
    plan = write_plan(project, LOGIN + echo)

    code, out, err = smoke(project, plan, service.url)
    json_code, json_out, json_err = smoke(project, plan, service.url, "--json")

    assert (code, json_code) == (1, 1)
    reported = json.loads(json_out)
    assert (reported["gate"], reported["status"]) == ("smoke", "FAIL")
    echoed = reported["details"]["checks"][1]["excerpt"]
    assert '"x-api-key":"***"' in echoed
    tokens = [str(row[0]) for row in service.rows("SELECT token FROM tokens")]
    assert len(tokens) == 2
    basic = base64.b64encode(f"smoke:{api_key}".encode()).decode()
    secrets = [api_key, PASSWORD, basic, *tokens]
    assert '"x-api-key":"***"' in out
    assert '"authorization":"Bearer ***"' in out
    assert '"authorization":"Basic ***"' in out
    written = [p for p in project.root.rglob("*") if p.is_file() and ".git/" not in str(p)]
    assert {p.name for p in written} >= {"smoke.json", "report.md", "junit.xml"}
    outputs = [out, err, json_out, json_err, *(p.read_text(errors="replace") for p in written)]
    assert [s for s in secrets for text in outputs if s in text] == []


def test_server_down_from_the_start_is_exit_3_in_one_line(project: Project) -> None:
    port = free_port()
    plan = write_plan(project, LOGIN)

    code, out, err = smoke(project, plan, f"http://127.0.0.1:{port}")

    assert (code, out) == (3, "")
    assert err == f"gates: error: http://127.0.0.1:{port}: unreachable (Connection refused)\n"
    result = json.loads((project.root / ".gates/results/smoke.json").read_text())
    assert result["status"] == "ERROR"


def test_wait_for_that_never_succeeds_is_exit_3(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty(SERVICE_FAULTS="ready-after=600")
    plan = write_plan(
        project, '[wait_for]\npath = "/ready"\ntimeout = 0.3\ninterval = 0.1\n' + LOGIN
    )

    code, _, err = smoke(project, plan, service.url)

    assert code == 3
    assert err == (
        f"gates: error: {service.url}: not ready after 0.3s: GET /ready gave status 503, "
        "expected 200\n"
    )


def test_expect_version_waits_for_the_new_deploy(
    project: Project, faulty: Callable[..., Service], monkeypatch: pytest.MonkeyPatch
) -> None:
    service = faulty(SERVICE_COMMIT="abc123")
    version = '[expect_version]\npath = "/version"\njson = "commit"\nequals = "${env:SHA}"\n'
    plan = write_plan(project, version + "timeout = 0.3\ninterval = 0.1\n" + LOGIN)

    monkeypatch.setenv("SHA", "abc123")
    assert smoke(project, plan, service.url)[0] == 0
    monkeypatch.setenv("SHA", "def456")
    code, _, err = smoke(project, plan, service.url)

    assert code == 3
    assert err == (
        f"gates: error: {service.url}: /version commit is 'abc123' after 0.3s, expected "
        "'def456' (previous deploy?)\n"
    )


def test_websocket_wrong_token_fails_that_check(project: Project, service: Service) -> None:
    chat = """
[[steps]]
name = "chat with a wrong token"
websocket = "/ws/chat"
auth = { bearer = "not-a-token" }
connections = 2
send = [{ type = "message", text = "ping" }]
expect = { messages = [{ path = "type", equals = "echo" }] }
timeout = 5

[[steps]]
name = "no chat here"
websocket = "/ws/nothing"
send = ["hello"]

[[steps]]
name = "chat with the real token"
websocket = "/ws/chat"
auth = { bearer = "{token}" }
connections = 5
send = [{ type = "message", text = "ping {run_id} from {connection}" }]
timeout = 5
[steps.expect]
messages = [{ path = "text", equals = "ping {run_id} from {connection}" }]
"""
    absolute = f"""
[[steps]]
name = "chat by absolute URL, token in the first frame"
websocket = "ws://127.0.0.1:{service.port}/ws/chat"
send = [{{ type = "auth", token = "{{token}}" }}]
expect = {{ messages = [{{ path = "type", equals = "ready" }}] }}
"""
    plan = write_plan(project, LOGIN + chat + absolute)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert (
        "  chat with a wrong token: connection 1: closed by server (code 4401 invalid token) "
        "while awaiting type; connection 2: closed by server (code 4401 invalid token) while "
        "awaiting type"
    ) in out
    assert "  no chat here: connection: refused with HTTP 403" in out
    real = next(line for line in out.splitlines() if line.startswith("chat with the real token"))
    assert "5/5 connections ok" in real and real.endswith("PASS")
    absolute_row = next(line for line in out.splitlines() if line.startswith("chat by absolute"))
    assert absolute_row.endswith("PASS")


def test_changed_field_type_is_named_by_the_openapi_check(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty(SERVICE_FAULTS="workspace-id-as-string")
    workspaces = """
[[steps]]
name = "list workspaces"
method = "GET"
path = "/api/v1/workspaces"
auth = { bearer = "{token}" }
"""
    plan = write_plan(project, 'openapi = "/openapi.json"\n' + LOGIN + workspaces)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert (
        "  list workspaces: openapi: response $[0].id: '1' is not of type 'integer' (type)"
    ) in out


def test_plan_that_drifted_from_the_api_is_reported(project: Project, service: Service) -> None:
    drifted = """
[[steps]]
name = "old route"
method = "GET"
path = "/api/v1/leads"
expect = { status = 404 }
"""
    plan = write_plan(project, 'openapi = "/openapi.json"\n' + LOGIN + drifted)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert "  OpenAPI schema verified: old route: GET /api/v1/leads is not in the schema" in out


def test_no_credentials_cross_origins_on_redirect(
    project: Project, faulty: Callable[..., Service]
) -> None:
    other = faulty(SERVICE_FAULTS="echo-headers")
    service = faulty(SERVICE_FAULTS=f"health-redirect={other.url}/health")
    redirected = """
[[steps]]
name = "redirected health"
method = "GET"
path = "/health"
headers = { Authorization = "Bearer {token}", X-Trace = "smoke" }
expect = { status = 200, json = [
    { path = "headers.authorization", exists = false },
    { path = "headers.\\"x-trace\\"", equals = "smoke" },
] }
"""
    plan = write_plan(project, LOGIN + redirected)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 0, out


def test_retry_of_a_safe_method_that_then_passes_is_flaky(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty(SERVICE_FAULTS="ready-fails=2")
    ready = """
[[steps]]
name = "ready"
method = "GET"
path = "/ready"
retries = 2
retry_delay = 0
"""
    plan = write_plan(project, ready)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 0
    assert "Smoke WARN: 1/1 checks passed (1 flaky)" in out
    row = next(line for line in out.splitlines() if line.startswith("ready "))
    assert row.endswith("FLAKY")
    result = json.loads((project.root / ".gates/results/smoke.json").read_text())
    assert result["details"]["checks"][0]["attempts"] == 3


def test_deadline_stops_the_steps_and_cleanups_still_run(
    project: Project, service: Service
) -> None:
    slow = f"""
[[steps]]
name = "slow command"
command = ["{sys.executable}", "-c", "import time; time.sleep(60)"]
"""
    plan = write_plan(project, "deadline = 1\n" + LOGIN + CREATE_LEAD + slow)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert "Stopped early: deadline (cleanups ran)" in out
    assert "  slow command: not run: deadline" in out
    assert service.rows("SELECT * FROM leads") == []


def test_fail_fast_skips_the_rest_and_cleans_up(project: Project, service: Service) -> None:
    failing = """
[[steps]]
name = "wrong status"
method = "GET"
path = "/health"
expect = { status = 418 }

[[steps]]
name = "after"
method = "GET"
path = "/health"
"""
    plan = write_plan(project, "fail_fast = true\n" + LOGIN + CREATE_LEAD + failing)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert "  after: not run: fail-fast" in out
    assert "Leftovers: none" in out
    assert service.rows("SELECT * FROM leads") == []


def test_p95_over_the_limit_fails(project: Project, service: Service) -> None:
    plan = write_plan(project, "p95_ms = 0\n" + LOGIN)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert "  p95 latency: p95 " in out and " ms over 0 ms" in out


def test_201_without_cleanup_is_a_leftover(project: Project, service: Service) -> None:
    create = CREATE_MCP.split("[steps.cleanup]")[0]
    plan = write_plan(project, LOGIN + create)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert (
        "Leftovers:\n  create MCP server (POST /api/v1/mcp-servers → server_id 1): created (201)"
        " and the plan has no cleanup for it"
    ) in out


def test_create_answering_200_is_tracked_by_its_captured_id(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty(SERVICE_FAULTS="create-answers-200")
    create = CREATE_LEAD.split("[steps.cleanup]")[0].replace("status = 201", "status = 200")
    plan = write_plan(project, LOGIN + create)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert (
        "Leftovers:\n  create lead (POST /api/v1/workspaces/1/leads → lead_id 1): created (200)"
        " and the plan has no cleanup for it\n"
    ) in out
    details = json.loads((project.root / ".gates/results/smoke.json").read_text())["details"]
    assert details["leftovers"][0]["artifact"] == (
        "create lead (POST /api/v1/workspaces/1/leads → lead_id 1)"
    )


def test_create_answering_200_with_a_location_is_tracked_by_it(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty(SERVICE_FAULTS="create-answers-200")
    create = CREATE_MCP.split("[steps.cleanup]")[0].replace("status = 201", "status = 200")
    create = create.replace('capture = { server_id = { json = "id" } }', "")
    plan = write_plan(project, LOGIN + create)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert (
        "  create MCP server (POST /api/v1/mcp-servers → Location /api/v1/mcp-servers/1): "
        "created (200) and the plan has no cleanup for it\n"
    ) in out


def test_create_answering_200_with_a_cleanup_is_cleaned_up(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty(SERVICE_FAULTS="create-answers-200")
    plan = write_plan(project, LOGIN + CREATE_LEAD.replace("status = 201", "status = 200"))

    code, out, _ = smoke(project, plan, service.url)

    assert code == 0, out
    assert "Leftovers: none" in out
    assert service.rows("SELECT * FROM leads") == []


def test_command_step_checks_exit_code_and_output(
    project: Project, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = f"""
[[steps]]
name = "migrations applied"
command = ["{sys.executable}", "-m", "examples.service.migrate", "--check", "{{db}}"]
expect = {{ exit_code = 0, output = "up to date" }}

[[steps]]
name = "wrong expectation"
command = ["{sys.executable}", "-c", "print('nope'); raise SystemExit(3)"]

[[steps]]
name = "too slow"
command = ["{sys.executable}", "-c", "import time; time.sleep(60)"]
timeout = 0.5

[[steps]]
name = "no such program"
command = "no-such-program-here --version"
"""
    plan = write_plan(project, f'[vars]\ndb = "{service.db}"\n' + commands)
    monkeypatch.chdir(REPO)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert "  wrong expectation: exit 3, expected exit 0" in out
    assert "  too slow: timed out after 0.5s, expected exit 0" in out
    assert "  no such program: could not start: No such file or directory, expected exit 0" in out
    assert "    body: nope" in out
    row = next(line for line in out.splitlines() if line.startswith("migrations applied"))
    assert row.endswith("PASS")


def test_start_runs_a_local_server_for_the_run(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    plan = write_plan(project, '[wait_for]\npath = "/ready"\n' + LOGIN)
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("SERVICE_PASSWORD", PASSWORD)
    monkeypatch.setenv("SERVICE_DB", str(tmp_path / "start.db"))

    code, out, _ = smoke(
        project,
        plan,
        f"http://127.0.0.1:{port}",
        "--start",
        f"{sys.executable} -m examples.service --port {port}",
    )

    assert code == 0, out
    assert "wait for ready" in out
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_start_command_that_dies_is_exit_3(project: Project) -> None:
    port = free_port()
    plan = write_plan(project, '[wait_for]\npath = "/ready"\ntimeout = 1\n' + LOGIN)
    start = f"{sys.executable} -c 'raise SystemExit(4)'"

    code, _, err = smoke(project, plan, f"http://127.0.0.1:{port}", "--start", start)

    assert code == 3
    assert err.startswith(f"gates: error: http://127.0.0.1:{port}: not ready after 1s: GET /ready")
    assert err.endswith("expected 200 (--start command exited with 4)\n")


def test_raw_body_query_header_capture_and_expectations(project: Project, service: Service) -> None:
    steps = r"""
[[steps]]
name = "login with a raw JSON body"
method = "POST"
path = "/api/v1/auth/login"
headers = { Content-Type = "application/json" }
body = '{"email": "${env:SMOKE_EMAIL}", "password": "${secret:SMOKE_PASSWORD}", "x": {"y": 1}}'
capture = { token = { json = "access_token", secret = true }, kind = { header = "content-type" } }

[steps.expect]
status = 200
headers = { content-type = "^application/json$" }
body = '"token_type":\s*"bearer"'
max_ms = 60000
json = [
    { path = "access_token", matches = "^[A-Za-z0-9_-]{20,}$" },
    { path = "refresh_token", exists = false },
]

[[steps]]
name = "query sent"
method = "GET"
path = "/health"
query = { probe = "{kind} {run_id}" }
expect = { status = 200, json = [{ path = "keys(@)", length = 1 }] }
"""
    plan = write_plan(project, steps)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 0, out
    assert any(
        "GET /health?probe=application%2Fjson+" in line for line in service.requests_logged()
    )


def test_request_timeout_fails_that_check_and_cleanups_still_run(
    project: Project, service: Service
) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        hanging = f"""
[[steps]]
name = "hanging dependency"
method = "GET"
path = "http://127.0.0.1:{silent.getsockname()[1]}/status"
timeout = 0.3
"""
        plan = write_plan(project, LOGIN + CREATE_LEAD + hanging)

        code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert "  hanging dependency: no answer: ReadTimeout" in out
    assert "cleanup: create lead" in out and "Leftovers: none" in out
    assert service.rows("SELECT * FROM leads") == []


def test_every_expectation_kind_reports_what_it_got(project: Project, service: Service) -> None:
    steps = """
[[steps]]
name = "everything wrong"
method = "GET"
path = "/health"
capture = { trace = { header = "x-trace-id" } }

[steps.expect]
status = 200
headers = { x-trace-id = "." }
max_ms = 0
json = [
    { path = "status", exists = false },
    { path = "status", matches = "^down$" },
    { path = "status", length = 7 },
    { path = "nothing", length = 1 },
]

[[steps]]
name = "not JSON"
method = "GET"
path = "/no-such-page"
expect = { status = 404, json = [{ path = "detail", exists = true }] }
"""
    plan = write_plan(project, steps)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    failures = next(line for line in out.splitlines() if line.startswith("  everything wrong:"))
    assert failures.startswith(
        "  everything wrong: status: expected absent; status: expected to match '^down$', got "
        "'ok'; status: expected length 7, got 2; nothing: expected length 1, got None; header "
        "x-trace-id: expected to match '.', got None; took "
    )
    assert failures.endswith(" ms, max 0 ms; capture trace: header x-trace-id not found")
    assert "  not JSON: body is not JSON" in out


def test_secret_in_a_body_is_not_re_sent_to_another_origin(
    project: Project, faulty: Callable[..., Service]
) -> None:
    other = faulty()
    service = faulty(SERVICE_FAULTS=f"login-redirect={other.url}/api/v1/auth/login")
    plan = write_plan(project, LOGIN)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert (
        f"  login: no answer: RequestError: redirect to 127.0.0.1:{other.port} refused: the "
        "request body carries a secret"
    ) in out
    assert not any("POST" in line for line in other.requests_logged())


def test_redirect_loop_is_no_answer(project: Project, faulty: Callable[..., Service]) -> None:
    service = faulty(SERVICE_FAULTS="health-redirect=/health")
    plan = write_plan(project, '[[steps]]\nname = "loop"\nmethod = "GET"\npath = "/health"\n')

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert "  loop: no answer: TooManyRedirects: more than 5 redirects" in out


def test_keep_body_keeps_a_redacted_excerpt_of_a_passing_response(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty(SERVICE_FAULTS="echo-headers")
    plan = write_plan(
        project,
        '[[steps]]\nname = "health"\nmethod = "GET"\npath = "/health"\nkeep_body = true\n'
        'headers = { "X-Secret" = "${secret:SMOKE_PASSWORD}", "X-Pad" = "' + "p" * 250 + '" }\n'
        '[[steps]]\nname = "ready"\nmethod = "GET"\npath = "/ready"\n',
    )

    code, out, _ = smoke(project, plan, service.url)

    assert code == 0, out
    assert "Kept responses:\n  health: {" in out
    result = (project.root / ".gates/results/smoke.json").read_text()
    [health, ready] = json.loads(result)["details"]["checks"]
    assert health["excerpt"].startswith('{"status":"ok","headers":{')
    assert len(health["excerpt"]) == 300 and health["excerpt"].endswith("p…")
    assert '"x-secret":"***"' in health["excerpt"]
    assert ready["excerpt"] == ""  # not asked for: a passing response is not kept
    markdown = (project.root / ".gates/evidence/smoke/report.md").read_text()
    assert "### Kept responses\n\n- **health** (GET `/health`):" in markdown
    for text in (out, result, markdown):
        assert PASSWORD not in text
        assert PASSWORD[:8] not in text  # redacted before the cut, not cut through
