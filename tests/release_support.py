"""A small real project for the package gate and release tests: hatchling, git, a bare remote."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

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
