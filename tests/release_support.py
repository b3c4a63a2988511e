"""A small real project for the package gate and release tests (hatchling, git, a bare remote),
and a real pypiserver with upload auth on 127.0.0.1 for the release tests."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gates import config
from gates.cli import main
from gates.ledger import RecordKind, open_ledger
from gates.model import Decision

NAME = "gates-demo"
MODULE = "gates_demo"

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
# The version is bumped by 'gates release prepare'; this comment must survive it.
name = "{name}"
version = "0.1.0"
description = "A fixture project for release-gates"
readme = "README.md"
requires-python = ">=3.11"

[tool.hatch.build.targets.wheel]
packages = ["src/gates_demo"]

[tool.gates]
required = ["package"]
{extra}"""

CHANGELOG = """\
# Changelog

## [Unreleased]

### Added
- The demo greeting.

## [0.1.0] - 2026-01-01

### Added
- First release.
"""


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def make_project(
    root: Path, *, name: str = NAME, extra: str = "", remote: Path | None = None
) -> Path:
    """A committed demo project at ``root`` (tag v0.1.0), pushed to a bare ``remote`` if given."""
    package = root / "src" / MODULE
    package.mkdir(parents=True)
    text = PYPROJECT.replace("{name}", name).replace("{extra}", textwrap.dedent(extra))
    (root / "pyproject.toml").write_text(text)
    (root / "README.md").write_text("# gates-demo\n\nSays hello.\n")
    (root / "CHANGELOG.md").write_text(CHANGELOG)
    (package / "__init__.py").write_text(
        '"""The demo."""\n\n__version__ = "0.1.0"\n\n\ndef hello() -> str:\n    return "hello"\n'
    )
    git(root, "init", "--quiet", "--initial-branch", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "Initial")
    git(root, "tag", "-a", "v0.1.0", "-m", "Release 0.1.0")
    if remote is not None:
        git(remote.parent, "init", "--quiet", "--bare", str(remote))
        git(root, "remote", "add", "origin", str(remote))
        git(root, "push", "--quiet", "origin", "main", "v0.1.0")
    return root


# The index ------------------------------------------------------------------------------------

USER = "uploader"


@dataclass
class IndexServer:
    """A running pypiserver: uploads need USER/password, reads are open."""

    url: str
    password: str
    packages: Path

    def files(self, prefix: str) -> list[str]:
        return sorted(p.name for p in self.packages.iterdir() if p.name.startswith(prefix))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextlib.contextmanager
def running_index(base: Path, password: str, *, hash_algo: str = "sha256") -> Iterator[IndexServer]:
    """A pypiserver on 127.0.0.1 whose uploads need USER/``password``; ``hash_algo="off"``:
    links without a hash fragment."""
    with warnings.catch_warnings():  # passlib imports the deprecated crypt module
        warnings.simplefilter("ignore", DeprecationWarning)
        from passlib.apache import HtpasswdFile
    htpasswd = HtpasswdFile(str(base / "htpasswd"), new=True)
    htpasswd.set_password(USER, password)
    htpasswd.save()
    packages = base / "packages"
    packages.mkdir()
    port = _free_port()
    # --disable-fallback: never redirect to pypi.org; by default sha256 links like PyPI's.
    argv = [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port)]
    argv += ["-a", "update", "-P", str(base / "htpasswd"), "--disable-fallback"]
    argv += ["--hash-algo", hash_algo, str(packages)]
    with (base / "server.log").open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_up(url + "simple/", process)
        yield IndexServer(url, password, packages)
    finally:
        process.terminate()
        process.wait(timeout=10)


def new_password() -> str:
    return "pw-" + secrets.token_urlsafe(18)


def twine_environment(server: IndexServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Upload credentials for ``server``, as twine reads them, set for the test."""
    env = {"TWINE_USERNAME": USER, "TWINE_PASSWORD": server.password}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


# The commands -----------------------------------------------------------------------------------


def gates_cli(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*args, "--root", str(root)])
    out, err = capsys.readouterr()
    return code, out, err


def decide(root: Path, *args: str) -> Decision:
    """``gates decide`` (which appends the decision to the ledger)."""
    assert main(["decide", "--root", str(root), *args]) in (0, 1)
    written = json.loads((root / ".gates" / "decision.json").read_text())
    return Decision.from_dict(written, "decision")


def gate(root: Path, *decide_args: str) -> Decision:
    """The package gate, then the decision (``required = ["package"]`` in the fixture)."""
    assert main(["package", "--root", str(root)]) == 0
    return decide(root, *decide_args)


FAST_BUILD = "\n[tool.gates.package]\nisolation = false\n"
"""The release tests build for real but skip the isolated build env (tests/test_package.py
covers it): hatchling comes from the test environment."""


def prepared_project(base: Path, name: str, extra: str = "") -> Path:
    root = make_project(
        base / name, name=name, extra=FAST_BUILD + extra, remote=base / f"{name}-remote.git"
    )
    assert main(["release", "prepare", "0.2.0", "--commit", "--root", str(root)]) == 0
    return root


def ledger_steps(root: Path) -> list[dict[str, object]]:
    with open_ledger(config.load(root)) as ledger:
        return [dict(r.payload) for r in ledger.records(RecordKind.RELEASE_STEP)]


def secret_count(password: str, texts: list[str], folders: list[Path]) -> int:
    count = sum(text.count(password) for text in texts)
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                count += path.read_bytes().count(password.encode())
    return count
