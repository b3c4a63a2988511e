"""Where in the project root each tool the gates run reads its settings, as the tool looks.

One table for every reader: the gates run a tool with no settings from outside the project when
the root holds none of its own (:func:`in_root`); a recorded result is reused only while these
files are unchanged (:data:`FILES`); ``gates init`` says which tools the project configures.
"""

from __future__ import annotations

import configparser
import contextlib
from dataclasses import dataclass
from pathlib import Path

from gates.errors import ConfigError
from gates.toml_table import read_document

PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Place:
    """A file the tool reads its settings from, and the part of it that must be there."""

    file: str
    section: str | None = None
    """``[tool.<section>]`` of pyproject.toml, or the INI section (``coverage:`` any of that
    prefix); None: the file counts whenever it exists."""


PLACES: dict[str, tuple[Place, ...]] = {
    "ruff": (Place(PYPROJECT, "ruff"), Place("ruff.toml"), Place(".ruff.toml")),
    "mypy": (
        Place(PYPROJECT, "mypy"),
        Place("mypy.ini"),
        Place(".mypy.ini"),
        Place("setup.cfg", "mypy"),
    ),
    "pytest": (
        Place(PYPROJECT, "pytest"),
        Place("pytest.ini"),
        Place(".pytest.ini"),
        Place("tox.ini", "pytest"),
        Place("setup.cfg", "tool:pytest"),
    ),
    "coverage": (
        Place(PYPROJECT, "coverage"),
        Place(".coveragerc"),
        Place("setup.cfg", "coverage:"),
        Place("tox.ini", "coverage:"),
    ),
}

FILES = {tool: tuple(dict.fromkeys(p.file for p in places)) for tool, places in PLACES.items()}
"""The files in the project root each tool reads its settings from: one that git ignores (a local
``mypy.ini`` with ``ignore_errors``) is outside the tree id, and yet it decides the result."""


def in_root(root: Path, tool: str) -> bool:
    """Whether the project root holds settings of ``tool`` (an unreadable file counts: the tool
    reads it, or reports it)."""
    return any(_holds(root / place.file, place.section) for place in PLACES[tool])


def _holds(path: Path, section: str | None) -> bool:
    if not path.is_file():
        return False
    if section is None:
        return True
    if path.name == PYPROJECT:
        try:
            tool = read_document(path).get("tool")
        except (FileNotFoundError, ConfigError):
            return True
        return isinstance(tool, dict) and section in tool
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    with contextlib.suppress(configparser.Error, OSError, UnicodeDecodeError):
        parser.read(path, encoding="utf-8")
    if section.endswith(":"):
        return any(name.startswith(section) for name in parser.sections())
    return parser.has_section(section)


EXTEND_DEPTH = 8
"""How many ``extend`` hops are followed: ruff refuses a cycle; a longer chain is not real."""


def extended(root: Path, tool: str) -> tuple[Path, ...]:
    """The settings files ``tool``'s settings in the root ``extend`` (ruff's ``extend``, followed
    from file to file): often outside the project (a monorepo's shared ``ruff.toml``), where the
    tree id does not see them change."""
    if tool != "ruff":
        return ()
    found: list[Path] = []
    current = [root / place.file for place in PLACES[tool] if (root / place.file).is_file()]
    for _ in range(EXTEND_DEPTH):
        following = []
        for path in current:
            target = _extend_of(path)
            if target is not None and target not in found:
                found.append(target)
                following.append(target)
        current = following
    return tuple(found)


def _extend_of(path: Path) -> Path | None:
    try:
        document = read_document(path)
    except (FileNotFoundError, ConfigError):
        return None
    table: object = document
    if path.name == PYPROJECT:
        tool = document.get("tool")
        table = tool.get("ruff") if isinstance(tool, dict) else None
    value = table.get("extend") if isinstance(table, dict) else None
    if not isinstance(value, str) or not value:
        return None
    return (path.parent / Path(value).expanduser()).resolve()
