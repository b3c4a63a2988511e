"""A small real web service with the seed's API shape: the default target of the smoke gate.

Tenants, users, workspaces, leads and MCP servers live in SQLite. Logging in issues a bearer
token; the token decides the tenant (a request body never does). Settings come from the
environment when the app is created:

SERVICE_DB        SQLite file (default: a fresh temporary file)
SERVICE_EMAIL     the tenant user's login (default demo@example.com)
SERVICE_PASSWORD  its password (default demo-password)
SERVICE_VERSION / SERVICE_COMMIT   what /version reports
SERVICE_FAULTS    comma-separated faults, for testing the smoke gate against a broken deploy:
    skip-leads-migration      the leads table is never created: creating a lead is a 500
    echo-headers              /health echoes the request headers in its body
    workspace-id-as-string    /api/v1/workspaces returns ids as strings (schema drift)
    health-redirect=URL       /health redirects (307) to URL
    login-redirect=URL        /api/v1/auth/login redirects (307) to URL (auth moved elsewhere)
    ready-after=SECONDS       /ready answers 503 until SECONDS after start
    ready-fails=N             /ready answers 503 to its first N requests (a flaky dependency)
    slow-version=SECONDS      /version answers after SECONDS (a slow endpoint)
    version-fails-after=N     /version answers 500 once it has answered N requests
    create-answers-200        creating a lead or an MCP server answers 200, not 201
    delete-fails=N            deleting a lead answers 500 to its first N requests (a cleanup
                              that fails once: the next run must remove the leftover)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from examples.service.schema import OPENAPI

# Applied in order on start; the version is kept in schema_version (what `migrate --check` reads).
MIGRATIONS = (
    "CREATE TABLE tenants (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, password TEXT NOT "
    "NULL, tenant_id INTEGER NOT NULL, role TEXT NOT NULL)",
    "CREATE TABLE tokens (token TEXT PRIMARY KEY, user_id INTEGER NOT NULL)",
    "CREATE TABLE workspaces (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, name TEXT)",
    "CREATE TABLE leads (id INTEGER PRIMARY KEY, workspace_id INTEGER NOT NULL, name TEXT)",
    "CREATE TABLE mcp_servers (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, name TEXT, "
    "url TEXT)",
)
LEADS_MIGRATION = 4


def migrate(db: Path, *, skip: frozenset[int] = frozenset()) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (step INTEGER PRIMARY KEY)")
        done = {row[0] for row in conn.execute("SELECT step FROM schema_version")}
        for step, statement in enumerate(MIGRATIONS):
            if step not in done and step not in skip:
                conn.execute(statement)
                conn.execute("INSERT INTO schema_version (step) VALUES (?)", (step,))


def pending(db: Path) -> list[int]:
    """Migrations not applied to ``db``."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        done = {row[0] for row in conn.execute("SELECT step FROM schema_version")}
    return [step for step in range(len(MIGRATIONS)) if step not in done]


def _seed(db: Path, email: str, password: str) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        if conn.execute("SELECT COUNT(*) FROM tenants").fetchone()[0]:
            return
        conn.executemany(
            "INSERT INTO tenants (id, name) VALUES (?, ?)", [(1, "acme"), (2, "globex")]
        )
        conn.executemany(
            "INSERT INTO workspaces (id, tenant_id, name) VALUES (?, ?, ?)",
            [(1, 1, "Main"), (2, 2, "Globex main")],
        )
        conn.execute(
            "INSERT INTO users (email, password, tenant_id, role) VALUES (?, ?, 1, 'member')",
            (email, password),
        )


def _faults(text: str) -> dict[str, str]:
    faults = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        faults[name] = value
    return faults


def create_app() -> Starlette:
    db = Path(os.environ.get("SERVICE_DB") or Path(tempfile.mkdtemp()) / "service.db")
    faults = _faults(os.environ.get("SERVICE_FAULTS", ""))
    skip = frozenset({LEADS_MIGRATION}) if "skip-leads-migration" in faults else frozenset()
    migrate(db, skip=skip)
    _seed(
        db,
        os.environ.get("SERVICE_EMAIL", "demo@example.com"),
        os.environ.get("SERVICE_PASSWORD", "demo-password"),
    )
    started = time.monotonic()
    ready_after = float(faults.get("ready-after") or 0)
    ready_failures = [int(faults.get("ready-fails") or 0)]  # mutable: counts down
    version_requests = [0]  # mutable: counts up
    created = 200 if "create-answers-200" in faults else 201
    delete_failures = [int(faults.get("delete-fails") or 0)]  # mutable: counts down

    @contextlib.contextmanager
    def database() -> Iterator[sqlite3.Connection]:
        with contextlib.closing(sqlite3.connect(db)) as conn, conn:
            conn.row_factory = sqlite3.Row
            yield conn

    def user_for(token: str | None) -> sqlite3.Row | None:
        if not token:
            return None
        with database() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT users.* FROM tokens JOIN users ON users.id = tokens.user_id "
                "WHERE tokens.token = ?",
                (token,),
            ).fetchone()
            return row

    def bearer(header: str | None) -> str | None:
        if header and header.lower().startswith("bearer "):
            return header[7:].strip()
        return None

    def error(status: int, detail: str) -> JSONResponse:
        return JSONResponse({"detail": detail}, status_code=status)

    def authenticated(handler: Any) -> Any:
        async def wrapper(request: Request) -> Response:
            user = user_for(bearer(request.headers.get("authorization")))
            if user is None:
                return error(401, "not authenticated")
            try:
                return await handler(request, user)  # type: ignore[no-any-return]
            except sqlite3.Error as exc:
                # Like a framework's debug error page: the seed's 500 showed the database error.
                return error(500, f"database error: {exc}")

        return wrapper

    async def login(request: Request) -> Response:
        if "login-redirect" in faults:
            return RedirectResponse(faults["login-redirect"], status_code=307)
        body = await request.json()
        with database() as conn:
            user = conn.execute(
                "SELECT id FROM users WHERE email = ? AND password = ?",
                (body.get("email"), body.get("password")),
            ).fetchone()
            if user is None:
                return error(401, "wrong email or password")
            token = secrets.token_urlsafe(24)
            conn.execute("INSERT INTO tokens (token, user_id) VALUES (?, ?)", (token, user["id"]))
        return JSONResponse({"access_token": token, "token_type": "bearer"})

    async def health(request: Request) -> Response:
        if "health-redirect" in faults:
            return RedirectResponse(faults["health-redirect"], status_code=307)
        body: dict[str, Any] = {"status": "ok"}
        if "echo-headers" in faults:
            body["headers"] = dict(request.headers)
        return JSONResponse(body)

    async def ready(request: Request) -> Response:
        if time.monotonic() - started < ready_after:
            return error(503, "starting")
        if ready_failures[0] > 0:
            ready_failures[0] -= 1
            return error(503, "database connection pool exhausted")
        with database() as conn:
            conn.execute("SELECT 1")
        return JSONResponse({"status": "ready"})

    async def version(request: Request) -> Response:
        await asyncio.sleep(float(faults.get("slow-version") or 0))
        version_requests[0] += 1
        if "version-fails-after" in faults and version_requests[0] > int(
            faults["version-fails-after"]
        ):
            return error(500, "version store unavailable")
        return JSONResponse(
            {
                "version": os.environ.get("SERVICE_VERSION", "0.1.0"),
                "commit": os.environ.get("SERVICE_COMMIT", "dev"),
            }
        )

    async def openapi(request: Request) -> Response:
        return JSONResponse(OPENAPI)

    @authenticated
    async def workspaces(request: Request, user: sqlite3.Row) -> Response:
        with database() as conn:
            rows = conn.execute(
                "SELECT id, name, tenant_id FROM workspaces WHERE tenant_id = ?",
                (user["tenant_id"],),
            ).fetchall()
        as_id = str if "workspace-id-as-string" in faults else int
        return JSONResponse([{**dict(row), "id": as_id(row["id"])} for row in rows])

    def workspace_of(conn: sqlite3.Connection, request: Request, user: sqlite3.Row) -> int | None:
        workspace_id = int(request.path_params["workspace_id"])
        row = conn.execute(
            "SELECT id FROM workspaces WHERE id = ? AND tenant_id = ?",
            (workspace_id, user["tenant_id"]),
        ).fetchone()
        return workspace_id if row else None

    @authenticated
    async def leads(request: Request, user: sqlite3.Row) -> Response:
        body = await request.json() if request.method == "POST" else {}
        with database() as conn:
            workspace_id = workspace_of(conn, request, user)
            if workspace_id is None:
                return error(404, "no such workspace")
            if request.method == "GET":
                rows = conn.execute(
                    "SELECT id, workspace_id, name FROM leads WHERE workspace_id = ?",
                    (workspace_id,),
                ).fetchall()
                return JSONResponse([dict(row) for row in rows])
            name = str(body.get("name") or "")
            if not name:
                return error(422, "name is required")
            cursor = conn.execute(
                "INSERT INTO leads (workspace_id, name) VALUES (?, ?)", (workspace_id, name)
            )
        return JSONResponse(
            {"id": cursor.lastrowid, "workspace_id": workspace_id, "name": name},
            status_code=created,
        )

    @authenticated
    async def lead(request: Request, user: sqlite3.Row) -> Response:
        if delete_failures[0] > 0:
            delete_failures[0] -= 1
            return error(500, "lead store unavailable")
        with database() as conn:
            workspace_id = workspace_of(conn, request, user)
            cursor = conn.execute(
                "DELETE FROM leads WHERE id = ? AND workspace_id = ?",
                (int(request.path_params["lead_id"]), workspace_id),
            )
        return Response(status_code=204) if cursor.rowcount else error(404, "no such lead")

    @authenticated
    async def tenants(request: Request, user: sqlite3.Row) -> Response:
        if user["role"] != "platform-admin":
            return error(403, "platform administrators only")
        with database() as conn:
            return JSONResponse([dict(r) for r in conn.execute("SELECT * FROM tenants")])

    @authenticated
    async def mcp_servers(request: Request, user: sqlite3.Row) -> Response:
        with database() as conn:
            if request.method == "GET":
                rows = conn.execute(
                    "SELECT * FROM mcp_servers WHERE tenant_id = ?", (user["tenant_id"],)
                ).fetchall()
                return JSONResponse([dict(row) for row in rows])
            body = await request.json()
            name, url = str(body.get("name") or ""), str(body.get("url") or "")
            if not name or not url:
                return error(422, "name and url are required")
            # The tenant comes from the token; a tenant_id in the body is ignored.
            cursor = conn.execute(
                "INSERT INTO mcp_servers (tenant_id, name, url) VALUES (?, ?, ?)",
                (user["tenant_id"], name, url),
            )
        return JSONResponse(
            {"id": cursor.lastrowid, "tenant_id": user["tenant_id"], "name": name, "url": url},
            status_code=created,
            headers={"Location": f"/api/v1/mcp-servers/{cursor.lastrowid}"},
        )

    @authenticated
    async def mcp_server(request: Request, user: sqlite3.Row) -> Response:
        with database() as conn:
            cursor = conn.execute(
                "DELETE FROM mcp_servers WHERE id = ? AND tenant_id = ?",
                (int(request.path_params["server_id"]), user["tenant_id"]),
            )
        return Response(status_code=204) if cursor.rowcount else error(404, "no such MCP server")

    async def chat(websocket: WebSocket) -> None:
        """Authenticate (Authorization header, or a first ``{"type": "auth"}`` frame), then echo."""
        await websocket.accept()
        token = bearer(websocket.headers.get("authorization"))
        try:
            if token is None:
                first = await websocket.receive_json()
                token = first.get("token") if first.get("type") == "auth" else None
            user = user_for(token)
            if user is None:
                await websocket.send_json({"type": "error", "detail": "invalid token"})
                await websocket.close(code=4401, reason="invalid token")
                return
            await websocket.send_json({"type": "ready", "user": user["email"]})
            while True:
                message = await websocket.receive_json()
                if message.get("type") == "message":
                    await websocket.send_json({"type": "echo", "text": message.get("text")})
        except WebSocketDisconnect:
            return

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/ready", ready),
            Route("/version", version),
            Route("/openapi.json", openapi),
            Route("/api/v1/auth/login", login, methods=["POST"]),
            Route("/api/v1/workspaces", workspaces),
            Route("/api/v1/workspaces/{workspace_id:int}/leads", leads, methods=["GET", "POST"]),
            Route(
                "/api/v1/workspaces/{workspace_id:int}/leads/{lead_id:int}",
                lead,
                methods=["DELETE"],
            ),
            Route("/api/v1/platform/tenants", tenants),
            Route("/api/v1/mcp-servers", mcp_servers, methods=["GET", "POST"]),
            Route("/api/v1/mcp-servers/{server_id:int}", mcp_server, methods=["DELETE"]),
            WebSocketRoute("/ws/chat", chat),
        ]
    )
