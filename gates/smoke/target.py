"""Before the steps: the target is up (``wait_for``, or its port opens), runs the expected
version (``expect_version``) and still matches its OpenAPI document.

A target that never gets ready is :class:`~gates.errors.TargetDownError` (exit 3); each check
that passed is a row of the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from gates.errors import TargetDownError
from gates.smoke.evidence import Check, Outcome
from gates.smoke.http import describe
from gates.smoke.plan import HttpStep, Plan

if TYPE_CHECKING:
    from gates.smoke.openapi import OpenApi

PROBE_TIMEOUT_S = 5.0
"""Connect timeout of the one probe of a plan without ``wait_for`` (``--start`` polls 30 s)."""


async def ready(client: httpx.AsyncClient, plan: Plan, poll_s: float) -> Check | None:
    """Poll ``wait_for`` until it answers; without one, wait for the port to open."""
    if plan.wait_for is None:
        await _probe(plan.base_url, poll_s)
        return None
    wait = plan.wait_for
    url = plan.base_url + wait.path
    last = "no answer"
    clock = time.perf_counter()
    deadline = clock + wait.timeout_s
    while True:
        try:
            response = await client.get(url, timeout=max(wait.interval_s, 1.0))
            if response.status_code == wait.status:
                ms = (time.perf_counter() - clock) * 1000
                status = str(wait.status)
                return Check(
                    "wait for ready",
                    "wait_for",
                    "GET",
                    wait.path,
                    status,
                    status,
                    ms,
                    Outcome.PASSED,
                )
            last = f"status {response.status_code}"
        except httpx.HTTPError as exc:
            last = describe(exc)
        if time.perf_counter() >= deadline:
            raise TargetDownError(
                f"{plan.base_url}: not ready after {wait.timeout_s:g}s: "
                f"GET {wait.path} gave {last}, expected {wait.status}"
            )
        await asyncio.sleep(wait.interval_s)


async def _probe(base_url: str, poll_s: float) -> None:
    """The target's port accepts connections (nothing is sent); retried for ``poll_s``."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    deadline = time.perf_counter() + poll_s
    while True:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                _, writer = await asyncio.open_connection(parts.hostname, port)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return
        except (OSError, TimeoutError) as exc:
            if time.perf_counter() >= deadline:
                reason = (
                    os.strerror(exc.errno)
                    if isinstance(exc, OSError) and exc.errno
                    else f"no connection within {PROBE_TIMEOUT_S:g}s"
                )
                raise TargetDownError(f"{base_url}: unreachable ({reason})") from None
            await asyncio.sleep(0.2)


async def expected_version(client: httpx.AsyncClient, plan: Plan) -> Check | None:
    """Poll until the deployed version is the expected one: never smoke the previous deploy."""
    expect = plan.expect_version
    if expect is None:
        return None
    clock = time.perf_counter()
    deadline = clock + expect.timeout_s
    seen: Any = None
    while True:
        try:
            response = await client.get(plan.base_url + expect.path, timeout=10.0)
            seen = expect.json.search(response.json())
        # RecursionError: JSON nested deeper than Python parses is no JSON either.
        except (httpx.HTTPError, ValueError, RecursionError) as exc:
            seen = f"<{describe(exc)}>" if isinstance(exc, httpx.HTTPError) else "<not JSON>"
        if seen == expect.equals:
            ms = (time.perf_counter() - clock) * 1000
            return Check(
                "deployed version",
                "expect_version",
                "GET",
                expect.path,
                expect.equals,
                str(seen),
                ms,
                Outcome.PASSED,
            )
        if time.perf_counter() >= deadline:
            raise TargetDownError(
                f"{plan.base_url}: {expect.path} {expect.json_source} is {seen!r} after "
                f"{expect.timeout_s:g}s, expected {expect.equals!r} (previous deploy?)"
            )
        await asyncio.sleep(expect.interval_s)


async def openapi_schema(
    client: httpx.AsyncClient, plan: Plan
) -> tuple[Check | None, OpenApi | None]:
    """The drift check of the plan against the target's OpenAPI document, and the document
    (to validate responses with) when it could be read."""
    path = plan.openapi
    if path is None:
        return None, None
    from gates.smoke import openapi  # jsonschema is slow to import: only for plans using it

    clock = time.perf_counter()
    failures: list[str] = []
    schema = None
    try:
        response = await client.get(plan.base_url + path, timeout=10.0)
        document = response.json()
        if response.status_code != 200 or not isinstance(document, dict):
            failures.append(f"status {response.status_code}, expected a JSON document")
        else:
            schema = openapi.OpenApi(document)
            failures += schema.drift(tuple(s for s in plan.steps if isinstance(s, HttpStep)))
    except (httpx.HTTPError, ValueError, RecursionError) as exc:
        failures.append(f"cannot fetch the schema: {describe(exc)}")
    ms = (time.perf_counter() - clock) * 1000
    check = Check(
        "OpenAPI schema verified",
        "openapi",
        "GET",
        path,
        "plan matches schema",
        "drift" if failures else "ok",
        ms,
        Outcome.FAILED if failures else Outcome.PASSED,
        tuple(failures),
    )
    return check, schema
