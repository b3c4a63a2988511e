"""The project on disk: its tree id, its ``.gates/`` folder and the results recorded there.

The tree id is the git tree object id of the working tree's content: tracked files as they are on
disk plus untracked files git does not ignore. Two checkouts with the same content have the same
id, whatever their commit; any edit changes it. Results carry the tree id they judged, and a result
whose id differs from the current one is stale.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from gates.errors import EvidenceError, WorkspaceError
from gates.model import Decision, GateResult, JSONValue

GATES_DIR = ".gates"
WORKSPACE_ID = "workspace-id"
_ID_SHAPE = re.compile(r"[0-9a-f]{32}")
T = TypeVar("T")

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
    # setuptools' editable install writes it beside a flat layout's package: counted, it made
    # the package gate's checkout "dirty", and a setuptools-scm version a local one the index
    # refuses (jaraco.functools, whose repository ignores nothing).
    "*.egg-info/",
)
"""gitignore patterns."""
EXCLUDED_TRACKED = (f"{GATES_DIR}/**", ".nox/**", "**/__pycache__/**", "**/*.pyc")
"""The same as pathspecs, for the rare project that tracks them."""
WHOLE_TREE = ("-c", "core.sparseCheckout=false")
"""Else ``git add`` skips what a sparse checkout leaves out (a sparse index is expanded too)."""
_FILTER_COMMAND = re.compile(r"filter\.(?P<driver>.+)\.(?:clean|smudge|process)")
GIT_LFS_COMMANDS = frozenset(
    {
        "git-lfs clean -- %f",
        "git-lfs smudge -- %f",
        "git-lfs smudge --skip -- %f",
        "git-lfs filter-process",
        "git-lfs filter-process --skip",
    }
)
"""Git LFS's filter: its pointer is the content's sha256, so no edit hides behind it."""


def unfiltered(root: Path) -> tuple[str, ...]:
    """git options that switch off every content filter driver but Git LFS's.

    A clean filter rewrites what ``git add`` hashes and a smudge filter what a checkout writes:
    one in the repository's config (``filter=x`` in ``.git/info/attributes``, which nothing
    committed shows) made the tree id ignore edits the gates read, or the package gate build
    other code than the gated tree's. Without them, the tree id is the bytes on disk.
    """
    listing = git(
        root, "config", "--get-regexp", r"^filter\..*\.(clean|smudge|process)$", check=False
    )
    commands: dict[str, set[str]] = {}
    for line in listing.splitlines():
        key, _, value = line.partition(" ")
        if found := _FILTER_COMMAND.fullmatch(key):
            commands.setdefault(found["driver"], set()).add(value.strip())
    options: list[str] = []
    for driver, values in sorted(commands.items()):
        if not values <= GIT_LFS_COMMANDS:
            for key in ("clean", "smudge", "process"):
                options += ("-c", f"filter.{driver}.{key}=")
            options += ("-c", f"filter.{driver}.required=false")
    return tuple(options)


def git(
    root: Path,
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = True,
    stdin: str | None = None,
) -> str:
    """Run git in ``root`` (``stdin`` as its input) and return its stdout (stripped)."""
    if shutil.which("git") is None:
        raise WorkspaceError("git not found on PATH: release-gates needs git to identify the tree")
    proc = subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        text=True,
        errors="surrogateescape",  # a file name need not be UTF-8; it round-trips through stdin
        input=stdin,
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
        try:
            root = root.resolve()
        except RuntimeError:  # a symlink loop, before Python 3.13
            raise WorkspaceError(f"{root}: symlink loop") from None
        except OSError as exc:
            why = "symlink loop" if exc.errno == errno.ELOOP else exc.strerror
            raise WorkspaceError(f"{root}: {why}") from None
        if not root.is_dir():
            raise WorkspaceError(f"{root}: no such directory")
        try:
            git_dir = git(root, "rev-parse", "--absolute-git-dir")
        except WorkspaceError:
            raise WorkspaceError(
                f"{root}: not a git repository (results are bound to the git tree; run 'git init')"
            ) from None
        _check_gates_dir(root / GATES_DIR)
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
            config = ("-c", f"core.excludesFile={excludes}", *WHOLE_TREE, *unfiltered(self.root))
            self._unflag(config, env)
            git(self.root, *config, "add", "--all", "--", ".", env=env)
            # Excluded files that are tracked nonetheless are dropped from the scratch index.
            dropped = [f":(glob){pattern}" for pattern in EXCLUDED_TRACKED]
            git(
                self.root,
                *config,
                "rm",
                "-r",
                "--cached",
                "--quiet",
                "--ignore-unmatch",
                "--",
                *dropped,
                env=env,
            )
            self._require_committed_submodules(config, env)
            return git(self.root, *config, "write-tree", env=env)

    def _require_committed_submodules(self, config: tuple[str, ...], env: dict[str, str]) -> None:
        """A submodule (or a nested repository ``git add`` took as one) is in the tree as its
        commit alone: an edit inside it that is not committed there would not change the tree id,
        and a PASS of the old code would stand for it."""
        staged = git(self.root, *config, "ls-files", "--stage", "-z", env=env)
        for entry in staged.split("\0"):
            mode, _, rest = entry.partition(" ")
            path = rest.partition("\t")[2]
            if mode != "160000" or not (self.root / path / ".git").exists():
                continue
            if git(self.root / path, "status", "--porcelain", "--ignore-submodules=none"):
                raise WorkspaceError(
                    f"{path}: a submodule with uncommitted changes (the tree id holds only its"
                    " commit): commit or stash them in the submodule"
                )

    def _unflag(self, config: tuple[str, ...], env: dict[str, str]) -> None:
        """Clear the flags that make ``git add`` trust the index over the disk, in the scratch
        index: a file marked assume-unchanged (``h``) or skip-worktree (``S``, as a sparse
        checkout marks what it leaves out) is then hashed as it is on disk, and counts as
        deleted when it is not there, because the gates judged what is on disk."""
        listing = git(self.root, *config, "ls-files", "-v", "-z", env=env)
        entries = [(entry[0], entry[2:]) for entry in listing.split("\0") if entry]
        for flag, paths in (
            ("--no-assume-unchanged", [path for tag, path in entries if tag.islower()]),
            ("--no-skip-worktree", [path for tag, path in entries if tag in "Ss"]),
        ):
            # One flag per call: given both, git update-index --stdin applies only the last.
            if paths:
                stdin = "\0".join(paths) + "\0"
                git(self.root, *config, "update-index", flag, "-z", "--stdin", env=env, stdin=stdin)

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

    def linked_outside(self, tree: str) -> list[Path]:
        """The files reached through the symlinks in ``tree`` that lead out of the project root.

        git keeps a symlink's target, not the content the gates read through it: that content is
        a reuse input of its own (:func:`gates.runner.run_gate`).
        """
        listing = git(self.root, "ls-tree", "-r", "-z", tree)
        found: list[Path] = []
        for entry in listing.split("\0"):
            meta, _, path = entry.partition("\t")
            if not meta.startswith("120000 "):
                continue
            link = self.root / path
            try:
                target = link.resolve()
            except (OSError, RuntimeError):  # a loop: nothing to read through it
                continue
            if target.is_relative_to(self.root):
                continue
            if target.is_dir():
                found += sorted(file for file in link.rglob("*") if file.is_file())
            else:
                found.append(link)
        return found

    def commit(self) -> str | None:
        out = git(self.root, "rev-parse", "--verify", "--quiet", "HEAD", check=False)
        return out or None

    def branch(self) -> str | None:
        out = git(self.root, "rev-parse", "--abbrev-ref", "HEAD", check=False)
        return out if out and out != "HEAD" else None

    @functools.cached_property
    def identity(self) -> str:
        """This checkout's id, made on first use and kept in ``.gates/`` (read once per run).

        A shared ledger (a git remote, PostgreSQL) holds the results of every runner that gated a
        tree; the results files here are bound to the records this checkout made, never to
        another runner's newer record of the same tree.
        """
        path = self.gates_dir / WORKSPACE_ID
        if not path.exists():
            write_text(path, secrets.token_hex(16) + "\n", replace=False)
        try:
            with path.open("rb") as handle:
                text = handle.read(100).decode("ascii", "replace").strip()
        except OSError as exc:
            raise WorkspaceError(f"{path}: cannot read: {exc.strerror}") from None
        if not _ID_SHAPE.fullmatch(text):
            raise WorkspaceError(
                f"{path}: not a workspace id (32 hex digits); delete it, and the gates recorded"
                " here run again"
            )
        return text

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
        return _read(self.result_path(gate), "result", GateResult.from_dict)

    @property
    def decision_path(self) -> Path:
        return self.gates_dir / "decision.json"

    def read_decision(self) -> Decision | None:
        """The decision ``gates decide`` last wrote here, or None when there is none."""
        read = _read(self.decision_path, "decision", Decision.from_dict)
        return None if read is None else read[0]

    def results(self) -> Iterator[GateResult]:
        if not self.results_dir.is_dir():
            return
        for path in sorted(self.results_dir.glob("*.json")):
            result = self.read_result(path.stem)
            if result is not None:
                yield result


def _read(
    path: Path, what: str, parse: Callable[[object, str], T]
) -> tuple[T, dict[str, JSONValue]] | None:
    """``parse`` of the JSON object in ``path``, and the object; None when there is no such file.

    Anything else is one EvidenceError naming the file and, through ``parse``, the key.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return parse(data, what), data
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror}") from None
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, nested too deep, bad key
        raise EvidenceError(f"{path}: unreadable {what} ({exc})") from None


DIST_DIR = "dist"
"""Under ``.gates``: a folder per tree, each deleted and replaced whole by a new build (the
package gate's ``dist_dir``)."""


def _check_gates_dir(folder: Path) -> None:
    """Refuse a ``.gates`` that is not a real folder, or that holds a symlink to a folder
    (directly, or as a tree's dist folder).

    Everything the gates write (results, evidence, dists) and every clean-up (stale evidence, a
    rebuilt dist) happens under ``.gates``: through a symlink it would write and delete elsewhere.
    A symlink to a file is harmless (files are replaced, never written through).
    """
    if folder.is_symlink():
        raise WorkspaceError(_symlink_refused(folder))
    if not folder.exists():
        return
    if not folder.is_dir():
        raise WorkspaceError(f"{folder}: is not a folder ({GATES_DIR} is where results go)")
    for parent in (folder, folder / DIST_DIR):
        try:
            entries = list(os.scandir(parent))
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise WorkspaceError(f"{parent}: cannot read: {exc.strerror}") from None
        for entry in entries:
            if entry.is_symlink() and not entry.is_file():  # to a folder, dangling, or a loop
                raise WorkspaceError(_symlink_refused(Path(entry.path)))


def _symlink_refused(path: Path) -> str:
    return (
        f"{path}: is a symlink (to {os.readlink(path)}): release-gates writes and deletes only"
        f" inside a real {GATES_DIR} folder; replace the link with a folder"
    )


def write_text(path: Path, text: str, *, replace: bool = True) -> None:
    """Write atomically: a reader never sees half a file, a crash leaves no partial one.

    ``replace=False``: only when ``path`` does not exist yet; of writers started at once, the
    first one's file stands.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # every report file alike, whatever mkstemp's 0600
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if replace:
            os.replace(tmp, path)
            return
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        Path(tmp).unlink()
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: JSONValue) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
