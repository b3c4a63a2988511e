"""coverage.py's analysis of one measured file, as the coverage gate judges it and as
:mod:`gates.coverage_cache` keeps it between runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from coverage.results import Numbers

_NUMBERS = (
    "precision",
    "n_files",
    "n_statements",
    "n_excluded",
    "n_missing",
    "n_branches",
    "n_partial_branches",
    "n_missing_branches",
)
"""The fields of coverage.py's ``Numbers`` a cache entry stores, in this order."""


def percent(numbers: Numbers) -> float:
    """coverage.py's covered ratio (branch-aware when branches were measured) as a percent,
    floored to 2 decimals: what is shown is what is judged, and 79.999 never meets 80."""
    covered, total = numbers.ratio_covered
    return floor_percent(covered, total)


def floor_percent(covered: int, total: int) -> float:
    return 100.0 if total == 0 else (10000 * covered // total) / 100


@dataclass(frozen=True)
class FileCoverage:
    """coverage.py's analysis of one measured file."""

    path: str
    """Relative to the project root, with ``/``."""
    numbers: Numbers
    """coverage.py's own counts: statements, branches, missing."""
    statements: frozenset[int]
    """Executable lines."""
    missing: frozenset[int]
    missing_text: str
    """As ``coverage report -m`` shows it, e.g. ``3-9, 12, 14->16``."""

    @property
    def percent(self) -> float:
        return percent(self.numbers)

    def to_cache(self) -> dict[str, object]:
        """As a cache entry's JSON object."""
        return {
            "path": self.path,
            "numbers": [getattr(self.numbers, name) for name in _NUMBERS],
            "statements": sorted(self.statements),
            "missing": sorted(self.missing),
            "missing_text": self.missing_text,
        }

    @classmethod
    def from_cache(cls, value: Mapping[str, object] | None) -> FileCoverage | None:
        """The stored analysis, or None for anything not of the shape :meth:`to_cache` writes
        (the seal verified, so only a bug or a changed shape would get here)."""
        if value is None:
            return None
        path, numbers, text = value.get("path"), value.get("numbers"), value.get("missing_text")
        statements, missing = value.get("statements"), value.get("missing")
        lists = (numbers, statements, missing)
        if not (isinstance(path, str) and isinstance(text, str)) or not all(
            isinstance(items, list) and all(type(item) is int for item in items) for items in lists
        ):
            return None
        assert isinstance(numbers, list) and isinstance(statements, list)
        assert isinstance(missing, list)
        if len(numbers) != len(_NUMBERS):
            return None
        return cls(
            path=path,
            numbers=Numbers(**dict(zip(_NUMBERS, numbers, strict=True))),
            statements=frozenset(statements),
            missing=frozenset(missing),
            missing_text=text,
        )
