"""Changelog files: which sections exist, and moving ``Unreleased`` to a released version.

Shared by the package gate (is there a section for the version being built?) and
``gates release prepare`` (turn ``## [Unreleased]`` into ``## [VERSION] - DATE``, Markdown only).

The format comes from the file's suffix, never from its content: a ``.rst`` file is read as
reStructuredText section titles (``Version 3.0.2`` over a ``-------`` underline), anything else as
Markdown ``## `` headings. Guessing would let a Markdown setext heading, a table border or a
literal ``## [1.2.0]`` line in a reStructuredText file name a section that its readers never see
as one: a check that passes on text no one rendered as a section is a false GO.
"""

from __future__ import annotations

import datetime as dt
import re

from packaging.version import Version

UNRELEASED = "Unreleased"

_HEADING = re.compile(r"^##(?!#)\s*\[?(?P<name>[^\]\s]+)\]?.*$", re.MULTILINE)
_LINK = re.compile(r"^\[(?P<name>[^\]]+)\]:\s*(?P<url>\S+)\s*$", re.MULTILINE)
# docutils' adornment characters: one of them repeated, from the first column (trailing blanks
# are not part of it).
_ADORNMENT = re.compile(r"([!-/:-@\[-`{-~])\1*")
# What may follow the version in a title: a date or a note, set apart ("(2024-10-18)",
# "- 2024-10-18", ": codename", ", released ..."); anything else makes it prose about the version.
_AFTER_VERSION = tuple("([-\u2013\u2014/:,")
# A word before the version that puts it in relation to another ("Since 1.2.0") is not its name.
_RELATIVE = frozenset({"after", "before", "from", "post", "pre", "prior", "since", "to", "until"})


def is_rst(file: str) -> bool:
    """``file`` is read as reStructuredText (by its suffix, any case)."""
    return file.lower().endswith(".rst")


def sections(text: str, file: str = "CHANGELOG.md") -> tuple[str, ...]:
    """Names of the sections, in order (``Unreleased``, ``0.2.0`` ...): the ``## `` headings of
    Markdown, or the reStructuredText titles that name a version or are ``Unreleased``."""
    if is_rst(file):
        return tuple(name for title in _rst_titles(text) if (name := _title_name(title)))
    return tuple(match.group("name") for match in _HEADING.finditer(text))


def _adornment(line: str) -> str | None:
    """``line`` without trailing blanks when it is a title's underline or overline."""
    stripped = line.rstrip()
    return stripped if _ADORNMENT.fullmatch(stripped) else None


def _rst_titles(text: str) -> list[str]:
    """The section titles, as docutils reads them, strictly: a title line starts a block (the
    file's start, after a blank line or after another title) and its underline (and overline,
    which must match it) is at least as long as it is. A short underline, which docutils only warns
    about, is not a title here. One pass over the lines: each is looked at a bounded number of
    times."""
    lines = text.removeprefix("\ufeff").splitlines()  # a BOM is not part of the first title
    titles: list[str] = []
    index, block_start = 0, True
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index, block_start = index + 1, True
            continue
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        after = lines[index + 2] if index + 2 < len(lines) else ""
        over = _adornment(line)
        under = _adornment(nxt)
        if block_start and over and nxt.strip() and _adornment(after) == over:
            if len(over) >= len(nxt.rstrip()):
                titles.append(nxt.strip())
                index += 3
                continue
        elif block_start and under and not line[0].isspace() and len(under) >= len(line.rstrip()):
            titles.append(line.strip())
            index += 2
            continue
        index, block_start = index + 1, False
    return titles


def _title_name(title: str) -> str | None:
    """The section a title names: ``Unreleased``, or the version in ``[word] VERSION [note]``
    (``Version 3.0.2``, ``pytest 8.3.4 (2024-12-01)``, ``v1.2.0``, ``1.2.0, 2024-01-01``), the
    note set apart by punctuation; None for any other title."""
    if title.lower() == UNRELEASED.lower():
        return UNRELEASED
    word, rest = _first_word(title)
    if rest and _version(word.rstrip(":,")) is None:
        # One word may name what is released (the project, "Version", "Release").
        if word.lower() in _RELATIVE or not word[0].isalpha():
            return None
        word, rest = _first_word(rest)
    name = word.rstrip(":,")
    set_apart = name != word or not rest or rest.startswith(_AFTER_VERSION)
    return name if set_apart and _version(name) is not None else None


def _first_word(text: str) -> tuple[str, str]:
    first, *rest = text.split(maxsplit=1)
    return first, rest[0] if rest else ""


def _version(name: str) -> Version | None:
    try:
        return Version(name.removeprefix("v"))
    # ValueError too: packaging's int() refuses a release number over 4300 digits with one.
    except ValueError:
        return None


def _same_version(name: str, version: str) -> bool:
    parsed = _version(name)
    return parsed is not None and parsed == _version(version)


def section_for(text: str, version: str, file: str = "CHANGELOG.md") -> str | None:
    """The section of ``file`` (its format by its suffix) that covers ``version``: its own
    heading (PEP 440 equal: ``1.2`` is ``1.2.0``, ``1.2.0.post1`` is not), else ``Unreleased``,
    else None."""
    names = sections(text, file)
    for name in names:
        if _same_version(name, version):
            return name
    return next((name for name in names if name.lower() == UNRELEASED.lower()), None)


def release(text: str, version: str, date: dt.date) -> str:
    """``text`` with the Unreleased section renamed ``[version] - date`` under a fresh Unreleased.

    Raises ValueError (one line) when there is no Unreleased section, when it is empty, or when
    ``version`` already has a section.
    """
    headings = list(_HEADING.finditer(text))
    if any(_same_version(h.group("name"), version) for h in headings):
        raise ValueError(f"already has a section for {version}")
    index = next(
        (i for i, h in enumerate(headings) if h.group("name").lower() == UNRELEASED.lower()), None
    )
    if index is None:
        raise ValueError(f"no '## [{UNRELEASED}]' section to release")
    heading = headings[index]
    end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
    body = text[heading.end() : end]
    if not _LINK.sub("", body).strip():
        raise ValueError(f"the {UNRELEASED} section is empty: nothing to release")
    released = f"## [{UNRELEASED}]\n\n## [{version}] - {date.isoformat()}"
    text = text[: heading.start()] + released + text[heading.end() :]
    return _relink(text, version)


def _relink(text: str, version: str) -> str:
    """Update Keep a Changelog compare links (``[Unreleased]: .../compare/v0.1.0...HEAD``)."""
    links = {m.group("name").lower(): m for m in _LINK.finditer(text)}
    unreleased = links.get(UNRELEASED.lower())
    if unreleased is None:
        return text
    url = unreleased.group("url")
    match = re.match(r"^(?P<base>.*/compare/)(?P<previous>[^.]+(?:\.[^.]+)*?)\.\.\.HEAD$", url)
    if match is None:
        return text
    base, previous = match.group("base"), match.group("previous")
    lines = f"[{UNRELEASED}]: {base}v{version}...HEAD\n[{version}]: {base}{previous}...v{version}"
    return text[: unreleased.start()] + lines + text[unreleased.end() :]
