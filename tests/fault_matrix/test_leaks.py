"""Fault matrix, secrets: a target that echoes every secret back, in every spelling it can.

A real HTTP server on 127.0.0.1 echoes the plan's secret (sent as a header, as Basic auth and on
a command line), the password of ``--base-url`` (sent by httpx as Basic auth) and a token the plan
captures only after it was echoed. Afterwards no spelling of any of them may appear in anything
the run produced: stdout and stderr (plain, ``--json``, GitHub annotations), the results file,
the evidence folder, the HTML report, the step summary, the ledger and its export.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from conftest import Project

TOKEN = "Pa'ss\"w0  rd<&>/+%x"
"""The plan's ``${secret:SMOKE_TOKEN}``: quotes, markup, spaces, URL-special characters."""
BASE_USER, BASE_PASSWORD = "smoke", "B4se/pa:ss@"
SESSION = "tok-" + secrets.token_hex(12)
"""Handed out by ``/login``, and echoed by the other endpoints before the plan captures it."""
PAD = 291
"""Characters before an echoed secret, so it crosses the 300-character excerpt cut."""


def spellings(secret: str) -> set[str]:
    """Every derived spelling a careless report could show."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(json.dumps(secret)[1:-1])[1:-1],
        repr(secret)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
        html.escape(secret).replace("&#x27;", "&#39;"),
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret),
        " ".join(secret.split()),
        base64.b64encode(secret.encode()).decode(),
    }
    # A secret cut short must not show either: its recognisable start is all but the last char.
    return forms | {form[:-1] for form in forms if len(form) > 8}


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


class _Echo(BaseHTTPRequestHandler):
    """Echoes the secrets it was sent (and the session token) in every spelling."""

    def log_message(self, format: str, *args: object) -> None:
        pass  # the test's captured stderr is an output under test

    def do_GET(self) -> None:
        received = self.headers.get("X-Token", "")
        authorization = self.headers.get("Authorization", "")
        if self.path in ("/login", "/short-login"):
            token = SESSION if self.path == "/login" else "abc"
            self._send("application/json", json.dumps({"token": token, "echo": token}), "")
            return
        echoed = sorted(spellings(received) | {authorization, SESSION}) if received else []
        if self.path.startswith("/text"):
            body = "x" * PAD + " " + received + " " + " | ".join(echoed)
            self._send("text/plain", body, received)
        else:
            document = {"pad": "y" * (PAD - 24), "session": SESSION, "echo": received}
            document |= {"authorization": authorization, "spellings": echoed}
            self._send("application/json", json.dumps(document), received)

    def _send(self, kind: str, body: str, header: str) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        if header:
            self.send_header("X-Echo", header)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


PLAN = """
[[steps]]
name = "text echo"
method = "GET"
path = "/text"
headers = { X-Token = "${secret:SMOKE_TOKEN}" }
expect = { status = 200, body = "never there" }

[[steps]]
name = "json echo"
method = "GET"
path = "/json"
headers = { X-Token = "${secret:SMOKE_TOKEN}" }
auth = { basic = ["smoke", "${secret:SMOKE_TOKEN}"] }
expect.status = 200
expect.json = [{ path = "echo", equals = "nope" }]
expect.headers = { X-Echo = "^no$" }

[[steps]]
name = "login"
method = "GET"
path = "/login"
capture = { session = { json = "token", secret = true } }

[[steps]]
name = "command echo"
command = [
    "python", "-c", "import sys; print(repr(sys.argv[1])); sys.exit(3)", "${secret:SMOKE_TOKEN}",
]
"""


def test_no_spelling_of_any_secret_survives_in_any_output(
    make_project: Callable[..., Project],
    echo_server: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    project = make_project()
    monkeypatch.setenv("SMOKE_TOKEN", TOKEN)
    monkeypatch.setenv("GATES_LEDGER_URL", "")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    summary = project.root / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(project.root / "github-output.txt"))
    plan = str(project.write("smoke.toml", PLAN))
    base_url = f"http://{BASE_USER}:{quote(BASE_PASSWORD, safe='')}@{echo_server}"

    outputs = [
        project.gates("smoke", plan, "--base-url", base_url),
        project.gates("smoke", plan, "--base-url", base_url, "--json"),
        project.gates("decide"),
        project.gates("report", "--html", str(project.root / "report.html")),
        project.gates("ledger", "export"),
        project.gates("status"),
    ]

    code, out, err = outputs[0]
    assert code == 1 and "Traceback" not in err
    reported, _end = json.JSONDecoder().raw_decode(outputs[1][1])  # annotations follow it
    text_echo, json_echo = reported["details"]["checks"][:2]
    # The server really echoed: the masks are where the secrets were.
    assert text_echo["excerpt"].startswith("x" * PAD + " *** ")
    assert '"session": "***"' in json_echo["excerpt"]
    assert "echo: expected 'nope', got '***'" in json_echo["failures"]
    assert "header x-echo: expected to match '^no$', got '***'" in json_echo["failures"]
    assert summary.is_file()
    assert any(line.startswith("::error") for line in out.splitlines())
    secret_spellings = (
        spellings(TOKEN)
        | spellings(BASE_PASSWORD)
        | spellings(SESSION)
        | spellings(basic("smoke", TOKEN))
        | spellings(basic(BASE_USER, BASE_PASSWORD))
    )
    printed = [text for _code, out, err in outputs for text in (out, err)]
    written = [p for p in project.root.rglob("*") if p.is_file() and ".git" not in p.parts]
    assert {p.name for p in written} >= {"smoke.json", "report.md", "junit.xml", "report.html"}
    leaks = [
        (where, spelling)
        for where, content in [
            *((f"output {i}", text.encode()) for i, text in enumerate(printed)),
            *((str(p.relative_to(project.root)), p.read_bytes()) for p in written),
        ]
        for spelling in secret_spellings
        if spelling.encode() in content
    ]
    assert leaks == []


SHORT = (
    "a secret must be at least 6 characters, this one has {} "
    "(a shorter one cannot be masked without masking ordinary text)"
)


def test_a_short_plan_secret_is_refused_naming_the_plan_key(
    make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project()
    monkeypatch.setenv("SMOKE_TOKEN", "abc")
    plan = project.write(
        "smoke.toml",
        '[[steps]]\nname = "a"\nmethod = "GET"\npath = "/x"\n'
        'headers = { X-Token = "${secret:SMOKE_TOKEN}" }\n',
    )

    code, out, err = project.gates("smoke", str(plan), "--base-url", "http://127.0.0.1:1")

    assert (code, out) == (2, "")
    assert err == (
        "gates: error: smoke.toml:5: steps[0].headers.X-Token: ${secret:SMOKE_TOKEN}: "
        f"{SHORT.format(3)} (step 1 'a')\n"
    )


@pytest.mark.parametrize(
    ("plan_url", "option", "where"),
    [
        ("http://u:pw@127.0.0.1:1", None, "smoke.toml: base_url: the URL's password"),
        ("http://127.0.0.1:1", "http://u:pw@127.0.0.1:1", "--base-url: the URL's password"),
    ],
)
def test_a_short_base_url_password_is_refused(
    make_project: Callable[..., Project], plan_url: str, option: str | None, where: str
) -> None:
    project = make_project()
    plan = project.write(
        "smoke.toml",
        f'base_url = "{plan_url}"\n[[steps]]\nname = "a"\nmethod = "GET"\npath = "/"\n',
    )

    code, out, err = project.gates("smoke", str(plan), *(("--base-url", option) if option else ()))

    assert (code, out) == (2, "")
    assert err == f"gates: error: {where}: {SHORT.format(2)}\n"


def test_a_short_upload_password_is_refused(
    make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project()
    monkeypatch.setenv("TWINE_PASSWORD", "hunt2")

    code, out, err = project.gates(
        "release", "publish", "--repository-url", "http://127.0.0.1:1/legacy/"
    )

    assert (code, out) == (2, "")
    assert err == f"gates: error: TWINE_PASSWORD: {SHORT.format(5)}\n"


def test_an_unparsable_ledger_url_is_exit_2_without_its_password(
    make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project()
    monkeypatch.setenv("GATES_LEDGER_URL", "postgresql://u:secretpass@[::1")

    code, out, err = project.gates("ledger", "verify")

    assert (code, out) == (2, "")
    assert err == (
        "gates: error: GATES_LEDGER_URL (unparsable URL): cannot connect: end of string reached "
        'when looking for matching "]" in IPv6 host address in URI: "postgresql://u:***@[::1"\n'
    )
    assert "secretpass" not in err and "Traceback" not in err


def test_a_short_captured_secret_fails_its_step_and_is_still_masked(
    make_project: Callable[..., Project], echo_server: str
) -> None:
    project = make_project()
    plan = project.write(
        "smoke.toml",
        '[[steps]]\nname = "login"\nmethod = "GET"\npath = "/short-login"\n'
        'capture = { token = { json = "token", secret = true } }\n'
        '[[steps]]\nname = "use"\nmethod = "GET"\npath = "/login"\n'
        'auth = { bearer = "{token}" }\n',
    )

    code, out, err = project.gates(
        "smoke", str(plan), "--base-url", f"http://{echo_server}", "--json"
    )

    assert (code, err) == (1, "")
    login, use = json.loads(out)["details"]["checks"]
    assert login["failures"] == [f"capture token: {SHORT.format(3)}"]
    assert login["excerpt"] == '{"token": "***", "echo": "***"}'
    assert use["failures"] == ["not run: {token} was never captured"]
