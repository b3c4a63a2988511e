"""The upload repository: what its simple index already has (by content), and the upload itself.

Reading is plain HTTP (PEP 503 pages, sha256 fragments like PyPI's); uploading is twine, whose
errors come back as one line with every secret redacted.
"""

from __future__ import annotations

import base64
import hashlib
import html.parser
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from packaging.utils import canonicalize_name

from gates import tools
from gates.config import PYPI_UPLOAD_URL
from gates.redact import Redactor
from gates.release.errors import ReleaseError

PYPI_UPLOAD_HOST = urllib.parse.urlsplit(PYPI_UPLOAD_URL).hostname
INDEX_TIMEOUT_S = 60.0


REPOSITORY_URL = "the repository URL"
"""How the upload URL is named in errors about it (a short password in it, say)."""


def upload_redactor(repository_url: str) -> Redactor:
    """The upload password (``TWINE_PASSWORD`` or the URL's) in every spelling, and the Basic
    token sent with it (an index may echo it)."""
    redact = Redactor()
    user, password = os.environ.get("TWINE_USERNAME"), os.environ.get("TWINE_PASSWORD")
    if password is not None:
        redact.add(password, "TWINE_PASSWORD")
        redact.add_basic(user or "", password)
    redact.add_url(repository_url, REPOSITORY_URL)
    return redact


def uploads_to_pypi(repository_url: str) -> bool:
    """The URL names PyPI's upload host, however spelled (case, a trailing dot: one FQDN)."""
    host = urllib.parse.urlsplit(repository_url).hostname or ""
    return host.rstrip(".") == PYPI_UPLOAD_HOST


def index_url(repository_url: str, configured: str | None) -> str:
    """The simple index that shows what the upload repository already has."""
    if configured:
        return configured.rstrip("/") + "/"
    parts = urllib.parse.urlsplit(repository_url)
    if uploads_to_pypi(repository_url):
        return "https://pypi.org/simple/"
    path = parts.path.rstrip("/").removesuffix("/legacy")
    return urllib.parse.urlunsplit(parts._replace(path=f"{path}/simple/", query="", fragment=""))


class _Links(html.parser.HTMLParser):
    """File name → (link, sha256 or None) from a PEP 503 simple index page."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, tuple[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if not href:
            return
        url, _, fragment = href.partition("#")
        name = urllib.parse.unquote(url.rstrip("/").rsplit("/", 1)[-1])
        algorithm, _, digest = fragment.partition("=")
        self.files[name] = (url, digest.lower() if algorithm == "sha256" and digest else None)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect means "not hosted here" (pypiserver falls back to pypi.org for unknown
    # projects): another index's file of the same name says nothing about this one.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def credentials(repository_url: str, index: str) -> tuple[str, str] | None:
    """The upload credentials, for reading an index on the same host only (a private one)."""
    parts = urllib.parse.urlsplit(repository_url)
    if parts.hostname != urllib.parse.urlsplit(index).hostname:
        return None
    if parts.username and parts.password:
        return urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password)
    user, password = os.environ.get("TWINE_USERNAME"), os.environ.get("TWINE_PASSWORD")
    return (user, password) if user and password else None


class Index:
    """The simple index of the upload repository: which files it already has, by content."""

    def __init__(self, url: str, credentials: tuple[str, str] | None, redact: Redactor) -> None:
        self.url = url
        self._credentials = credentials
        self._redact = redact
        self._opener = urllib.request.build_opener(_NoRedirect)

    def _get(self, url: str) -> bytes | None:
        """The body at ``url``; None when the index does not have it (404 or a redirect)."""
        request = urllib.request.Request(url)
        if self._credentials is not None:
            token = base64.b64encode(":".join(self._credentials).encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        shown = self._redact.url(url, "the index URL")
        try:
            with self._opener.open(request, timeout=INDEX_TIMEOUT_S) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as exc:
            if exc.code == 404 or 300 <= exc.code < 400:
                return None
            raise ReleaseError(f"cannot read the index {shown}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = self._redact.text(str(getattr(exc, "reason", exc)))
            raise ReleaseError(f"cannot read the index {shown}: {reason}") from None

    def files(self, project: str) -> dict[str, str]:
        """File name → sha256 of what the index has for ``project``.

        A link without a sha256 fragment is downloaded and hashed: identity is by content.
        """
        page_url = f"{self.url}{canonicalize_name(project)}/"
        body = self._get(page_url)
        if body is None:
            return {}
        links = _Links()
        links.feed(body.decode("utf-8", errors="replace"))
        found = {}
        for name, (href, digest) in links.files.items():
            if digest is None:
                content = self._get(urllib.parse.urljoin(page_url, href))
                if content is None:
                    continue
                digest = hashlib.sha256(content).hexdigest()
            found[name] = digest
        return found


def upload(
    path: Path, repository_url: str, *, cwd: Path, timeout_s: float, redact: Redactor
) -> None:
    """``twine upload`` one file; a failure is one line naming the file, secrets redacted."""
    run = tools.run(
        [
            sys.executable,
            "-m",
            "twine",
            "--no-color",
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository-url",
            repository_url,
            str(path),
        ],
        cwd=cwd,
        timeout_s=timeout_s,
        env={"COLUMNS": "1000"},
    )
    if run.returncode != 0:
        lines = run.tail().splitlines()
        # twine's "ERROR    HTTPError: 403 Forbidden from URL" says most; else the end.
        error = next((x for x in lines if x.startswith("ERROR")), lines[-1] if lines else "")
        reason = redact.text(error.removeprefix("ERROR").strip() or f"exit {run.returncode}")
        raise ReleaseError(f"upload of {path.name} failed: {reason}")
