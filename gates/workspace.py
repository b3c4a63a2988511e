"""The project on disk: its tree id, its ``.gates/`` folder and the results recorded there.

The tree id is the git tree object id of the working tree's content: tracked files as they are on
disk plus untracked files git does not ignore. Two checkouts with the same content have the same
id, whatever their commit; any edit changes it. Results carry the tree id they judged, and a result
whose id differs from the current one is stale.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gates.errors import EvidenceError, WorkspaceError
from gates.model import GateResult, JSONValue

GATES_DIR = ".gates"

# Tool output that is never source, even in a project that forgot to ignore it: without this,
# running a gate (pytest writing __pycache__, nox making .nox) would change the tree id it judges.
EXCLUDED = (
    f"/{GATES_DIR}/",
    "/.nox/",
    "__pycache__/",
    "*.py[co]",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".coverage",
    ".coverage.*",
)
"""gitignore patterns."""
EXCLUDED_TRACKED = (f"{GATES_DIR}/**", ".nox/**", "**/__pycache__/**", "**/*.pyc")
"""The same as pathspecs, for the rare project that tracks them."""


def git(root: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    """Run git in ``root`` and return its stdout (stripped)."""
    if shutil.which("git") is None:
        raise WorkspaceError("git not found on PATH: release-gates needs git to identify the tree")
    proc = subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if check and proc.returncode != 0:
        message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
        raise WorkspaceError(f"git {' '.join(args[:2])} in {root}: {message}")
    return proc.stdout.strip()


@dataclass(frozen=True)
class Workspace:
    """A project root inside a git work tree."""

    root: Path
    git_dir: Path

    @classmethod
    def at(cls, root: Path) -> Workspace:
        root = root.resolve()
        if not root.is_dir():
            raise WorkspaceError(f"{root}: no such directory")
        try:
            git_dir = git(root, "rev-parse", "--absolute-git-dir")
        except WorkspaceError:
            raise WorkspaceError(
                f"{root}: not a git repository (results are bound to the git tree; run 'git init')"
            ) from None
        return cls(root=root, git_dir=Path(git_dir))

    @property
    def gates_dir(self) -> Path:
        return self.root / GATES_DIR

    @property
    def results_dir(self) -> Path:
        return self.gates_dir / "results"

    @property
    def evidence_dir(self) -> Path:
        return self.gates_dir / "evidence"

    def tree_id(self) -> str:
        """The git tree id of the working tree content (see module docstring)."""
        with tempfile.TemporaryDirectory(prefix="gates-index-") as scratch:
            index = Path(scratch) / "index"
            # Starting from a copy of the real index reuses git's stat cache: only changed files
            # are re-hashed, which keeps this fast on large trees.
            real_index = self.git_dir / "index"
            if real_index.exists():
                shutil.copyfile(real_index, index)
            # Tool output is treated as ignored, on top of what the user ignores. (Exclude
            # pathspecs would do, but git refuses them when they name an ignored folder.)
            excludes = Path(scratch) / "exclude"
            excludes.write_text(self._user_excludes() + "\n".join(EXCLUDED) + "\n", "utf-8")
            env = {"GIT_INDEX_FILE": str(index)}
            config = ("-c", f"core.excludesFile={excludes}")
            git(self.root, *config, "add", "--all", "--", ".", env=env)
            # Excluded files that are tracked nonetheless are dropped from the scratch index.
            dropped = [f":(glob){pattern}" for pattern in EXCLUDED_TRACKED]
            git(
                self.root,
                "rm",
                "-r",
                "--cached",
                "--quiet",
                "--ignore-unmatch",
                "--",
                *dropped,
                env=env,
            )
            return git(self.root, "write-tree", env=env)

    def _user_excludes(self) -> str:
        """The user's global excludes file, which ``core.excludesFile`` above would replace."""
        configured = git(self.root, "config", "--path", "core.excludesFile", check=False)
        if configured:
            path = Path(configured)
        else:
            base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
            path = Path(base) / "git" / "ignore"
        try:
            return path.read_text(encoding="utf-8", errors="replace") + "\n"
        except OSError:
            return ""

    def commit(self) -> str | None:
        out = git(self.root, "rev-parse", "--verify", "--quiet", "HEAD", check=False)
        return out or None

    def branch(self) -> str | None:
        out = git(self.root, "rev-parse", "--abbrev-ref", "HEAD", check=False)
        return out if out and out != "HEAD" else None

    # Results -------------------------------------------------------------------------------

    def result_path(self, gate: str) -> Path:
        return self.results_dir / f"{gate}.json"

    def write_result(self, result: GateResult) -> Path:
        path = self.result_path(result.gate)
        write_json(path, result.to_dict())
        return path

    def read_result(self, gate: str) -> GateResult | None:
        """The recorded result of ``gate``, or None when it never ran here."""
        read = self.read_result_data(gate)
        return None if read is None else read[0]

    def read_result_data(self, gate: str) -> tuple[GateResult, dict[str, JSONValue]] | None:
        """The recorded result of ``gate`` and the JSON read (what its ledger digest covers)."""
        path = self.result_path(gate)
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError(f"expected a JSON object, got {type(data).__name__}")
            return GateResult.from_dict(data), data
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EvidenceError(f"{path}: unreadable result ({exc})") from None

    def results(self) -> Iterator[GateResult]:
        if not self.results_dir.is_dir():
            return
        for path in sorted(self.results_dir.glob("*.json")):
            result = self.read_result(path.stem)
            if result is not None:
                yield result


def write_text(path: Path, text: str) -> None:
    """Write atomically: a reader never sees half a file, a crash leaves no partial one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # every report file alike, whatever mkstemp's 0600
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: JSONValue) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
