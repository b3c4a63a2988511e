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
all look plain (passed or skipped, no rerun marks) costs a slot in ``junit_table``'s array of
integers, and only failing, flaky or rerun tests, and those the caller asks for, are kept whole.
A passing test seen for the first time (nearly every test) is counted there as soon as expat
reports it, without a ``TestCase`` being made.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gates.errors import EvidenceError
from gates.junit_model import FAILING, Outcome, Phase, TestCase, Totals, exception_type, nodeid
from gates.junit_stream import parse_file
from gates.junit_table import MAX_FILES, PLAIN_OUTCOMES, PlainTests, TakePass

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
        return [case for case in self.cases if case.outcome in FAILING]


_SAMPLE_BYTES = 1 << 20
"""How much of each file is read ahead to guess how many tests it holds."""


# Merging -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Attempts:
    """Earlier attempts of a test seen more than once."""

    passed: int = 0
    failed: int = 0
    failing: TestCase | None = None
    """The last failed attempt with a recorded failure, for the flaky report."""


class _Merge:
    """Attempts of the same test collapsed as the files are added, in order (later files are
    later attempts)."""

    def __init__(self, keep: Collection[str], expected: int) -> None:
        self.keep = keep
        self.finals: dict[tuple[str, bool], tuple[TestCase, int]] = {}
        """Tests kept whole, by node id and whether it is a separate teardown error."""
        self.history: dict[tuple[str, bool], _Attempts] = {}
        self.plain = PlainTests(expected)
        self.plain_counts = dict.fromkeys(PLAIN_OUTCOMES, 0)
        """Counted tests by outcome; first passes are counted by the table, and passed tests are
        the sum of the two (so this one's count of them may go below zero)."""

    def take_pass(self, index: int) -> TakePass:
        """For file ``index``: what counts a passing test not seen before, the common case."""
        return self.plain.taker(index, self.finals, self.keep)

    def add(self, index: int, cases: Iterable[TestCase]) -> None:
        keep, finals, history, plain = self.keep, self.finals, self.history, self.plain
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
                        self.plain_counts[case.outcome] += 1
                    else:
                        finals[key] = (case, index)
                    continue
                earlier_index, earlier_outcome, passes = plain.earlier(slot)
                self.plain_counts[earlier_outcome] -= 1  # (passes: below 0 is fine, see above)
                passes += earlier_outcome is Outcome.PASSED and earlier_index != index
                if looks_plain and earlier_index != index:
                    plain.replace(slot, index, case.outcome, passes)  # a plain later attempt
                    self.plain_counts[case.outcome] += 1
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

    def result(self) -> tuple[list[TestCase], Totals]:
        kept = [_collapse(final, self.history.get(key)) for key, (final, _) in self.finals.items()]
        counted = totals(kept)
        plain_counts = self.plain_counts
        return kept, Totals(
            passed=counted.passed + plain_counts[Outcome.PASSED] + self.plain.passes,
            failed=counted.failed,
            errors=counted.errors,
            skipped=counted.skipped + plain_counts[Outcome.SKIPPED],
            xfailed=counted.xfailed + plain_counts[Outcome.XFAILED],
            xpassed=counted.xpassed + plain_counts[Outcome.XPASSED],
            flaky=counted.flaky,
        )


def merge(
    files: Iterable[tuple[int, Iterable[TestCase]]], keep: Collection[str] = ()
) -> tuple[list[TestCase], Totals]:
    """Collapse attempts of the same test (reruns within a file, shards across files).

    Returns the tests kept whole (failing, flaky, rerun, or with a key in ``keep``) and the totals
    of every test.
    """
    merging = _Merge(keep, expected=0)
    for index, cases in files:
        merging.add(index, cases)
    return merging.result()


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


def _expected_tests(path: Path) -> int:
    """About how many test cases the file holds, from the density of ``<testcase`` in its first
    MiB: to size the table of counted tests once (a file of long outputs and few tests must not
    get a table for millions). 0 when it cannot be read: reading it says why."""
    try:
        with path.open("rb") as handle:
            sample = handle.read(_SAMPLE_BYTES)
            size = os.fstat(handle.fileno()).st_size
    except OSError:
        return 0
    return sample.count(b"<testcase") * size // max(len(sample), 1)


def read(paths: Sequence[Path], *, keep: Collection[str] = ()) -> JUnitReport:
    """Read and merge JUnit files, in the order given (later files are later attempts).

    ``keep``: keys of tests to keep whole whatever their outcome (a baseline's failing tests, to
    tell which were fixed; the risky ones, to tell which passed).
    """
    if not paths:
        raise EvidenceError("no JUnit files given")
    if len(paths) >= MAX_FILES:
        raise EvidenceError(f"{len(paths)} JUnit files: at most {MAX_FILES - 1} are read")
    notes: list[str] = []
    # Reading makes ~10 objects per test case and no reference cycles: the cyclic collector's
    # passes over an ever larger heap would only cost time (a quarter of it on 100,000 cases).
    collecting = gc.isenabled()
    gc.disable()
    try:
        merging = _Merge(keep, expected=sum(map(_expected_tests, paths)))
        for index, path in enumerate(paths):
            merging.add(index, parse_file(path, notes, merging.take_pass(index)))
        cases, counted = merging.result()
    finally:
        if collecting:
            gc.enable()
    return JUnitReport(
        files=tuple(str(p) for p in paths), cases=tuple(cases), totals=counted, notes=tuple(notes)
    )
