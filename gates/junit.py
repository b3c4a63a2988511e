"""Safe, streaming JUnit XML reading: one or many files (CI shards), reruns collapsed, flaky found.

Facts about the producers this handles:

- pytest writes xunit2 by default, which has no ``file``/``line``; ``gates tests`` writes xunit1.
  pytest's ``line`` is 0-based (the test's ``def`` is one line below).
- ``classname`` + ``name`` is pytest's node id; ``file``/``line`` are where the test function is
  defined, which for a method inherited from a mixin in another file (cachetools' suite: one
  ``tests/__init__.py`` mixin in a dozen classes) is the same for every class that inherits it.
- ``<failure>`` carries no exception type: it is read from the message / traceback text.
- A call failure plus a teardown error is two ``<testcase>`` elements with the same name; the
  teardown one says ``failed on teardown with "..."``. They stay two test cases.
- pytest-rerunfailures writes one element per attempt, and an attempt that was rerun carries no
  result child at all (it looks like a pass). So within one file the earlier elements of a test are
  failed attempts and the last one decides; across files (shards, CI reruns) a test that both
  passed and failed on the same tree is flaky.
- Maven surefire marks reruns with ``<flakyFailure>``/``<rerunFailure>`` children.

Reading is in ``junit_stream`` (bounded per file), the case model in ``junit_model``; this module
merges the files. Memory does not grow with the number of passing tests: a test whose attempts
all look plain (passed or skipped, no rerun marks) costs a slot in two arrays of integers, and only
failing, flaky or rerun tests, and those the caller asks for, are kept whole.
"""

from __future__ import annotations

import gc
import zlib
from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gates.errors import EvidenceError
from gates.junit_model import FAILING, Outcome, Phase, TestCase, Totals, exception_type, nodeid
from gates.junit_stream import parse_file

__all__ = [
    "JUnitReport",
    "Outcome",
    "Phase",
    "TestCase",
    "Totals",
    "exception_type",
    "merge",
    "nodeid",
    "read",
    "totals",
]


@dataclass(frozen=True)
class JUnitReport:
    """One or more JUnit files, merged: every test counted, the ones judging needs kept."""

    files: tuple[str, ...]
    cases: tuple[TestCase, ...]
    """Failing, flaky and rerun tests, and those asked for by key; not the plain passes and skips
    (``totals`` counts them)."""
    totals: Totals = field(default_factory=Totals)
    notes: tuple[str, ...] = ()
    """What reading changed, one line each (values longer than the cap were cut)."""

    def failures(self) -> list[TestCase]:
        return [case for case in self.cases if case.outcome.failing]


# Plain tests -------------------------------------------------------------------------------

_PLAIN_OUTCOMES = (Outcome.PASSED, Outcome.SKIPPED, Outcome.XFAILED, Outcome.XPASSED)
_OUTCOME_CODE = {outcome: code for code, outcome in enumerate(_PLAIN_OUTCOMES)}
_MAX_FILES = 1 << 20
_MAX_PASSES = 0xFF


class _PlainTests:
    """Node id -> (file index, outcome, earlier passes) of tests whose attempts all looked plain.

    An open-addressing table in two ``array('q')`` at most half full: a test costs 16 to 64 bytes
    instead of a ``TestCase`` and a dict entry (~450 bytes with its strings: 910 MB for two
    million). A slot holds the id's 64-bit hash, and in the packed value beside it a CRC-32 of the
    id: two ids are taken for one only when all 96 bits agree (about 1 in 10^16 for a suite of two
    million tests).

    A visit returns a slot, or -1 for none, and makes no object: it runs once per test case.
    """

    def __init__(self) -> None:
        self._hashes = array("q", bytes(8 << 10))
        self._values = array("q", bytes(8 << 10))
        self._mask = (1 << 10) - 1
        self._used = 0

    def visit(self, node: str, index: int, outcome: Outcome, record: bool) -> int:
        """The slot of an earlier attempt of this test, or -1 (and, with ``record``, this first
        attempt is recorded)."""
        full = hash(node) or 1  # 0 marks an empty slot
        crc = zlib.crc32(node.encode("utf-8", "surrogatepass"))
        hashes, values, mask = self._hashes, self._values, self._mask
        slot = full & mask
        while found := hashes[slot]:
            if found == full and values[slot] >> 31 == crc:
                return slot
            slot = (slot + 1) & mask
        if record:
            hashes[slot] = full
            values[slot] = crc << 31 | index << 11 | _OUTCOME_CODE[outcome] << 8
            self._used += 1
            if self._used * 2 > mask:
                self._grow()
        return -1

    def earlier(self, slot: int) -> tuple[int, Outcome, int]:
        """File index, outcome and earlier passes recorded at ``slot``."""
        value = self._values[slot]
        return (value >> 11) & (_MAX_FILES - 1), _PLAIN_OUTCOMES[(value >> 8) & 7], value & 0xFF

    def replace(self, slot: int, index: int, outcome: Outcome, passes: int) -> None:
        """A later plain attempt of the test at ``slot``."""
        check = self._values[slot] >> 31 << 31
        self._values[slot] = (
            check | index << 11 | _OUTCOME_CODE[outcome] << 8 | min(passes, _MAX_PASSES)
        )

    def _grow(self) -> None:
        hashes, values = self._hashes, self._values
        size = 2 * len(hashes)
        self._hashes, self._values = array("q", bytes(8 * size)), array("q", bytes(8 * size))
        self._mask = mask = size - 1
        new_hashes, new_values = self._hashes, self._values
        for full, value in zip(hashes, values, strict=True):
            if full:
                slot = full & mask
                while new_hashes[slot]:  # ids are distinct: the first empty slot is its place
                    slot = (slot + 1) & mask
                new_hashes[slot], new_values[slot] = full, value


# Merging -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Attempts:
    """Earlier attempts of a test seen more than once."""

    passed: int = 0
    failed: int = 0
    failing: TestCase | None = None
    """The last failed attempt with a recorded failure, for the flaky report."""


def merge(
    files: Iterable[tuple[int, Iterable[TestCase]]], keep: Collection[str] = ()
) -> tuple[list[TestCase], Totals]:
    """Collapse attempts of the same test (reruns within a file, shards across files).

    Returns the tests kept whole (failing, flaky, rerun, or with a key in ``keep``) and the totals
    of every test.
    """
    finals: dict[tuple[str, bool], tuple[TestCase, int]] = {}
    history: dict[tuple[str, bool], _Attempts] = {}
    plain = _PlainTests()
    plain_counts = dict.fromkeys(_PLAIN_OUTCOMES, 0)
    for index, cases in files:
        for case in cases:
            key = (case.nodeid, case.phase is Phase.TEARDOWN)
            seen = finals.get(key)
            if seen is None:
                if key[1]:  # a teardown error: failing, kept whole; the table holds the rest
                    finals[key] = (case, index)
                    continue
                looks_plain = (
                    case.outcome not in FAILING
                    and case.attempts == 1
                    and not (keep and case.key in keep)
                )
                slot = plain.visit(case.nodeid, index, case.outcome, looks_plain)
                if slot < 0:
                    if looks_plain:
                        plain_counts[case.outcome] += 1
                    else:
                        finals[key] = (case, index)
                    continue
                earlier_index, earlier_outcome, passes = plain.earlier(slot)
                plain_counts[earlier_outcome] -= 1
                passes += earlier_outcome is Outcome.PASSED and earlier_index != index
                if looks_plain and earlier_index != index:
                    plain.replace(slot, index, case.outcome, passes)  # a plain later attempt
                    plain_counts[case.outcome] += 1
                    continue
                # From here on the test is kept whole, with what the table knew as its history.
                finals[key] = (case, index)
                history[key] = _Attempts(passed=passes, failed=int(earlier_index == index))
                continue
            finals[key] = (case, index)
            previous, previous_index = seen
            attempts = history.setdefault(key, _Attempts())
            # An earlier element in the same file was an attempt that got rerun: it failed,
            # whatever it looks like (pytest-rerunfailures writes it without a result child).
            if previous_index == index or previous.outcome in FAILING:
                attempts.failed += 1
                if previous.outcome in FAILING:
                    attempts.failing = previous
            elif previous.outcome is Outcome.PASSED:
                attempts.passed += 1
    kept = [_collapse(final, history.get(key)) for key, (final, _) in finals.items()]
    counted = totals(kept)
    return kept, Totals(
        passed=counted.passed + plain_counts[Outcome.PASSED],
        failed=counted.failed,
        errors=counted.errors,
        skipped=counted.skipped + plain_counts[Outcome.SKIPPED],
        xfailed=counted.xfailed + plain_counts[Outcome.XFAILED],
        xpassed=counted.xpassed + plain_counts[Outcome.XPASSED],
        flaky=counted.flaky,
    )


def _collapse(final: TestCase, earlier: _Attempts | None) -> TestCase:
    """The last attempt, flaky when the test both passed and failed."""
    if earlier is None:
        return final
    count = final.attempts + earlier.passed + earlier.failed
    passed = earlier.passed + (final.outcome is Outcome.PASSED)
    failed = earlier.failed + (final.outcome in FAILING)
    if passed and failed:
        failing = earlier.failing or (final if final.outcome in FAILING else None)
        final = final._replace(
            outcome=Outcome.PASSED,
            flaky=True,
            message=failing.message if failing else final.message,
            exception_type=failing.exception_type if failing else None,
            traceback=failing.traceback if failing else "",
        )
    return final._replace(attempts=count)


def totals(cases: Iterable[TestCase]) -> Totals:
    counts = dict.fromkeys(Outcome, 0)
    flaky = 0
    for case in cases:
        if case.flaky:
            flaky += 1
        else:
            counts[case.outcome] += 1
    return Totals(
        passed=counts[Outcome.PASSED],
        failed=counts[Outcome.FAILED],
        errors=counts[Outcome.ERROR],
        skipped=counts[Outcome.SKIPPED],
        xfailed=counts[Outcome.XFAILED],
        xpassed=counts[Outcome.XPASSED],
        flaky=flaky,
    )


def read(paths: Sequence[Path], *, keep: Collection[str] = ()) -> JUnitReport:
    """Read and merge JUnit files, in the order given (later files are later attempts).

    ``keep``: keys of tests to keep whole whatever their outcome (a baseline's failing tests, to
    tell which were fixed; the risky ones, to tell which passed).
    """
    if not paths:
        raise EvidenceError("no JUnit files given")
    if len(paths) >= _MAX_FILES:
        raise EvidenceError(f"{len(paths)} JUnit files: at most {_MAX_FILES - 1} are read")
    notes: list[str] = []
    # Reading makes ~10 objects per test case and no reference cycles: the cyclic collector's
    # passes over an ever larger heap would only cost time (a quarter of it on 100,000 cases).
    collecting = gc.isenabled()
    gc.disable()
    try:
        cases, counted = merge(
            ((index, parse_file(path, notes)) for index, path in enumerate(paths)), keep
        )
    finally:
        if collecting:
            gc.enable()
    return JUnitReport(
        files=tuple(str(p) for p in paths), cases=tuple(cases), totals=counted, notes=tuple(notes)
    )
