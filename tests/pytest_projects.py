"""Fixture projects whose suites ``gates tests`` really runs: build, run gates, read results.

Unlike the ``make_project`` fixture these work in module-scoped fixtures too, so that one
expensive pytest-under-coverage run can serve several tests.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import git, init_repo, pyproject

from gates.cli import main

CALC = """\
def add(a, b):
    return a + b


def sign(x):
    if x < 0:
        return -1
    return 1
"""
"""``pkg/calc.py`` of the fixture projects: two functions, one branch."""


@dataclass(frozen=True)
class Run:
    """One ``gates`` command: exit code and captured output."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.out)
        return data


def build(root: Path, files: Mapping[str, str], gates_toml: str) -> Path:
    """A git project (one commit on ``main``) with ``files`` and ``gates_toml`` in pyproject."""
    root.mkdir(parents=True)
    for relative, text in {
        "pyproject.toml": pyproject(gates_toml),
        ".gitignore": ".gates/\n",
        **files,
    }.items():
        write(root, relative, text)
    init_repo(root)
    commit(root, "base")
    return root


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def gates(root: Path, command: str, *args: str) -> Run:
    """``gates COMMAND --root ROOT ARGS`` in-process with its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([command, "--root", str(root), *args])
    return Run(code, out.getvalue(), err.getvalue())


def recorded(root: Path, gate: str) -> dict[str, object]:
    """The result ``gate`` recorded in ``root/.gates/results``."""
    data: dict[str, object] = json.loads((root / f".gates/results/{gate}.json").read_text())
    return data


@contextlib.contextmanager
def without_plugin_autoload() -> Iterator[None]:
    """The fixture projects need no pytest plugins: loading every one installed here would only
    slow down each inner run (conftest.py does the same for each test; this is for the
    module-scoped fixtures set up before it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        yield
