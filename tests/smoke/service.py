"""The example service, really running under uvicorn on 127.0.0.1, and plan snippets for it."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from conftest import Project

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_PLAN = REPO / "examples" / "service" / "smoke.toml"
EMAIL, PASSWORD = "demo@example.com", "demo-password-7f3a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Service:
    """One example-service process; its log is the proof of what requests reached it."""

    port: int
    db: Path
    log: Path
    proc: subprocess.Popen[bytes]
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests_logged(self) -> list[str]:
        """uvicorn access-log lines (``"GET /path HTTP/1.1" 200``) and WebSocket connections."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if '"' in line and "HTTP/1.1" in line]

    def rows(self, query: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as conn:
            return list(conn.execute(query))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_service(folder: Path, **env: str) -> Service:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    db, log = folder / f"service-{port}.db", folder / f"service-{port}.log"
    service_env = {
        "SERVICE_DB": str(db),
        "SERVICE_EMAIL": EMAIL,
        "SERVICE_PASSWORD": PASSWORD,
        **env,
    }
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "examples.service", "--port", str(port)],
            cwd=REPO,
            env={**os.environ, **service_env},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    service = Service(port, db, log, proc, service_env)
    deadline = time.monotonic() + 30
    # One client for every poll, without a CA bundle (plain HTTP on 127.0.0.1): each new client
    # verifying TLS loads the bundle again, 50-100 ms a poll, most of a service's start-up.
    with httpx.Client(timeout=1, verify=False) as client:
        while True:
            try:
                client.get(service.url + "/health")
                return service
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    service.stop()
                    message = f"example service did not start: {log.read_text()}"
                    raise RuntimeError(message) from None
                time.sleep(0.05)


LOGIN = """
[[steps]]
name = "login"
method = "POST"
path = "/api/v1/auth/login"
json = { email = "${env:SMOKE_EMAIL}", password = "${secret:SMOKE_PASSWORD}" }
expect = { status = 200 }
capture = { token = { json = "access_token", secret = true } }
"""

CREATE_LEAD = """
[[steps]]
name = "create lead"
method = "POST"
path = "/api/v1/workspaces/1/leads"
auth = { bearer = "{token}" }
json = { name = "smoke-{run_id}" }
expect = { status = 201 }
capture = { lead_id = { json = "id" } }

[steps.cleanup]
method = "DELETE"
path = "/api/v1/workspaces/1/leads/{lead_id}"
auth = { bearer = "{token}" }
"""

CREATE_MCP = """
[[steps]]
name = "create MCP server"
method = "POST"
path = "/api/v1/mcp-servers"
auth = { bearer = "{token}" }
json = { name = "smoke-{run_id}", url = "https://mcp.example.invalid" }
expect = { status = 201 }
capture = { server_id = { json = "id" } }

[steps.cleanup]
method = "DELETE"
path = "/api/v1/mcp-servers/{server_id}"
auth = { bearer = "{token}" }
"""


def write_plan(project: Project, body: str, name: str = "smoke.toml") -> str:
    return str(project.write(name, body))
