"""Keep a Changelog files: which sections exist, and moving ``Unreleased`` to a released version.

Shared by the package gate (is there a section for the version being built?) and
``gates release prepare`` (turn ``## [Unreleased]`` into ``## [VERSION] - DATE``).
"""

from __future__ import annotations

import datetime as dt
import re

from packaging.version import InvalidVersion, Version

UNRELEASED = "Unreleased"

_HEADING = re.compile(r"^##(?!#)\s*\[?(?P<name>[^\]\s]+)\]?.*$", re.MULTILINE)
_LINK = re.compile(r"^\[(?P<name>[^\]]+)\]:\s*(?P<url>\S+)\s*$", re.MULTILINE)


def sections(text: str) -> tuple[str, ...]:
    """Names of the ``## `` headings, in order (``Unreleased``, ``0.2.0`` ...)."""
    return tuple(match.group("name") for match in _HEADING.finditer(text))


def _same_version(name: str, version: str) -> bool:
    try:
        return Version(name.removeprefix("v")) == Version(version)
    except InvalidVersion:
        return False


def section_for(text: str, version: str) -> str | None:
    """The section that covers ``version``: its own heading, else ``Unreleased``, else None."""
    names = sections(text)
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
