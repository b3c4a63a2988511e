"""``gates release prepare``: bump the version, date the changelog, optionally commit.

Every check runs before the first write, so a refusal leaves every file as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import tomlkit
from packaging.version import InvalidVersion, Version

from gates import changelog
from gates.jsonfields import ByField
from gates.release.errors import ReleaseError
from gates.release.tags import last_tag
from gates.workspace import git

if TYPE_CHECKING:
    from gates.project import Project

_DUNDER_VERSION = re.compile(
    r"^(?P<lead>__version__\s*(?::\s*str\s*)?=\s*)(?P<q>[\"'])(?P<value>[^\"']*)(?P=q)",
    re.MULTILINE,
)
VERSION_FILES = ("__init__.py", "__about__.py", "_version.py", "version.py")
"""Where a package defines ``__version__`` (looked for in ``*/`` and ``src/*/``)."""


@dataclass(frozen=True)
class Prepared(ByField):
    """What ``gates release prepare`` changed."""

    version: str
    previous_tag: str | None
    changed: tuple[str, ...]
    """Files written, relative to the project root."""
    dynamic: bool
    """The version comes from the build backend (e.g. a VCS tag): pyproject.toml left alone."""
    commit: str | None = None


def _check_new_version(text: str, last: tuple[str, Version] | None) -> None:
    try:
        version = Version(text)
    except InvalidVersion:
        raise ReleaseError(f"{text!r} is not a PEP 440 version") from None
    if str(version) != text:
        raise ReleaseError(f"{text!r} is not in normal form: use {version}")
    if last is not None and version <= last[1]:
        raise ReleaseError(f"{text} is not greater than the last tag {last[0]}")


def _version_files(root: Path, old: str) -> list[Path]:
    """Files whose ``__version__`` is the current project version.

    Not one reached through a symlink: it is another package's (a sibling linked in), and the
    write would land outside the project, or in a file git cannot commit at that path.
    """
    found = []
    for folder in (root, root / "src"):
        for name in VERSION_FILES:
            for path in sorted(folder.glob(f"*/{name}")):
                if path.resolve() != path:
                    continue
                match = _DUNDER_VERSION.search(path.read_text(encoding="utf-8"))
                if match and match.group("value") == old:
                    found.append(path)
    return found


def prepare(project: Project, version: str, *, commit: bool, today: dt.date) -> Prepared:
    """Bump ``[project].version`` and ``__version__``, date the changelog; optionally commit."""
    root = project.root
    previous = last_tag(root)
    _check_new_version(version, previous)
    pyproject = project.config.file
    document = tomlkit.parse(pyproject.read_text(encoding="utf-8"))
    table = document.get("project")
    if not isinstance(table, dict):
        raise ReleaseError(f"{pyproject.name}: no [project] table to take the version from")
    dynamic = "version" in (table.get("dynamic") or [])
    writes: dict[Path, str] = {}
    if not dynamic:
        old = table.get("version")
        if not isinstance(old, str):
            raise ReleaseError(f"{pyproject.name}: project.version: missing (and not dynamic)")
        table["version"] = version
        writes[pyproject] = tomlkit.dumps(document)
        for path in _version_files(root, old):
            text = path.read_text(encoding="utf-8")
            writes[path] = _DUNDER_VERSION.sub(
                lambda m: f"{m.group('lead')}{m.group('q')}{version}{m.group('q')}", text, count=1
            )
    if project.config.package.changelog:
        path = root / project.config.package.changelog
        if not path.is_file():
            raise ReleaseError(f"{project.config.package.changelog}: not found")
        if changelog.is_rst(path.name):
            raise ReleaseError(
                f"{project.config.package.changelog}: release prepare dates only a Markdown Keep "
                "a Changelog ('## [Unreleased]'), not reStructuredText: date it by hand, or set "
                "[tool.gates.package] changelog to a Markdown file"
            )
        try:
            writes[path] = changelog.release(path.read_text(encoding="utf-8"), version, today)
        except ValueError as exc:
            raise ReleaseError(f"{project.config.package.changelog}: {exc}") from None
    changed = tuple(p.relative_to(root).as_posix() for p in writes)
    for path, name in zip(writes, changed, strict=True):
        if not path.resolve().is_relative_to(root):
            raise ReleaseError(
                f"{name}: is a symlink to {path.resolve()}, outside the project: prepare writes"
                " only inside it"
            )
    if commit and changed:
        dirty = git(root, "diff", "--name-only", "HEAD", "--", *changed).splitlines()
        if dirty:
            raise ReleaseError(
                f"{dirty[0]} has uncommitted changes: commit them first "
                f"(the release commit holds only the release edits)"
            )
    # Everything was checked before the first write: a refusal leaves every file as it was.
    for path, text in writes.items():
        path.write_text(text, encoding="utf-8")
    made = None
    if commit and changed:
        git(root, "add", "--", *changed)
        git(root, "commit", "--quiet", "-m", f"Release {version}", "--", *changed)
        made = git(root, "rev-parse", "HEAD")
    return Prepared(version, previous[0] if previous else None, changed, dynamic, made)


def describe(prepared: Prepared) -> str:
    """What prepare did, for the terminal."""
    lines = [f"prepared {prepared.version} (last tag: {prepared.previous_tag or 'none'})"]
    if prepared.dynamic:
        lines.append("  version is dynamic ([project].dynamic): pyproject.toml left alone")
    lines += [f"  changed {path}" for path in prepared.changed]
    if prepared.commit:
        lines.append(f"  committed {prepared.commit[:12]}")
    return "\n".join(lines)
