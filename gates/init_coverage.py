"""What ``gates init`` writes into the project's coverage.py settings: in pyproject.toml, or in
the INI file coverage.py reads instead (``.coveragerc``, ``setup.cfg``, ``tox.ini``)."""

from __future__ import annotations

import configparser
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.items import Table

SCOPES = ("source", "source_pkgs", "include")
"""The ``[run]`` settings that say what to measure."""
INI_FILES = (".coveragerc", "setup.cfg", "tox.ini")
"""Where coverage.py looks before pyproject.toml, in its order: ``.coveragerc`` when it exists,
the others when they have ``[coverage:*]`` sections."""
PREFIX = "coverage:"
WHY_SOURCE = "by gates init: a module no test imports counts too"


@dataclass(frozen=True)
class IniSettings:
    """The INI file coverage.py reads its settings from, instead of pyproject.toml."""

    file: str
    """Relative to the root."""
    run_section: str
    """Its ``[run]`` section's name (``run`` or ``coverage:run``), present or not."""
    scoped: bool
    """Its ``[run]`` section says what to measure (or the file cannot be read: then it is left
    as it is, and coverage.py reports it)."""


def ini_settings(root: Path) -> IniSettings | None:
    """The INI file coverage.py will read, as it picks one; None: pyproject.toml's (or none)."""
    for name in INI_FILES:
        path = root / name
        if not path.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error:
            return IniSettings(name, f"{PREFIX}run", scoped=True)
        ours = name == ".coveragerc"  # its sections may leave out the prefix
        if not ours and not any(s.startswith(PREFIX) for s in parser.sections()):
            continue
        names = [f"{PREFIX}run", *(["run"] if ours else [])]
        present = [section for section in names if parser.has_section(section)]
        scoped = any(parser.has_option(section, key) for section in present for key in SCOPES)
        return IniSettings(name, (present or names)[-1], scoped)
    return None


def add_ini_source(root: Path, settings: IniSettings, sources: Sequence[str]) -> None:
    """``source = SOURCES`` in the INI file's ``[run]`` section (added when missing; a ``source``
    already there, which measured none of them, replaced), the rest of the file as it was:
    comments and order kept, as configparser would not."""
    path = root / settings.file
    text = path.read_text(encoding="utf-8")
    lines = f"# {WHY_SOURCE}\nsource = {', '.join(source_settings(sources))}\n"
    header = re.compile(rf"^\[\s*{re.escape(settings.run_section)}\s*\][^\S\n]*\n?", re.MULTILINE)
    found = header.search(text)
    if found is not None:
        head = found.group(0) if found.group(0).endswith("\n") else found.group(0) + "\n"
        # The section's own lines, up to the next header: an old source (and the lines that
        # continue its value) goes, a second one would make the file unreadable to coverage.py.
        rest = text[found.end() :]
        end = re.search(r"^\[", rest, re.MULTILINE)
        body, after = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
        body = re.sub(r"^source[ \t]*[=:].*\n?(?:[ \t]+\S.*\n?)*", "", body, flags=re.MULTILINE)
        text = text[: found.start()] + head + lines + body + after
    else:
        separator = "" if not text or text.endswith("\n") else "\n"
        text += f"{separator}\n[{settings.run_section}]\n{lines}"
    path.write_text(text, encoding="utf-8")


def scoped(root: Path, document: dict[str, Any]) -> bool:
    """Whether the coverage settings coverage.py reads say what to measure. Settings that do
    not (cleo's ``[tool.coverage.report]`` alone) measure only the files the tests import: a
    module no test imports would never count against the total."""
    ini = ini_settings(root)
    if ini is not None:
        return ini.scoped
    run = document.get("tool", {}).get("coverage", {}).get("run", {})
    return any(key in run for key in SCOPES)


def source_settings(sources: Sequence[str]) -> list[str]:
    """coverage.py's ``source`` for package folders or a one-module file: a module is named by
    its import name (a path there must be a folder; the module's folder would measure its
    neighbours too)."""
    return [
        source.rpartition("/")[2].removesuffix(".py") if source.endswith(".py") else source
        for source in sources
    ]


def add_settings(tool: Table | Container, sources: Sequence[str], *, scope_only: bool) -> None:
    """``[tool.coverage.run]`` measuring the packages ``sources`` with branches; ``scope_only``:
    the project has coverage settings of its own, and only ``source`` is added to them."""
    source = source_settings(sources)
    if not scope_only:
        coverage = tomlkit.table(is_super_table=True)
        run = tomlkit.table()
        run.add("branch", True)
        run.add("source", source)
        run.add("relative_files", True)  # CI shards are combined on another runner
        coverage["run"] = run
        tool["coverage"] = coverage
        return
    settings = tool["coverage"]
    if "run" not in settings:
        settings["run"] = tomlkit.table()
    settings["run"]["source"] = source
    settings["run"]["source"].comment(WHY_SOURCE)
