"""What tox installs for the tests: ``[testenv]`` ``deps`` and ``extras`` of a tox.ini.

Handled: ``-r``/``-c`` files (paths kept relative to the project root), ``{toxinidir}`` and
``{tox_root}``, and ``{[section]key}`` references to another section's value. Not guessed:
factor-conditional lines (``py312: x``: which factors the chain's Python has is tox's business),
other substitutions (``{env:X}``, ``{posargs}``) and pip options; each is left out with a note
naming its line, so a test that then cannot import says where to look.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement

from gates.errors import ConfigError

SECTION = "testenv"
_REFERENCE = re.compile(r"\{\[([^\]]+)\]([^}]+)\}")
_ROOT = re.compile(r"\{(toxinidir|tox_root)\}/?")
_FACTOR = re.compile(r"^!?[\w.\-{}]+(,!?[\w.\-{}]+)*:\s")
_FILE_OPTIONS = {"-r": "-r", "--requirement": "-r", "-c": "-c", "--constraint": "-c"}
_DEPTH = 10
"""``{[a]deps}`` references deeper than this are a cycle."""


@dataclass(frozen=True)
class ToxDeps:
    """``[testenv]`` of one tox configuration."""

    extras: tuple[str, ...]
    requirements: tuple[tuple[str, ...], ...]
    """pip install arguments, one requirement (or ``-r FILE``) each."""
    notes: tuple[str, ...]


def _lines(
    parser: configparser.ConfigParser, section: str, key: str, file: str, depth: int
) -> list[str]:
    """The value's lines with every ``{[section]key}`` reference replaced by that value's lines."""
    if depth > _DEPTH:
        raise ConfigError(f"{file}: [{section}] {key}: {{[...]}} references nest past {_DEPTH}")
    found: list[str] = []
    for raw in parser.get(section, key, fallback="").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        whole = _REFERENCE.fullmatch(line)
        if whole:
            other, other_key = whole.group(1).strip(), whole.group(2).strip()
            if not parser.has_option(other, other_key):
                raise ConfigError(f"{file}: [{section}] {key}: {line}: no such section key")
            found += _lines(parser, other, other_key, file, depth + 1)
        else:
            found.append(line)
    return found


def _argument(line: str) -> tuple[str, ...] | str:
    """One deps line as pip install arguments, or why it is left out."""
    line = _ROOT.sub("", line) or "."
    if _FACTOR.match(line):
        return "factor-conditional (which factors apply is tox's choice)"
    if "{" in line:
        return "a tox substitution gates cannot expand"
    option, _, rest = line.partition(" ")
    for flag, short in _FILE_OPTIONS.items():
        if option == flag or (len(flag) == 2 and option.startswith(flag) and not rest):
            path = rest.strip() if option == flag else option[2:]
            return (short, str(PurePosixPath(path or ".")))
    if option in ("-e", "--editable") and rest.strip() in ("", ".", "./"):
        return ()  # the project itself: the chain installs it already
    if line.startswith("-"):
        return "a pip option, not a requirement"
    try:
        Requirement(line)
    except InvalidRequirement:
        return "not a PEP 508 requirement"
    return (line,)


def read(text: str, file: str) -> ToxDeps:
    """``[testenv]`` deps and extras from tox.ini text (``file`` names it in messages)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=file)
    except configparser.Error as bad:
        raise ConfigError(f"{file}: not an ini file: {' '.join(str(bad).split())}") from None
    if not parser.has_section(SECTION):
        return ToxDeps((), (), ())
    requirements: list[tuple[str, ...]] = []
    notes: list[str] = []
    for line in _lines(parser, SECTION, "deps", file, 0):
        argument = _argument(line)
        if isinstance(argument, str):
            notes.append(f"{file}: [{SECTION}] deps: {line!r} left out: {argument}")
        elif argument:
            requirements.append(argument)
    extras = parser.get(SECTION, "extras", fallback="").replace(",", " ").split()
    return ToxDeps(tuple(extras), tuple(requirements), tuple(notes))
