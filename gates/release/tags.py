"""The release tag ``v<version>``: the last one, where a tag points, locally and on the remote."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from packaging.version import InvalidVersion, Version

from gates.model import Decision
from gates.release.errors import ReleaseError
from gates.workspace import git

TAG_PREFIX = "v"


def tag_name(version: str) -> str:
    return f"{TAG_PREFIX}{version}"


def last_tag(root: Path) -> tuple[str, Version] | None:
    """The highest ``v<PEP 440>`` tag in the repository."""
    best: tuple[str, Version] | None = None
    for tag in git(root, "tag", "--list", f"{TAG_PREFIX}*").splitlines():
        try:
            version = Version(tag.removeprefix(TAG_PREFIX))
        except InvalidVersion:
            continue
        if best is None or version > best[1]:
            best = (tag, version)
    return best


def tag_commit(root: Path, tag: str) -> str | None:
    """The commit the local ``tag`` points at; None when there is no such tag."""
    out = git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}", check=False)
    return out or None


def remote_tag_commit(root: Path, remote: str, tag: str) -> str | None:
    """The commit ``tag`` points at on ``remote``; None when the remote has no such tag."""
    if remote not in git(root, "remote").split():
        raise ReleaseError(f"git remote {remote!r} not found (set [tool.gates.release] remote)")
    lines = git(root, "ls-remote", "--tags", remote, f"refs/tags/{tag}", f"refs/tags/{tag}^{{}}")
    refs: dict[str, str] = {}
    for line in lines.splitlines():
        sha, _, ref = line.partition("\t")
        refs[ref] = sha
    # An annotated tag is listed twice; the peeled (^{}) line is the commit.
    return refs.get(f"refs/tags/{tag}^{{}}") or refs.get(f"refs/tags/{tag}")


def tag_message(version: str, decision: Decision, files: Sequence[Path]) -> str:
    """The annotated tag's message: the decision that allowed the release, the files' hashes."""
    lines = [
        f"Release {version}",
        "",
        f"Decision: {decision.id} ({decision.verdict.value})",
        f"Tree: {decision.tree}",
        "",
        *(f"sha256 {decision.artifacts[p.name]}  {p.name}" for p in files),
    ]
    return "\n".join(lines) + "\n"
