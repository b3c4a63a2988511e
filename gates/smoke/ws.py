"""WebSocket steps: N concurrent connections, each sends its frames and awaits its expected ones."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from gates.redact import Redactor
from gates.smoke.http import auth_header
from gates.smoke.plan import CONNECTION, WebSocketStep
from gates.smoke.templating import render, render_value


def url_for(step: WebSocketStep, values: Mapping[str, str], base_url: str) -> str:
    url = render(step.url, values)
    if url.startswith(("ws://", "wss://")):
        return url
    return "ws" + base_url.removeprefix("http") + url


async def _expect(
    conn: ClientConnection, step: WebSocketStep, values: Mapping[str, str]
) -> list[str]:
    """Await each expected frame in turn, skipping others; consecutive expectations may be met
    by the same frame (``type`` is echo, then ``text`` is ping)."""
    message: Any = None
    received = False
    for assertion in step.messages:
        while not received or assertion.failure(message, values) is not None:
            try:
                frame = await conn.recv()
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else "none"
                reason = exc.rcvd.reason if exc.rcvd else ""
                return [f"closed by server (code {code} {reason}) while awaiting {assertion.path}"]
            try:
                message = json.loads(frame)
            except (ValueError, RecursionError):  # nested deeper than Python parses: not JSON
                message = frame
            received = True
    return []


async def _one(
    step: WebSocketStep,
    url: str,
    headers: dict[str, str],
    frames: list[str],
    values: Mapping[str, str],
) -> list[str]:
    async with connect(url, additional_headers=headers, open_timeout=step.timeout_s) as conn:
        try:
            for frame in frames:
                await conn.send(frame)
        except ConnectionClosed:
            pass  # refused early: what it said is in the frames and close reason read below
        return await _expect(conn, step, values)


async def run(
    step: WebSocketStep, values: Mapping[str, str], base_url: str, redactor: Redactor
) -> tuple[str, float, list[str]]:
    """(URL, slowest connection in ms, failures) for all of the step's connections."""
    url = url_for(step, values, base_url)
    headers = {name: render(value, values) for name, value in step.headers.items()}
    if step.auth is not None:
        headers["Authorization"] = auth_header(step.auth, values, redactor)

    async def attempt(number: int) -> tuple[float, list[str]]:
        clock = time.perf_counter()
        label = f"connection {number}" if step.connections > 1 else "connection"
        mine = {**values, CONNECTION: str(number)}
        frames = [
            frame if isinstance(frame, str) else json.dumps(frame)
            for frame in (render_value(message, mine) for message in step.send)
        ]
        try:
            async with asyncio.timeout(step.timeout_s):
                failures = [f"{label}: {f}" for f in await _one(step, url, headers, frames, mine)]
        except TimeoutError:
            failures = [f"{label}: expected message not received within {step.timeout_s:g}s"]
        except InvalidStatus as exc:
            failures = [f"{label}: refused with HTTP {exc.response.status_code}"]
        except WebSocketException as exc:
            failures = [f"{label}: {type(exc).__name__}: {exc}"]
        except OSError as exc:
            failures = [f"{label}: cannot connect: {exc.strerror or exc}"]
        return (time.perf_counter() - clock) * 1000, failures

    outcomes = await asyncio.gather(*(attempt(n + 1) for n in range(step.connections)))
    slowest = max(ms for ms, _ in outcomes)
    return url, slowest, [failure for _, failures in outcomes for failure in failures]
