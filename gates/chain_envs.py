"""The chain's environments: built once per set of requirements, shared by its nox sessions.

:func:`shared_environment` builds (under a lock, as sessions run side by side) the environment
a set of requirements needs, at most once; an install that fails raises :class:`InstallFailed`
naming the file of the installer's errors, which the gate's ERROR quotes
(:mod:`gates.setup_failure`). Imported in nox's process, like :mod:`gates.chain`.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, NoReturn, Protocol

from gates import envs

ENVS_DIR = "envs"
"""Under nox's cache folder (``.nox/.cache``): the shared environments, one per requirements."""
UNWRAPPED = {"COLUMNS": "1000"}
"""uv wraps its errors at the terminal's width (80 without one): one line each, for the ERROR."""


class Session(Protocol):
    """What the chain uses of ``nox.Session`` (tests drive the sessions with a recording fake)."""

    @property
    def posargs(self) -> list[str]: ...

    @property
    def bin(self) -> str: ...

    @property
    def cache_dir(self) -> Path: ...

    def run(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        success_codes: Iterable[int] | None = None,
        external: bool = False,
        stderr: IO[str] | None = None,
    ) -> object: ...

    def install(self, *args: str) -> None: ...

    def error(self, *args: object) -> NoReturn: ...

    def skip(self, *args: object) -> NoReturn: ...


class InstallFailed(Exception):
    """An environment did not install; ``errors``: the file holding the installer's stderr."""

    def __init__(self, errors: Path) -> None:
        super().__init__(f"an environment did not install (the installer's errors: {errors})")
        self.errors = errors


def _install_inputs(requirements: Sequence[str]) -> str:
    """The text of pyproject.toml and of every requirements file named with -r/-c: part of what
    is installed, so their edits count too."""
    named = [arg for flag, arg in itertools.pairwise(requirements) if flag in ("-r", "-c")]
    files = [Path(name) for name in ("pyproject.toml", *named)]
    return "\0".join(file.read_text(encoding="utf-8") if file.is_file() else "" for file in files)


def install_once(session: Session, *requirements: str) -> None:
    """Install into a session's own reused venv only when the requirements, pyproject.toml or a
    requirements file they name changed (``release`` and ``workflow`` keep venvs of their own:
    CI calls ``.nox/release``).

    Installing local projects re-builds them every time (seconds each, per session); the
    project is installed editable, so code edits need no re-install.
    """
    venv, digest = Path(session.bin).parent, envs.key(*requirements, _install_inputs(requirements))
    if not envs.is_ready(venv, digest):
        session.install(*requirements)
        envs.mark_ready(venv, digest)


def _nox_uv() -> str | None:
    """The uv nox itself uses (``nox[uv]``, or on PATH); None: venv and pip."""
    from nox.virtualenv import find_uv

    found, path, _version = find_uv()
    return path if found else None


def shared_environment(session: Session, requirements: Sequence[str]) -> Path:
    """The environment holding ``requirements``, built (or updated, when pyproject.toml changed)
    at most once however many sessions ask for it, side by side or one after the other."""
    # Absolute: the commands it runs pass its PATH on to tools working in other folders.
    root = session.cache_dir.absolute() / ENVS_DIR
    shared = envs.Shared(root, tuple(requirements), _install_inputs(requirements))
    with envs.locked(shared.lock):
        # As nox does for the venvs it makes: git never lists what is built here.
        (shared.root / ".gitignore").write_text("*\n", encoding="utf-8")
        if not envs.is_ready(shared.location, shared.digest):
            uv = _nox_uv()
            with _installer_errors(shared) as stderr:
                if not envs.python(shared.location).exists():
                    creating = envs.create_argv(shared.location, with_uv=uv)
                    session.run(*creating, env=UNWRAPPED, external=True, stderr=stderr)
                installing = envs.install_argv(shared.location, requirements, with_uv=uv)
                session.run(*installing, env=UNWRAPPED, external=True, stderr=stderr)
            envs.mark_ready(shared.location, shared.digest)
    return shared.location


@contextmanager
def _installer_errors(shared: envs.Shared) -> Iterator[IO[str]]:
    """A file of this install's own for the installer's stderr (a session failing on the same
    install later writes another): removed when the install works, named by
    :class:`InstallFailed` when it does not, for the gate's ERROR to quote."""
    from nox.command import CommandFailed

    handle, name = tempfile.mkstemp(
        prefix=f"{shared.location.name}-", suffix=".errors", dir=shared.root
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stderr:
            yield stderr
    except CommandFailed:
        raise InstallFailed(Path(name)) from None
    Path(name).unlink()
