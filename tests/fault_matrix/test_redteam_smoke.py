"""Fault matrix, red team: a smoke target that answers with what gates cannot read (a hostile or
broken service: JSON nested deeper than Python parses, an OpenAPI document whose ``$ref``s loop,
point nowhere or at another server) fails its check, never stops gates with a traceback, and
never makes gates fetch what the document names."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.server import ServerConnection, serve

DEEP = b"[" * 100_000


class _Deep(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(DEEP)))
        self.end_headers()
        self.wfile.write(DEEP)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def deep_target() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Deep)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_json_nested_deeper_than_python_parses_fails_the_check(
    ledger_project: Any, deep_target: str
) -> None:
    project = ledger_project('[project]\nname = "demo"\nversion = "1.0"\n')
    project.write(
        "plan.toml",
        '[[steps]]\nname = "deep"\nmethod = "GET"\npath = "/x"\n'
        'expect = { status = 200, json = [{ path = "a", exists = true }] }\n',
    )

    code, out, err = project.gates(
        "smoke", str(project.root / "plan.toml"), "--base-url", deep_target, "--json"
    )

    assert "Traceback" not in err
    assert code == 1
    (check,) = json.loads(out)["details"]["checks"]
    assert (check["outcome"], check["failures"]) == ("failed", ["body is not JSON"])


def test_an_openapi_document_nested_deeper_than_python_parses_fails_the_drift_check(
    ledger_project: Any, deep_target: str
) -> None:
    project = ledger_project('[project]\nname = "demo"\nversion = "1.0"\n')
    project.write(
        "plan.toml",
        'openapi = "/openapi.json"\n\n[[steps]]\nname = "deep"\nmethod = "GET"\npath = "/x"\n'
        "schema = false\nexpect = { status = 200 }\n",
    )

    code, out, err = project.gates(
        "smoke", str(project.root / "plan.toml"), "--base-url", deep_target, "--json"
    )

    assert "Traceback" not in err
    assert code == 1
    drift = json.loads(out)["details"]["checks"][0]
    assert drift["failures"] == [
        "cannot fetch the schema: RecursionError: maximum recursion depth exceeded while decoding"
        " a JSON array from a unicode string"
    ]


def test_a_version_nested_deeper_than_python_parses_is_not_the_expected_one(
    ledger_project: Any, deep_target: str
) -> None:
    project = ledger_project('[project]\nname = "demo"\nversion = "1.0"\n')
    project.write(
        "plan.toml",
        '[expect_version]\npath = "/version"\njson = "commit"\nequals = "abc"\ntimeout = 1\n\n'
        '[[steps]]\nname = "deep"\nmethod = "GET"\npath = "/x"\nexpect = { status = 200 }\n',
    )

    code, out, err = project.gates(
        "smoke", str(project.root / "plan.toml"), "--base-url", deep_target
    )

    assert "Traceback" not in err
    assert (code, out) == (3, "")
    assert err == (
        f"gates: error: {deep_target}: /version commit is '<not JSON>' after 1s, expected 'abc'"
        " (previous deploy?)\n"
    )


@pytest.fixture
def deep_ws_target() -> Iterator[str]:
    def answer(connection: ServerConnection) -> None:
        connection.send(DEEP.decode())
        connection.recv()

    with serve(answer, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.socket.getsockname()[1]}"
        server.shutdown()


def test_a_websocket_frame_nested_deeper_than_python_parses_fails_the_check(
    ledger_project: Any, deep_ws_target: str
) -> None:
    project = ledger_project('[project]\nname = "demo"\nversion = "1.0"\n')
    project.write(
        "plan.toml",
        '[[steps]]\nname = "deep"\nwebsocket = "/chat"\ntimeout = 2\n'
        'expect = { messages = [{ path = "type", equals = "ready" }] }\n',
    )

    code, out, err = project.gates(
        "smoke", str(project.root / "plan.toml"), "--base-url", deep_ws_target, "--json"
    )

    assert "Traceback" not in err
    assert code == 1
    (check,) = json.loads(out)["details"]["checks"]
    assert (check["outcome"], check["failures"]) == (
        "failed",
        ["connection: expected message not received within 2s"],  # the frame is text, not JSON
    )


class _Documented(http.server.BaseHTTPRequestHandler):
    """Serves an OpenAPI document whose GET /x operation is ``server.operation`` (and a component
    whose $ref is itself), and ``{"a": 1}`` elsewhere; remembers every path asked for."""

    server: _DocumentServer

    def do_GET(self) -> None:
        self.server.asked.append(self.path)
        document = {
            "openapi": "3.1.0",
            "paths": {"/x": {"get": self.server.operation}},
            "components": {"schemas": {"A": {"$ref": "#/components/schemas/A"}}},
        }
        body = json.dumps(document if self.path == "/openapi.json" else {"a": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _DocumentServer(http.server.ThreadingHTTPServer):
    operation: object
    asked: list[str]


def _answering(schema: object) -> dict[str, object]:
    return {"responses": {"200": {"content": {"application/json": {"schema": schema}}}}}


@pytest.mark.parametrize(
    ("operation", "failures"),
    [
        pytest.param(
            _answering({"$ref": "#/components/schemas/A"}),
            ["openapi: documented schema cannot be followed: a $ref leads back to itself"],
            id="a-ref-to-itself",
        ),
        pytest.param(
            _answering({"$ref": "#/components/schemas/Nope"}),
            ["openapi: documented schema cannot be followed: PointerToNowhere:"
             " '/components/schemas/Nope' does not exist within {'$ref':"
             " '#/components/schemas/Nope', 'components': {'schemas': {'A': {'$ref':"
             " '#/components/schemas/A'}}}}"],
            id="a-ref-to-nowhere",
        ),
        pytest.param(
            _answering({"$ref": "{target}/secret.json"}),
            ["openapi: documented schema cannot be followed: Unresolvable:"
             " {target}/secret.json"],
            id="a-ref-to-another-document",
        ),
        pytest.param(
            _answering({"type": 5}),
            ["openapi: documented schema is invalid: 5 is not valid under any of the given"
             " schemas"],
            id="a-keyword-of-the-wrong-type",
        ),
        pytest.param({"responses": ["200"]}, [], id="responses-not-a-table"),
    ],
)  # fmt: skip
def test_a_response_schema_gates_cannot_use_fails_the_check_or_is_not_used(
    ledger_project: Any, operation: object, failures: list[str]
) -> None:
    server = _DocumentServer(("127.0.0.1", 0), _Documented)
    target = f"http://127.0.0.1:{server.server_address[1]}"
    server.operation = json.loads(json.dumps(operation).replace("{target}", target))
    server.asked = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    project = ledger_project('[project]\nname = "demo"\nversion = "1.0"\n')
    project.write(
        "plan.toml",
        'openapi = "/openapi.json"\n\n[[steps]]\nname = "x"\nmethod = "GET"\npath = "/x"\n'
        "expect = { status = 200 }\n",
    )
    try:
        code, out, err = project.gates(
            "smoke", str(project.root / "plan.toml"), "--base-url", target, "--json"
        )
    finally:
        server.shutdown()
        server.server_close()

    assert "Traceback" not in err
    check = json.loads(out)["details"]["checks"][-1]
    expected = [failure.replace("{target}", target) for failure in failures]
    assert (code, check["failures"]) == (1 if failures else 0, expected)
    assert server.asked == ["/openapi.json", "/x"]  # nothing the document named was fetched
