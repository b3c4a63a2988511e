"""One file's analysis as a cache entry: it reads back equal, and any other shape reads as a miss
(None), never as a made-up analysis."""

from __future__ import annotations

import json

import pytest
from coverage.results import Numbers

from gates.file_coverage import FileCoverage, floor_percent, percent

ANALYSIS = FileCoverage(
    path="pkg/m.py",
    numbers=Numbers(
        precision=2,
        n_files=1,
        n_statements=7,
        n_missing=2,
        n_branches=4,
        n_partial_branches=1,
        n_missing_branches=1,
    ),
    statements=frozenset(range(1, 8)),
    missing=frozenset({5, 6}),
    missing_text="3->5, 5-6",
)


def test_a_cache_entry_reads_back_as_the_same_analysis() -> None:
    entry = json.loads(json.dumps(ANALYSIS.to_cache()))  # as stored: through JSON
    read = FileCoverage.from_cache(entry)
    assert read == ANALYSIS
    assert read.percent == percent(ANALYSIS.numbers) == 72.72  # (5 + 3) of (7 + 4), floored


@pytest.mark.parametrize(
    "change",
    [
        {"path": 3},
        {"missing_text": None},
        {"numbers": [1, 2, 3]},  # a field short
        {"statements": [1, "2"]},
        {"missing": [True]},  # a bool is not a line number
        {"numbers": "1,2"},
    ],
    ids=["path", "text", "numbers-short", "statement-str", "missing-bool", "numbers-str"],
)
def test_an_entry_of_another_shape_is_a_miss(change: dict[str, object]) -> None:
    assert FileCoverage.from_cache({**ANALYSIS.to_cache(), **change}) is None


def test_no_entry_is_a_miss() -> None:
    assert FileCoverage.from_cache(None) is None


def test_percent_is_floored_and_an_empty_file_is_fully_covered() -> None:
    assert floor_percent(79999, 100000) == 79.99
    assert floor_percent(0, 0) == 100.0
