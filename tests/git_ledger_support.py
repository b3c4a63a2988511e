"""Projects whose ledger is git (``refs/gates/ledger``), clones of one bare remote, and the
``gates`` command run as its own process, as concurrent CI runners run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import git, init_repo

from gates import config
from gates.ledger.git import REF, GitLedger
from gates.ledger.gitrepo import GitRepo

REPO = Path(__file__).resolve().parent.parent

PYPROJECT = """\
[project]
name = "demo"
version = "1.0.0"

[tool.gates]
required = ["ok"]
ledger = "git"
{remote}
[tool.gates.commands]
ok = "true"
"""


def pyproject(*, remote: str | None = "origin") -> str:
    return PYPROJECT.format(remote=f'ledger_remote = "{remote}"\n' if remote else "")


def git_project(root: Path, *, remote: Path | None = None, ledger_remote: bool = True) -> Path:
    """A committed project with ``ledger = "git"``; pushed to a new bare ``remote`` when given."""
    root.mkdir(parents=True)
    init_repo(root)
    (root / "pyproject.toml").write_text(pyproject(remote="origin" if ledger_remote else None))
    (root / ".gitignore").write_text(".gates/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Initial")
    if remote is not None:
        git(root.parent, "init", "-q", "--bare", "-b", "main", str(remote))
        git(root, "remote", "add", "origin", str(remote))
        git(root, "push", "-q", "origin", "main")
    return root


def clone(remote: Path, root: Path) -> Path:
    git(remote.parent, "clone", "-q", str(remote), str(root))
    return root


def environ() -> dict[str, str]:
    """This checkout's gates, no ledger chosen by the environment, no CI identity."""
    skip = ("GATES_LEDGER_URL", "GATES_LEDGER_REMOTE", "GITHUB_RUN_ID", "GITHUB_ACTIONS")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def gates_command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "gates", *args, "--root", str(root)]


def run_gates(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    done = subprocess.run(
        gates_command(root, *args), capture_output=True, text=True, env=env or environ()
    )
    return done.returncode, done.stdout, done.stderr


def ledger_at(root: Path, *, remote: str | None = None) -> GitLedger:
    """The git ledger of ``root`` (a work tree, or a bare remote itself)."""
    return GitLedger(GitRepo(root), remote=remote)


def decision_ids(root: Path) -> list[str]:
    """The ids of the decisions on ``root``'s ledger ref, oldest first."""
    with ledger_at(root) as ledger:
        return [str(r.payload["id"]) for r in ledger.records() if r.kind.value == "decision"]


def ref(root: Path, name: str = REF) -> str:
    return git(root, "rev-parse", name)


def tree_state(root: Path) -> tuple[str, str, str, bytes]:
    """HEAD, the working tree's status, gates' tree id and the index file's bytes."""
    from gates.workspace import Workspace

    return (
        git(root, "rev-parse", "HEAD"),
        git(root, "status", "--porcelain", "--untracked-files=all"),
        Workspace.at(root).tree_id(),
        (root / ".git" / "index").read_bytes(),
    )


def loaded(root: Path) -> config.GatesConfig:
    return config.load(root)


def record_tree(root: Path, blob: bytes) -> str:
    """A git tree holding ``blob`` as record.json, written by hand (as a tamperer would)."""
    blob_id = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"], cwd=root, input=blob, capture_output=True,
        check=True,
    ).stdout.decode().strip()  # fmt: skip
    return subprocess.run(
        ["git", "mktree"], cwd=root, input=f"100644 blob {blob_id}\trecord.json\n".encode(),
        capture_output=True, check=True,
    ).stdout.decode().strip()  # fmt: skip
