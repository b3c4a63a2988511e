"""The project's name, version and ``requires-python``, wherever the project declares them.

``[project]`` in pyproject.toml (PEP 621); for a project without one, the same keys from
``[tool.poetry]`` (Poetry before 2) or from setuptools' declarative ``setup.cfg``
(``[metadata] name``, ``version``; ``[options] python_requires``). A value that is computed at
build time (``version = attr: pkg.__version__``, setuptools-scm) is not guessed: it reads as
absent, as a ``dynamic`` one does.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

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
