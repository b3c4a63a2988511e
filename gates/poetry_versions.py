"""Poetry's dependency syntax as PEP 508 requirements (``^1.2`` → ``>=1.2,<2.0``).

Poetry tables map a name to a constraint string or to a table (``version``, ``extras``,
``markers``, ``python``; or ``git``/``path``/``url``). What has no PEP 440 spelling (``||``, a
source that is not an index) is not guessed: the name is kept with its version left free, or the
entry is left out, and the reason comes back as a note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

NOT_FROM_AN_INDEX = ("git", "path", "url", "file")
"""Poetry sources that are not a version on an index: left out (they name one machine or repo)."""
_OPERATOR = re.compile(r"^(===|==|!=|<=|>=|~=|<|>)")


@dataclass(frozen=True)
class Translated:
    """One Poetry dependency as a PEP 508 requirement, or why it could not be."""

    requirement: str | None
    """None: left out (see ``note``)."""
    note: str = ""
    """What was changed or left out, for the user ("" when the translation is exact)."""


def _release(text: str) -> tuple[int, ...]:
    return Version(text).release


def _bound(parts: tuple[int, ...], at: int) -> str:
    """The version ``parts`` with component ``at`` incremented and everything after it dropped."""
    return ".".join(str(p) for p in (*parts[:at], parts[at] + 1))


def _caret(version: str) -> str:
    """``^1.2.3`` → ``>=1.2.3,<2``; ``^0.2.3`` → ``<0.3``; ``^0.0.3`` → ``<0.0.4``: the first
    non-zero component given is the one that may not change."""
    parts = _release(version)
    at = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
    return f">={version},<{_bound(parts, at)}"


def _tilde(version: str) -> str:
    """``~1.2.3`` → ``>=1.2.3,<1.3``; ``~1`` → ``>=1,<2``."""
    parts = _release(version)
    return f">={version},<{_bound(parts, min(1, len(parts) - 1))}"


def _one(constraint: str) -> str:
    """One comparison in Poetry's spelling as PEP 440."""
    if constraint.startswith("^"):
        return _caret(constraint[1:].strip())
    if constraint.startswith("~") and not constraint.startswith("~="):
        return _tilde(constraint[1:].strip())
    found = _OPERATOR.match(constraint)
    if found:
        return found.group(1) + constraint[found.end() :].strip()
    return f"=={constraint}"  # a bare version (1.2.3, 1.2.*) pins it


def specifier(constraint: str) -> str:
    """A Poetry version constraint as a PEP 440 specifier; raises ValueError when it has none."""
    text = constraint.strip()
    if text in ("", "*"):
        return ""
    if "||" in text:
        raise ValueError("'||' (either range) has no PEP 440 spelling")
    # Poetry joins comparisons with commas or spaces (">=1.2 <2"); an operator may stand apart.
    tokens = re.sub(r"(===|==|!=|<=|>=|~=|<|>|\^|~)\s+", r"\1", text.replace(",", " ")).split()
    try:
        spelled = ",".join(_one(token) for token in tokens)
        SpecifierSet(spelled)
    except (InvalidVersion, InvalidSpecifier):
        raise ValueError(f"not a version constraint: {constraint!r}") from None
    return spelled


def _python_marker(constraint: str) -> str:
    """A Poetry ``python = "..."`` restriction as an environment marker."""
    parts = SpecifierSet(specifier(constraint))
    return " and ".join(f'python_full_version {s.operator} "{s.version}"' for s in parts)


def translate(name: str, value: object) -> Translated:
    """``name = value`` from a Poetry dependency table as a PEP 508 requirement."""
    if isinstance(value, str):
        value = {"version": value}
    if not isinstance(value, Mapping):
        kind = "a list of constraints" if isinstance(value, list) else type(value).__name__
        return Translated(name, f"{name}: {kind} has no single PEP 508 spelling: version left free")
    source = next((key for key in NOT_FROM_AN_INDEX if key in value), None)
    if source is not None:
        return Translated(None, f"{name}: a {source} source is not a version on an index: left out")
    extras = value.get("extras", [])
    requirement = name + (f"[{','.join(map(str, extras))}]" if extras else "")
    note = ""
    try:
        requirement += specifier(str(value.get("version", "*")))
    except ValueError as why:
        note = f"{name}: {why}: version left free"
    markers = [str(value["markers"])] if "markers" in value else []
    if "python" in value:
        try:
            markers.append(_python_marker(str(value["python"])))
        except ValueError as why:
            note = note or f"{name}: python = {value['python']!r}: {why}: installed on every Python"
    markers = [m for m in markers if m]
    if markers:
        requirement += "; " + " and ".join(f"({m})" for m in markers)
    return Translated(requirement, note)
