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

Parsing goes through defusedxml's parser (entity declarations and external references are refused
before anything is expanded) fed in chunks to a small target, so memory does not grow with the
number of test cases: only what a test case needs is kept, and output captures are dropped.
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple
from xml.parsers.expat import ExpatError, XMLParserType

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from gates.errors import EvidenceError

CHUNK_BYTES = 1 << 16
MAX_TEXT_CHARS = 16_000
"""Traceback text kept per test case: the end of it, where the exception is."""
MAX_MESSAGE_CHARS = 2_000


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    """Setup/teardown errors and collection errors."""
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"

    @property
    def failing(self) -> bool:
        return self in (Outcome.FAILED, Outcome.ERROR)


_FAILING = frozenset({Outcome.FAILED, Outcome.ERROR})


class Phase(StrEnum):
    COLLECT = "collect"
    SETUP = "setup"
    CALL = "call"
    TEARDOWN = "teardown"


class TestCase(NamedTuple):
    """One test's final result after merging shards and collapsing reruns.

    Immutable like the frozen dataclasses elsewhere, but a named tuple: one is built per test
    case, and building a frozen dataclass of this size costs seven times as much.
    """

    nodeid: str
    """pytest-style id: ``path.py::Class::name`` (best effort for xunit2 and other producers)."""
    outcome: Outcome
    file: str | None = None
    line: int | None = None
    """1-based line of the test, when the producer wrote one."""
    duration_s: float = 0.0
    message: str = ""
    exception_type: str | None = None
    traceback: str = ""
    phase: Phase = Phase.CALL
    flaky: bool = False
    """It both failed and passed on this tree; ``outcome`` is then PASSED and ``message`` is from
    the failed attempt when the producer recorded one."""
    attempts: int = 1
    source: str = ""
    """The JUnit file the final attempt came from."""

    @property
    def key(self) -> str:
        """Identity across runs: the node id, plus the phase for a separate teardown error."""
        return f"{self.nodeid} [teardown]" if self.phase is Phase.TEARDOWN else self.nodeid


TestCase.__test__ = False  # type: ignore[attr-defined]  # not a pytest test class


@dataclass(frozen=True)
class Totals:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0
    flaky: int = 0

    @property
    def total(self) -> int:
        return (
            self.passed
            + self.flaky
            + self.failed
            + self.errors
            + self.skipped
            + self.xfailed
            + self.xpassed
        )

    @property
    def executed(self) -> int:
        return self.total - self.skipped

    @property
    def failing(self) -> int:
        return self.failed + self.errors

    @property
    def pass_rate(self) -> float:
        """Percent of executed tests that did not fail (flaky and xfailed ones count as passing)."""
        return 100.0 * (self.executed - self.failing) / self.executed if self.executed else 0.0

    @property
    def skip_rate(self) -> float:
        return 100.0 * self.skipped / self.total if self.total else 0.0


@dataclass(frozen=True)
class JUnitReport:
    """Every test case of one or more JUnit files, merged."""

    files: tuple[str, ...]
    cases: tuple[TestCase, ...]
    totals: Totals = field(default_factory=Totals)

    def failures(self) -> list[TestCase]:
        return [case for case in self.cases if case.outcome.failing]


# Exception type from pytest's text ---------------------------------------------------------

_PHASE_MESSAGE = re.compile(r'^failed on (setup|teardown) with "(.*)"$', re.DOTALL)
_TYPE_PREFIX = re.compile(
    r"^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|"
    r"Warning|Failed|Failure|Timeout|Iteration|Skipped)|[A-Z]\w*):( |$)"
)
_E_LINE = re.compile(r"^E\s+((?:[A-Za-z_]\w*\.)*[A-Z]\w*)(?::|$)", re.MULTILINE)
_LOCATION_TYPE = re.compile(r"^\S[^\n]*?:\d+: ((?:[A-Za-z_]\w*\.)*[A-Z]\w*)$", re.MULTILINE)
_PY_TRACE_LAST = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*)(?::|$)", re.MULTILINE)


def exception_type(message: str, text: str, declared: str | None = None) -> str | None:
    """The exception type of a failure: declared, else read from pytest's message or traceback."""
    if declared and declared not in ("pytest.skip", "pytest.xfail"):
        return declared
    phase = _PHASE_MESSAGE.match(message)
    if phase:
        message = phase.group(2)
    found = _TYPE_PREFIX.match(message)
    if found:
        return found.group(1)
    # pytest's long traceback ends each entry with "path:line: ExceptionType".
    locations = _LOCATION_TYPE.findall(text)
    if locations:
        return str(locations[-1])
    lines = _E_LINE.findall(text)
    if lines:
        return str(lines[-1])
    if message.startswith("assert "):
        return "AssertionError"
    if "Traceback (most recent call last)" in text:
        last = _PY_TRACE_LAST.findall(text)
        if last:
            return str(last[-1])
    return None


# Node ids ----------------------------------------------------------------------------------


def nodeid(classname: str, name: str, file: str | None) -> str:
    """Rebuild pytest's node id from JUnit's classname/name (and file, when xunit1 wrote it)."""
    if not classname:  # a collection error: the name is the module
        if file:
            return file.replace("\\", "/")
        return name.replace(".", "/") + ".py" if re.fullmatch(r"[\w.]+", name) else name
    return f"{_prefix(classname, file)}::{name}"


@functools.lru_cache(maxsize=4096)
def _prefix(classname: str, file: str | None) -> str:
    """The node id up to the test name (module path and classes): shared by many tests.

    pytest's classname is the node id itself (path and classes joined by dots), so it alone tells
    tests apart. ``file`` is where the test function is *defined*: for a method inherited from a
    mixin or base class in another file (``tests/__init__.py``) it is not the test's module, and
    the module path is then read from the classname like xunit2's.
    """
    if file:
        file = file.replace("\\", "/")
        if not file.endswith(".py"):  # a non-Python item (text doctest, plugin file)
            return file
        module = file[:-3].replace("/", ".")
        if classname == module:
            return file
        if classname.startswith(module + "."):
            return "::".join([file, *classname[len(module) + 1 :].split(".")])
    parts = classname.split(".")
    # pytest's modules are test_*.py / *_test.py: the parts up to that one are the path.
    module_end = max(
        (i for i, part in enumerate(parts) if part.startswith("test") or part.endswith("_test")),
        default=-1,
    )
    if module_end >= 0:
        return "::".join(["/".join(parts[: module_end + 1]) + ".py", *parts[module_end + 1 :]])
    return classname


# Streaming target --------------------------------------------------------------------------

_RESULT_TAGS = {"failure", "error", "skipped"}
_PASSED = Outcome.PASSED
_RERUN_TAGS = {"rerunFailure", "rerunError", "flakyFailure", "flakyError"}


_NO_ATTRS: Mapping[str, str] = MappingProxyType({})
_NO_TEXT: list[str] = []  # never appended to: see _Target.start


class _Element:
    """A ``<testcase>`` being read (private and mutable: one is made per test case)."""

    __slots__ = ("attrs", "flaky_reruns", "reruns", "result", "result_attrs", "text", "text_chars")

    def __init__(self, attrs: dict[str, str]) -> None:
        self.attrs = attrs
        self.result: str | None = None
        self.result_attrs: Mapping[str, str] = _NO_ATTRS
        self.text: list[str] = _NO_TEXT
        """Replaced by a list of its own when a result element starts (most tests have none)."""
        self.text_chars = 0
        self.reruns = 0
        self.flaky_reruns = 0


class _Target:
    """Receives parser events for one file and yields raw test case elements."""

    def __init__(self, sink: list[tuple[_Element, bool]], expat: XMLParserType) -> None:
        self.sink = sink
        self.expat = expat
        self.root: str | None = None
        self.pytest = False
        self.current: _Element | None = None
        expat.ordered_attributes = False
        expat.StartElementHandler = self.start
        expat.EndElementHandler = self.end

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.root is None:
            self.root = tag
        if tag == "testsuite" and attrs.get("name") == "pytest":
            self.pytest = True
        if tag == "testcase":
            self.current = _Element(attrs)
            return
        current = self.current
        if current is None:
            return
        if tag in _RESULT_TAGS and current.result is None:
            current.result = tag
            current.result_attrs = attrs
            current.text = []
            # Text is only wanted inside a result element: output captures never reach Python.
            self.expat.CharacterDataHandler = self.data
        elif tag in _RERUN_TAGS:
            if tag.startswith("flaky"):
                current.flaky_reruns += 1
            else:
                current.reruns += 1

    def end(self, tag: str) -> None:
        if tag == "testcase" and self.current is not None:
            self.sink.append((self.current, self.pytest))
            self.current = None
        elif tag in _RESULT_TAGS:
            self.expat.CharacterDataHandler = None

    def data(self, text: str) -> None:
        current = self.current
        if current is not None:
            current.text.append(text)
            current.text_chars += len(text)
            if current.text_chars > 4 * MAX_TEXT_CHARS:  # keep the tail, bounded
                joined = "".join(current.text)[-MAX_TEXT_CHARS:]
                current.text = [joined]
                current.text_chars = len(joined)


def _float(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


def _case(element: _Element, pytest_file: bool, source: str) -> TestCase:
    attrs = element.attrs
    classname, name = attrs.get("classname", ""), attrs.get("name", "")
    file = attrs.get("file") or None
    if file is not None and "\\" in file:
        file = file.replace("\\", "/")
    line_text = attrs.get("line")
    line = int(line_text) + (1 if pytest_file else 0) if line_text and line_text.isdigit() else None
    if element.result is None and not element.reruns and not element.flaky_reruns:
        # Most tests pass: nothing else to read.
        return TestCase(
            nodeid(classname, name, file),
            _PASSED,
            file=file,
            line=line,
            duration_s=_float(attrs.get("time")),
            source=source,
        )
    message = element.result_attrs.get("message", "")[:MAX_MESSAGE_CHARS]
    declared = element.result_attrs.get("type")
    text = "".join(element.text)[-MAX_TEXT_CHARS:] if element.text else ""
    phase = Phase.CALL
    outcome = Outcome.PASSED
    if element.result == "failure":
        outcome = Outcome.FAILED
    elif element.result == "error":
        outcome = Outcome.ERROR
        match = _PHASE_MESSAGE.match(message)
        if match:
            phase = Phase(match.group(1))
        elif not classname and message == "collection failure":
            phase = Phase.COLLECT
    elif element.result == "skipped":
        lowered = message.lower()
        if declared == "pytest.xfail":
            outcome = Outcome.XFAILED
        elif "passes unexpectedly" in lowered or declared == "pytest.xpass":
            outcome = Outcome.XPASSED
        else:
            outcome = Outcome.SKIPPED
    failing = outcome in _FAILING
    return TestCase(
        nodeid=nodeid(classname, name, file),
        outcome=outcome,
        file=file,
        line=line,
        duration_s=_float(attrs.get("time")),
        message=message,
        exception_type=exception_type(message, text, declared) if failing else None,
        traceback=text if failing else "",
        phase=phase,
        flaky=element.flaky_reruns > 0 and not failing,
        attempts=1 + element.reruns + element.flaky_reruns,
        source=source,
    )


def _parse_file(path: Path) -> Iterator[TestCase]:
    """Stream the test cases of one file; every problem is an EvidenceError naming the file."""
    sink: list[tuple[_Element, bool]] = []
    # defusedxml installs its guards (entity declarations, external references) on the expat
    # parser; the element handlers are replaced by the target's, skipping a Python layer.
    expat = DefusedXMLParser(forbid_dtd=False).parser
    target = _Target(sink, expat)
    source = str(path)
    seen = 0
    try:
        with path.open("rb") as handle:
            if path.stat().st_size == 0:
                raise EvidenceError(f"{path}: empty file (the test run wrote no report)")
            while chunk := handle.read(CHUNK_BYTES):
                expat.Parse(chunk, False)
                if target.root is not None and target.root not in ("testsuites", "testsuite"):
                    raise EvidenceError(f"{path}: not JUnit XML (root element <{target.root}>)")
                for element, pytest_file in sink:
                    seen += 1
                    yield _case(element, pytest_file, source)
                sink.clear()
            expat.Parse(b"", True)
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except DefusedXmlException as exc:
        raise EvidenceError(
            f"{path}: refused unsafe XML ({type(exc).__name__}: entity declarations and external "
            f"references are not allowed in test reports)"
        ) from None
    except ExpatError as exc:
        raise EvidenceError(f"{path}: not well-formed XML (truncated?): {exc}") from None
    for element, pytest_file in sink:
        seen += 1
        yield _case(element, pytest_file, source)
    if seen == 0:
        raise EvidenceError(f"{path}: no test cases (the run collected nothing or was aborted)")


# Merging -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Attempts:
    """Earlier attempts of a test seen more than once."""

    passed: int = 0
    failed: int = 0
    failing: TestCase | None = None
    """The last failed attempt with a recorded failure, for the flaky report."""


def merge(files: Iterable[tuple[int, Iterable[TestCase]]]) -> list[TestCase]:
    """Collapse attempts of the same test (reruns within a file, shards across files)."""
    finals: dict[tuple[str, bool], tuple[TestCase, int]] = {}
    history: dict[tuple[str, bool], _Attempts] = {}
    for index, cases in files:
        for case in cases:
            key = (case.nodeid, case.phase is Phase.TEARDOWN)
            seen = finals.get(key)
            finals[key] = (case, index)
            if seen is None:
                continue
            previous, previous_index = seen
            attempts = history.setdefault(key, _Attempts())
            # An earlier element in the same file was an attempt that got rerun: it failed,
            # whatever it looks like (pytest-rerunfailures writes it without a result child).
            if previous_index == index or previous.outcome in _FAILING:
                attempts.failed += 1
                if previous.outcome in _FAILING:
                    attempts.failing = previous
            elif previous.outcome is Outcome.PASSED:
                attempts.passed += 1
    result = []
    for key, (final, _) in finals.items():
        earlier = history.get(key)
        if earlier is None:
            result.append(final)
            continue
        count = final.attempts + earlier.passed + earlier.failed
        passed = earlier.passed + (final.outcome is Outcome.PASSED)
        failed = earlier.failed + (final.outcome in _FAILING)
        if passed and failed:
            failing = earlier.failing or (final if final.outcome in _FAILING else None)
            final = final._replace(
                outcome=Outcome.PASSED,
                flaky=True,
                message=failing.message if failing else final.message,
                exception_type=failing.exception_type if failing else None,
                traceback=failing.traceback if failing else "",
            )
        result.append(final._replace(attempts=count))
    return result


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


def read(paths: Sequence[Path]) -> JUnitReport:
    """Read and merge JUnit files, in the order given (later files are later attempts)."""
    if not paths:
        raise EvidenceError("no JUnit files given")
    # Reading makes ~10 objects per test case and no reference cycles: the cyclic collector's
    # passes over an ever larger heap would only cost time (a quarter of it on 100,000 cases).
    collecting = gc.isenabled()
    gc.disable()
    try:
        cases = merge((index, _parse_file(path)) for index, path in enumerate(paths))
    finally:
        if collecting:
            gc.enable()
    return JUnitReport(files=tuple(str(p) for p in paths), cases=tuple(cases), totals=totals(cases))
