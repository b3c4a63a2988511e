"""Shared fixtures: small real projects in tmp_path (git init), and the CLI called in-process."""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from gates.cli import main

CLEAN_MODULE = '''\
"""Demo package."""


def add(a: int, b: int) -> int:
    return a + b
'''


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


def init_repo(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    git(root, "config", "commit.gpgsign", "false")


@dataclass
class Project:
    """A fixture project: files on disk in a git repository."""

    root: Path
    capsys: pytest.CaptureFixture[str]

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def gates(self, *args: str) -> tuple[int, str, str]:
        """Run ``gates ARGS --root ROOT`` in-process: (exit code, stdout, stderr)."""
        self.capsys.readouterr()
        code = main([*args, "--root", str(self.root)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def gates_json(self, *args: str) -> tuple[int, dict[str, object]]:
        code, out, _err = self.gates(*args, "--json")
        return code, json.loads(out)

    def commit(self, message: str = "commit") -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", message)
        return git(self.root, "rev-parse", "HEAD")


def pyproject(gates_toml: str = "", *, name: str = "demo", version: str = "0.1.0") -> str:
    return (
        f'[project]\nname = "{name}"\nversion = "{version}"\nrequires-python = ">=3.11"\n\n'
        f"[tool.mypy]\nstrict = true\n\n" + textwrap.dedent(gates_toml)
    )


@pytest.fixture
def make_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Project]:
    """``make_project(files={...}, gates='[tool.gates] ...')`` → a clean git project."""

    def make(
        files: Mapping[str, str] | None = None, gates: str = "", git_init: bool = True
    ) -> Project:
        root = tmp_path / "project"
        root.mkdir()
        project = Project(root, capsys)
        project.write("pyproject.toml", pyproject(gates))
        project.write(".gitignore", ".gates/\n")
        for relative, text in (files or {"demo/__init__.py": CLEAN_MODULE}).items():
            project.write(relative, text)
        if git_init:
            init_repo(root)
        return project

    return make
