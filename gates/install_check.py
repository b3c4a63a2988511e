"""The package gate's install check: the wheel into a venv of its own, then its smoke command.

The venv holds nothing but the wheel and what it requires, so the smoke proves the wheel works
without the source tree. Its dependencies rarely change between runs while the wheel does: the
venv is kept under ``.gates/cache/install/``, keyed by the wheel's name, its ``Requires-Dist``
and the interpreter, and each run re-installs only the project into it. A failed install drops
the venv; the next run starts from an empty one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gates import envs, tools
from gates.dist import DistFile
from gates.errors import ToolError
from gates.tools import ToolRun

CACHE = Path("cache") / "install"
"""Under ``.gates/``: the install venvs, one per set of requirements."""


@dataclass(frozen=True)
class InstallCheck:
    install: ToolRun
    smoke: ToolRun | None
    """None when the install failed or there is nothing to smoke."""


def _reinstall(uv: str | None, project: str) -> list[str]:
    """Install the wheel again over the same version, its dependencies already in place."""
    return ["--reinstall-package", project] if uv else ["--force-reinstall", "--no-deps"]


def _create(venv: Path, uv: str | None, timeout_s: float) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    argv = envs.create_argv(venv, with_uv=uv)
    made = tools.run(argv, cwd=venv.parent, timeout_s=timeout_s)
    if made.returncode != 0:
        raise ToolError(f"cannot create a venv with {argv[0]}: {made.tail(1) or 'no output'}")


def _smoke(venv: Path, argv: tuple[str, ...], cwd: Path, timeout_s: float) -> ToolRun:
    # Run from an empty folder with the venv first on PATH: the import must come from the wheel,
    # never from the source tree.
    where = envs.bin_dir(venv)
    local = where / argv[0]
    program = str(local) if local.exists() else argv[0]
    env = {
        "PATH": os.pathsep.join([str(where), os.environ.get("PATH", "")]),
        "VIRTUAL_ENV": str(venv),
        "PYTHONPATH": "",
    }
    return tools.run([program, *argv[1:]], cwd=cwd, timeout_s=timeout_s, env=env)


def check(
    gates_dir: Path, wheel: Path, file: DistFile, smoke: tuple[str, ...], timeout_s: float
) -> InstallCheck:
    """Install ``wheel`` into its cached venv and run ``smoke`` (if any) there."""
    uv = envs.uv()
    digest = envs.key(file.project or "", *sorted(file.requires), *envs.interpreter(), uv or "")
    venv = gates_dir / CACHE / digest[:16]
    with envs.locked(venv.with_name(venv.name + ".lock")):
        argv = envs.install_argv(venv, [str(wheel)], with_uv=uv)
        if file.project is not None and envs.is_ready(venv, digest):
            argv += _reinstall(uv, file.project)
        else:
            _create(venv, uv, timeout_s)
        with tempfile.TemporaryDirectory(prefix="gates-package-") as work:
            install = tools.run(argv, cwd=Path(work), timeout_s=timeout_s)
            if install.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                return InstallCheck(install, None)
            envs.mark_ready(venv, digest)
            ran = _smoke(venv, smoke, Path(work), timeout_s) if smoke else None
    return InstallCheck(install, ran)
