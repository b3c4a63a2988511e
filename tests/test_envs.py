"""Environments keyed by what they hold: key, ready stamp, lock, the commands (real uv, pip)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from wheel_support import make_wheel

from gates import envs


def test_the_folder_follows_the_requirements_and_the_stamp_also_pyproject(tmp_path: Path) -> None:
    base = envs.Shared(tmp_path, ("-e", ".", "release-gates[tools]"), "version = 1")
    edited = envs.Shared(tmp_path, base.requirements, "version = 2")
    other = envs.Shared(tmp_path, ("release-gates[tools]",), base.inputs)
    assert edited.location == base.location != other.location
    assert edited.digest != base.digest
    assert base.location.parent == tmp_path
    assert base.lock == tmp_path / f"{base.location.name}.lock"


def test_an_environment_is_ready_only_with_its_python_and_the_same_stamp(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert not envs.is_ready(venv, "a")
    subprocess.run(envs.create_argv(venv, with_uv=envs.uv()), check=True)
    assert not envs.is_ready(venv, "a")
    envs.mark_ready(venv, "a")
    assert envs.is_ready(venv, "a")
    assert not envs.is_ready(venv, "b")
    envs.python(venv).unlink()
    assert not envs.is_ready(venv, "a")


@pytest.mark.parametrize("with_uv", [True, False], ids=["uv", "venv+pip"])
def test_create_and_install_make_a_working_environment(tmp_path: Path, with_uv: bool) -> None:
    uv = envs.uv() if with_uv else None
    if with_uv and uv is None:
        pytest.fail("uv comes with release-gates[tools]: it must be on PATH here")
    venv = tmp_path / "venv"
    subprocess.run(envs.create_argv(venv, with_uv=uv), check=True)
    wheel = make_wheel(tmp_path / "dist")
    argv = envs.install_argv(venv, [str(wheel)], with_uv=uv)
    subprocess.run([*argv, "--no-index"], check=True)
    imported = subprocess.run(
        [envs.python(venv), "-c", "import tiny; print(tiny.VALUE)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout == "1\n"


HOLDER = """
import sys, time
from pathlib import Path
from gates import envs
with envs.locked(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(0.5)
    Path(sys.argv[2]).write_text("done")
"""


def test_the_lock_waits_for_another_process_holding_it(tmp_path: Path) -> None:
    lock, done = tmp_path / "sub" / "env.lock", tmp_path / "done"
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock), str(done)], stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with envs.locked(lock):
            # Only after the other process let go: it wrote its file before releasing.
            assert done.read_text() == "done"
    assert holder.returncode == 0


def test_uv_is_found_as_an_absolute_path_from_a_relative_path_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package gate runs uv from scratch folders: `.nox/.../bin` on PATH must still work."""
    where = tmp_path / "env" / "bin"
    where.mkdir(parents=True)
    (where / "uv").write_text("#!/bin/sh\n")
    (where / "uv").chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "env/bin")
    assert envs.uv() == str(where / "uv")
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert envs.uv() is None
