"""Virtual environments built once per set of requirements.

Two users: the chain's nox sessions, which install the same requirements (nox gives each session
a venv of its own, so each would build the same one), and the package gate, whose wheel is
installed into a clean venv on every run although its dependencies rarely change. Both key an
environment by what is installed into it and the interpreter, and a lock serializes building it:
under ``nox --parallel`` several sessions ask for the same environment at once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

READY = ".gates-ready"
"""Written last into a built environment: its key. Missing or different: (re)install."""


def uv() -> str | None:
    """The ``uv`` on PATH (a nox session puts its environment's own first), else None.

    Absolute: the package gate runs it from scratch folders, where a relative PATH entry
    (``.nox/...``) would name nothing."""
    found = shutil.which("uv")
    return os.path.abspath(found) if found else None


def bin_dir(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def python(venv: Path) -> Path:
    return bin_dir(venv) / ("python.exe" if os.name == "nt" else "python")


def key(*parts: str) -> str:
    """A digest of what an environment holds: requirements, interpreter, anything else."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def interpreter() -> tuple[str, str]:
    """This interpreter, as part of a key: a venv is only valid for the one it was made from."""
    return sys.executable, sys.version


def create_argv(venv: Path, *, with_uv: str | None) -> list[str]:
    if with_uv:
        return [with_uv, "venv", "--quiet", "--python", sys.executable, str(venv)]
    return [sys.executable, "-m", "venv", str(venv)]


def install_argv(venv: Path, requirements: Sequence[str], *, with_uv: str | None) -> list[str]:
    if with_uv:
        return [with_uv, "pip", "install", "--quiet", "--python", str(python(venv)), *requirements]
    return [str(python(venv)), "-m", "pip", "install", "--quiet", *requirements]


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created): released when the process ends, too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        if sys.platform == "win32":
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
        else:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def is_ready(venv: Path, digest: str) -> bool:
    stamp = venv / READY
    return python(venv).exists() and stamp.is_file() and stamp.read_text("utf-8") == digest


def mark_ready(venv: Path, digest: str) -> None:
    (venv / READY).write_text(digest, encoding="utf-8")


@dataclass(frozen=True)
class Shared:
    """Where an environment for ``requirements`` lives under ``root``, and when it is current.

    The folder is keyed by the requirements and the interpreter; ``inputs`` (the text of
    pyproject.toml for a local project) only decide whether to install again into it, so an
    edited pyproject.toml updates the environment instead of leaving a stale one behind.
    """

    root: Path
    requirements: tuple[str, ...]
    inputs: str = ""

    @property
    def location(self) -> Path:
        return self.root / key(*self.requirements, *interpreter())[:16]

    @property
    def digest(self) -> str:
        return key(*self.requirements, *interpreter(), self.inputs)

    @property
    def lock(self) -> Path:
        return self.location.with_name(self.location.name + ".lock")
