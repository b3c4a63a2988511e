"""The project's name, version and ``requires-python``, wherever the project declares them.

``[project]`` in pyproject.toml (PEP 621); for a project without one, the same keys from
``[tool.poetry]`` (Poetry before 2) or from setuptools' declarative ``setup.cfg``
(``[metadata] name``, ``version``; ``[options] python_requires``). A value that is computed at
build time (``version = attr: pkg.__version__``, setuptools-scm) is not guessed: it reads as
absent, as a ``dynamic`` one does.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from gates import poetry_versions
from gates.errors import ConfigError

_COMPUTED = ("attr:", "file:")
"""setup.cfg directives whose value the build computes."""


@dataclass(frozen=True)
class Declared:
    """The keys ``gates init`` reads."""

    name: object
    """A string when declared; anything else (absent, a table) is the caller's error to name."""
    version: str | None
    requires_python: object


def declared(root: Path, document: dict[str, Any]) -> Declared:
    """What the project at ``root`` (its parsed pyproject.toml: ``document``) declares."""
    project = document.get("project")
    if isinstance(project, dict):
        version = project.get("version")
        return Declared(
            project.get("name"),
            version if isinstance(version, str) else None,
            project.get("requires-python", ""),
        )
    tool = document.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if isinstance(poetry, dict):
        return _poetry(poetry)
    from_setup_cfg = _setup_cfg(root / "setup.cfg")
    return from_setup_cfg or Declared(None, None, "")


def _poetry(poetry: dict[str, Any]) -> Declared:
    dependencies = poetry.get("dependencies")
    python = dependencies.get("python", "") if isinstance(dependencies, dict) else ""
    try:
        requires_python = poetry_versions.specifier(str(python))
    except ValueError:
        requires_python = ""  # every Python the workflow knows
    version = poetry.get("version")
    return Declared(
        poetry.get("name"),
        version if isinstance(version, str) else None,
        requires_python,
    )


def _setup_cfg(file: Path) -> Declared | None:
    """setup.cfg's ``[metadata]``, or None when it has no name there (or cannot be read)."""
    if not file.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(file, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    name = parser.get("metadata", "name", fallback="").strip()
    if not name:
        return None
    version = parser.get("metadata", "version", fallback="").strip()
    requires_python = parser.get("options", "python_requires", fallback="").strip()
    try:
        SpecifierSet(requires_python)
    except InvalidSpecifier:
        raise ConfigError(
            f"{file}: options.python_requires: not a version specifier: {requires_python!r}"
        ) from None
    return Declared(
        name, version if version and not version.startswith(_COMPUTED) else None, requires_python
    )


GIT_VERSION_TOOLS = ("setuptools-scm", "hatch-vcs")
"""Build requirements that read the version from git tags, with setuptools-scm's local scheme."""


def git_version_tool(document: dict[str, Any]) -> str | None:
    """The build requirement that makes a commit after the last tag build a local version
    (``1.5.1.dev3+gabc1234``: the index refuses it), or None (none of them, or
    ``local_scheme = "no-local-version"``)."""
    requires = _table(document, "build-system").get("requires")
    names = {
        canonicalize_name(re.split(r"[\s\[<>=!~;@]", r, maxsplit=1)[0])
        for r in (requires if isinstance(requires, list) else [])
        if isinstance(r, str)
    }
    tool = next((name for name in GIT_VERSION_TOOLS if name in names), None)
    schemes = (
        _table(document, "tool", "setuptools_scm").get("local_scheme"),
        _table(document, "tool", "hatch", "version", "raw-options").get("local_scheme"),
    )
    return None if "no-local-version" in schemes else tool


def local_version_note(tool: str) -> str:
    """What ``gates init`` tells a project whose :func:`git_version_tool` is ``tool``."""
    return (
        f"package: the version comes from git tags ({tool}): a commit after the last tag builds "
        "a local version (1.2.1.dev3+gabc1234) that the index refuses, so the package gate "
        "passes on a tagged commit: tag the release candidate before nox -s gates, or set "
        'local_scheme = "no-local-version"'
    )


def _table(document: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The table at ``keys``, or an empty one where any of them is missing or not a table."""
    table: Any = document
    for key in keys:
        table = table.get(key) if isinstance(table, dict) else None
    return table if isinstance(table, dict) else {}
