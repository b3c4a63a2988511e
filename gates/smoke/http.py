"""HTTP steps: send one request (redirects followed by hand), then check what came back.

Redirects are followed here rather than by httpx so that nothing that authenticates — the
``Authorization`` and ``Cookie`` headers, or any header carrying a secret — is sent to another
origin than the one the plan named.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from gates.redact import Redactor
from gates.smoke.plan import Auth, Capture, HttpExpect, Request
from gates.smoke.templating import render, render_value

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


@dataclass(frozen=True)
class Sent:
    """What was sent, after placeholders were filled."""

    method: str
    url: str
    path: str
    """The path and query as written in the report."""


@dataclass
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes
    ms: float
    url: str

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (parsed once)."""
        return self._document

    @cached_property
    def _document(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python parses
            return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def describe(exc: BaseException) -> str:
    """An error in one line: its type, and its message when it has one."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def auth_header(auth: Auth, values: Mapping[str, str], redactor: Redactor) -> str:
    if auth.bearer is not None:
        return f"Bearer {render(auth.bearer, values)}"
    assert auth.basic is not None
    user, password = (render(part, values) for part in auth.basic)
    if password in redactor:
        redactor.add_basic(user, password)  # the token would otherwise show it if echoed
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def build(
    request: Request, values: Mapping[str, str], base_url: str, redactor: Redactor
) -> tuple[Sent, dict[str, Any]]:
    """The request's URL and httpx keyword arguments, placeholders filled."""
    path = render(request.path, values)
    url = path if path.startswith(("http://", "https://")) else base_url + path
    headers = {name: render(value, values) for name, value in request.headers.items()}
    if request.auth is not None:
        headers["Authorization"] = auth_header(request.auth, values, redactor)
    kwargs: dict[str, Any] = {"headers": headers}
    if request.query:
        kwargs["params"] = {name: render(value, values) for name, value in request.query.items()}
    if request.has_json:
        kwargs["json"] = render_value(request.json, values)
    elif request.form is not None:
        kwargs["data"] = {name: render(value, values) for name, value in request.form.items()}
    elif request.body is not None:
        kwargs["content"] = render(request.body, values).encode()
    return Sent(method=request.method, url=url, path=path), kwargs


async def send(
    client: httpx.AsyncClient,
    request: Request,
    sent: Sent,
    kwargs: dict[str, Any],
    redactor: Redactor,
) -> Answer:
    """Send, following redirects without leaking credentials across origins.

    Raises ``httpx.HTTPError`` when no answer came (connection refused, timeout ...).
    """
    method, url = sent.method, sent.url
    start = origin(url)
    headers: dict[str, str] = dict(kwargs.pop("headers"))
    timeout = httpx.Timeout(request.timeout_s)
    clock = time.perf_counter()
    for _ in range(MAX_REDIRECTS + 1):
        response = await client.request(method, url, headers=headers, timeout=timeout, **kwargs)
        location = response.headers.get("location")
        if response.status_code not in REDIRECTS or location is None:
            return Answer(
                status=response.status_code,
                headers=response.headers,
                body=response.content,
                ms=(time.perf_counter() - clock) * 1000,
                url=url,
            )
        url = urljoin(url, location)
        kwargs.pop("params", None)  # the Location carries its own query
        if response.status_code == 303 or (
            response.status_code in (301, 302) and method not in ("GET", "HEAD")
        ):
            method, kwargs = "GET", {}
        if origin(url) != start:
            if _carries_secret(kwargs, redactor):
                raise httpx.RequestError(
                    f"redirect to {urlsplit(url).netloc} refused: the request body carries a "
                    "secret",
                    request=response.request,
                )
            headers = {
                name: value
                for name, value in headers.items()
                if name.lower() not in _CREDENTIAL_HEADERS and value not in redactor
            }
    raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects", request=response.request)


def _carries_secret(kwargs: Mapping[str, Any], redactor: Redactor) -> bool:
    """Whether the body about to be re-sent (json, form data or raw content) holds a secret."""
    if "json" in kwargs:
        return json.dumps(kwargs["json"]) in redactor
    if "data" in kwargs:
        return any(value in redactor for value in kwargs["data"].values())
    if "content" in kwargs:
        return kwargs["content"].decode("utf-8", errors="replace") in redactor
    return False


def check(expect: HttpExpect, answer: Answer, values: Mapping[str, str]) -> list[str]:
    """Every way the answer misses the expectation (empty when it meets it)."""
    failures = []
    if answer.status not in expect.statuses:
        failures.append(f"status {answer.status}, expected {expected_status(expect)}")
    if expect.json:
        document = answer.json()
        if document is None:
            failures.append("body is not JSON")
        else:
            failures += [f for a in expect.json if (f := a.failure(document, values)) is not None]
    for name, pattern in expect.headers.items():
        value = answer.headers.get(name)
        if value is None or not pattern.search(value):
            failures.append(f"header {name}: expected to match {pattern.pattern!r}, got {value!r}")
    if expect.body is not None and not expect.body.search(answer.text):
        failures.append(f"body does not match {expect.body.pattern!r}")
    if expect.max_ms is not None and answer.ms > expect.max_ms:
        failures.append(f"took {answer.ms:.0f} ms, max {expect.max_ms:g} ms")
    return failures


def expected_status(expect: HttpExpect) -> str:
    return "|".join(str(s) for s in expect.statuses)


def capture(captures: tuple[Capture, ...], answer: Answer) -> tuple[dict[str, str], list[str]]:
    """Captured values by name, and what could not be captured."""
    found: dict[str, str] = {}
    missing = []
    document = answer.json() if any(c.json is not None for c in captures) else None
    for item in captures:
        value: Any
        if item.json is not None:
            value = item.json.search(document) if document is not None else None
            source = f"json {item.json.expression!r}"
        else:
            value = answer.headers.get(item.header or "")
            source = f"header {item.header}"
        if value is None or isinstance(value, list | dict):
            missing.append(f"capture {item.name}: {source} not found")
            continue
        found[item.name] = value if isinstance(value, str) else json.dumps(value)
    return found, missing
