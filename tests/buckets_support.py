"""Fixture projects for the buckets tests: real git repositories, real pytest runs, real JUnit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from gates.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]

PYPROJECT = """\
[project]
name = "fixture"
version = "1.0.0"

[tool.gates]
required = ["buckets"]
"""
"""A project that requires the buckets gate alone (also the ledger-memory tests' projects)."""


def make_project(root: Path, files: dict[str, str], gates_toml: str = "") -> Path:
    """A git repository with ``files`` and ``[tool.gates]`` extended by ``gates_toml``."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text(".gates/\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(PYPROJECT + textwrap.dedent(gates_toml), encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def set_gates_toml(root: Path, gates_toml: str) -> None:
    (root / "pyproject.toml").write_text(PYPROJECT + textwrap.dedent(gates_toml), encoding="utf-8")


def run_pytest(
    root: Path,
    junit: Path,
    *args: str,
    family: str = "xunit1",
    env: dict[str, str] | None = None,
    bind: bool = True,
) -> int:
    """Run real pytest in ``root`` writing ``junit``; with ``bind`` write meta.json beside it."""
    junit.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "pytest_rerunfailures",
        f"--junitxml={junit}",
        "-o",
        f"junit_family={family}",
        "--continue-on-collection-errors",
        *args,
    ]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "PYTHONDONTWRITEBYTECODE": "1",
        # Only the plugins a test names: faster, and no surprise from whatever else is installed.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        **(env or {}),
    }
    proc = subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    if bind:
        bind_to_tree(root, junit.parent)
    return proc.returncode


def bind_to_tree(root: Path, folder: Path, tree: str | None = None) -> None:
    """Write a meta.json as another producer would: the tree the evidence was produced on, by a
    run that finished (it lists no files: the folder, not each file, is bound)."""
    tree = tree or Workspace.at(root).tree_id()
    stamp = {"tree": tree, "pytest_exit_code": 0}
    (folder / "meta.json").write_text(json.dumps(stamp), encoding="utf-8")


def commit_on(root: Path, branch: str) -> None:
    """Commit everything on ``branch`` (decisions record the branch they were made on)."""
    for args in (
        ("checkout", "-q", "-B", branch),
        ("add", "-A"),
        ("-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "commit.gpgsign=false",
         "commit", "-q", "--allow-empty", "-m", f"work on {branch}"),
    ):  # fmt: skip
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
