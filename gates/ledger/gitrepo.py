"""The git plumbing the git ledger store uses, one subprocess per call, never a porcelain command
that reads or writes the working tree or the index.

Objects are written with ``hash-object``/``mktree``/``commit-tree``; the ledger ref moves only with
``update-ref`` given the value it is expected to have (compare-and-swap), and is pushed only as a
fast-forward of the value last fetched: a writer that lost a race is told so, it never overwrites.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gates.errors import LedgerError

IDENTITY = {
    "GIT_AUTHOR_NAME": "release-gates",
    "GIT_AUTHOR_EMAIL": "release-gates@localhost",
    "GIT_COMMITTER_NAME": "release-gates",
    "GIT_COMMITTER_EMAIL": "release-gates@localhost",
}
"""Who ledger commits are by: a CI runner has no ``user.name``, and the record says who decided."""
TIMEOUT_S = 120.0
"""A git call that takes longer is hung (a network remote that never answers)."""


@dataclass(frozen=True)
class CommitInfo:
    """One commit of the ledger ref's first-parent history."""

    commit: str
    tree: str
    parents: tuple[str, ...]


@dataclass(frozen=True)
class ReflogEntry:
    """One move of a ref: from ``old`` to ``new`` (zeros: did not exist), and why."""

    old: str
    new: str
    message: str


class GitRepo:
    """The repository at ``root`` (its own ``.git``, or a worktree's), driven by plumbing."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # Never ask for a password on a terminal nobody watches; messages in English (the
        # refusals of push and update-ref are recognised by their words).
        self._env = {**os.environ, **IDENTITY, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}

    def run(
        self, *args: str, stdin: bytes | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        """``git -C root ARGS``; a failure (with ``check``) is a one-line LedgerError."""
        try:
            done = subprocess.run(
                ["git", "-C", str(self.root), *args],
                input=stdin,
                capture_output=True,
                env=self._env,
                timeout=TIMEOUT_S,
                check=False,
            )
        except FileNotFoundError:
            raise LedgerError("git: not found (the git ledger needs git on PATH)") from None
        except subprocess.TimeoutExpired:
            raise LedgerError(f"git {args[0]}: no answer in {TIMEOUT_S:.0f} s") from None
        if check and done.returncode != 0:
            raise LedgerError(f"git {args[0]}: {last_line(done.stderr)}")
        return done

    def out(self, *args: str, stdin: bytes | None = None) -> str:
        return self.run(*args, stdin=stdin).stdout.decode("utf-8", "replace").strip()

    # Where things are ---------------------------------------------------------------------------

    def is_repository(self) -> bool:
        return self.run("rev-parse", "--git-dir", check=False).returncode == 0

    def has_remote(self, name: str) -> bool:
        """True when ``name`` is a configured remote with a URL."""
        done = self.run("config", "--get", f"remote.{name}.url", check=False)
        return done.returncode == 0 and bool(done.stdout.strip())

    def resolve(self, ref: str) -> str | None:
        """The commit ``ref`` points at, None when it does not exist."""
        done = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if done.returncode != 0:
            return None
        return done.stdout.decode().strip() or None

    def has_commit(self, commit: str) -> bool:
        return self.run("cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode == 0

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        done = self.run("merge-base", "--is-ancestor", ancestor, descendant, check=False)
        return done.returncode == 0

    def object_format(self) -> str:
        """``sha1`` or ``sha256``: the hash git names objects with in this repository."""
        done = self.run("rev-parse", "--show-object-format", check=False)
        found = done.stdout.decode().strip() if done.returncode == 0 else ""
        return found or "sha1"

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold the file lock ``name`` in the (common) git folder; released when the process
        ends however it ends, so a killed writer never leaves it stale."""
        folder = Path(self.out("rev-parse", "--git-common-dir"))
        path = folder if folder.is_absolute() else self.root / folder
        try:
            handle = open(path / name, "a+b")  # noqa: SIM115 (held across the yield)
        except OSError as exc:
            raise LedgerError(f"{path / name}: cannot open: {exc.strerror}") from None
        with handle:
            try:
                import fcntl
            except ImportError:  # Windows: no flock; compare-and-swap alone keeps the chain
                yield
                return
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield

    # Reading ------------------------------------------------------------------------------------

    def first_parent_log(self, tip: str, *, since: str | None = None) -> list[CommitInfo]:
        """Commits from ``tip`` back along first parents (to ``since``, excluded), newest first."""
        args = ["log", "--first-parent", "--format=%H %T %P", tip]
        if since is not None:
            args += [f"^{since}"]
        lines = self.out(*args, "--").splitlines()
        found = []
        for line in lines:
            commit, tree, *parents = line.split()
            found.append(CommitInfo(commit, tree, tuple(parents)))
        return found

    def blobs(self, specs: Sequence[str]) -> Iterator[bytes | None]:
        """The content of each ``<commit>:<path>`` in ``specs`` (None: no such blob), in order."""
        if not specs:
            return
        stdin = "".join(f"{spec}\n" for spec in specs).encode()
        data = self.run("cat-file", "--batch", stdin=stdin).stdout
        at = 0
        for _ in specs:
            end = data.index(b"\n", at)
            header = data[at:end].split()
            at = end + 1
            if len(header) != 3 or header[1] != b"blob":
                # "<spec> missing", or a tree/commit where the record file should be.
                if len(header) == 3:
                    at += int(header[2]) + 1
                yield None
                continue
            size = int(header[2])
            yield data[at : at + size]
            at += size + 1

    def reflog(self, ref: str) -> list[ReflogEntry]:
        """Every value ``ref`` was set to here, oldest first (empty when it keeps no reflog)."""
        path = Path(self.out("rev-parse", "--git-path", f"logs/{ref}"))
        try:
            text = (path if path.is_absolute() else self.root / path).read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise LedgerError(f"{path}: cannot read: {exc.strerror}") from None
        entries = []
        # A line being appended right now has no newline yet: it is not part of the log.
        for line in text.decode("utf-8", "replace").split("\n")[:-1]:
            head, _, message = line.partition("\t")
            fields = head.split(" ", 2)
            if len(fields) == 3:
                entries.append(ReflogEntry(fields[0], fields[1], message))
        return entries

    # Writing ------------------------------------------------------------------------------------

    def commit_file(
        self, name: str, content: bytes, *, parent: str | None, message: str, date: str
    ) -> str:
        """A new commit whose tree holds one file, ``name``; the working tree is never touched."""
        blob = self.out("hash-object", "-w", "--stdin", stdin=content)
        tree = self.out("mktree", stdin=f"100644 blob {blob}\t{name}\n".encode())
        args = ["commit-tree", "--no-gpg-sign", tree, "-m", message]
        if parent is not None:
            args += ["-p", parent]
        self._env["GIT_AUTHOR_DATE"] = self._env["GIT_COMMITTER_DATE"] = date
        try:
            return self.out(*args)
        finally:
            del self._env["GIT_AUTHOR_DATE"], self._env["GIT_COMMITTER_DATE"]

    def swap_ref(self, ref: str, new: str, expected: str | None, message: str) -> bool:
        """Point ``ref`` at ``new`` if it is still at ``expected`` (None: does not exist yet).

        False when another writer moved (or is moving) it first; any other failure raises.
        """
        done = self.run(
            "update-ref", "--create-reflog", "-m", message, ref, new, expected or "", check=False
        )
        if done.returncode == 0:
            return True
        if b"cannot lock ref" in done.stderr:
            return False
        raise LedgerError(f"git update-ref {ref}: {last_line(done.stderr)}")

    # A remote -----------------------------------------------------------------------------------

    def remote_tip(self, remote: str, ref: str) -> str | None:
        """What ``ref`` is at on ``remote`` now (None: it does not exist there)."""
        done = self.run("ls-remote", "--refs", remote, ref, check=False)
        if done.returncode != 0:
            raise LedgerError(f"git ls-remote {remote}: {last_line(done.stderr)}")
        for line in done.stdout.decode().splitlines():
            oid, _, name = line.partition("\t")
            if name == ref:
                return oid
        return None

    def fetch_objects(self, remote: str, ref: str) -> None:
        """Bring ``ref``'s commits from ``remote`` without moving any local ref (nor FETCH_HEAD):
        many processes of one clone fetch at once, and no ref lock is shared between them."""
        self.run(
            "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-auto-maintenance",
            remote, ref,
        )  # fmt: skip

    def push(self, remote: str, new: str, ref: str) -> str | None:
        """Push ``new`` to ``remote``'s ``ref`` as a fast-forward; None when done, else git's line
        why not (another writer moved the ref first, a missing permission, the network)."""
        done = self.run(
            "push", "--quiet", "--no-verify", remote, f"{new}:{ref}", check=False
        )  # fmt: skip
        return None if done.returncode == 0 else last_line(done.stderr)


def last_line(stderr: bytes) -> str:
    """git's most telling stderr line (a refused ref, else the first ``fatal:`` one, else the
    last ``error:`` one, else the last one), with any ``user:password@`` of a URL masked."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith("hint:")]
    refused = [line.lstrip("! ") for line in lines if line.startswith("! [")]
    # The first fatal line says why (later ones say only "Could not read from remote").
    fatal = [line for line in lines if line.startswith("fatal:")][:1]
    errors = [line for line in lines if line.startswith("error:")]
    return _USERINFO.sub("//***@", (refused or fatal or errors or lines or ["failed"])[-1])


_USERINFO = re.compile(r"//[^/@\s]+@")
