"""One JUnit file read as a stream of test cases, in bounded time and memory.

The bytes pass through ``bounded_xml`` (no token longer than a cap reaches expat, so nothing is
re-scanned and no value is held whole), then defusedxml's expat parser (entity declarations and
external references are refused before anything is expanded), whose element events go straight to a
small target: only what a test case needs is kept, and output captures never reach Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from xml.parsers.expat import ExpatError, XMLParserType, errors

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from gates.bounded_xml import CAP_BYTES, BoundedFeed, MarkupError
from gates.errors import EvidenceError
from gates.junit_model import (
    FAILING,
    PHASE_MESSAGE,
    Outcome,
    Phase,
    TestCase,
    exception_type,
    nodeid,
)
from gates.junit_table import TakePass

CHUNK_BYTES = 1 << 16
MAX_TEXT_CHARS = 16_000
"""Traceback text kept per test case: the end of it, where the exception is."""
MAX_MESSAGE_CHARS = 2_000

_RESULT_RANK = {"skipped": 1, "rerunFailure": 2, "rerunError": 2, "failure": 3, "error": 3}
"""Which result child decides when a test case holds several: a failure or error, whatever else is
there (a ``<skipped/>`` before it must not hide it); then surefire's rerun failure, which it writes
beside the ``<failure>`` of a test that failed every attempt (alone, the test still never passed);
then a skip. Of two of the same rank the first decides."""
_RERUN_TAGS = frozenset({"rerunFailure", "rerunError"})
_FLAKY_TAGS = frozenset({"flakyFailure", "flakyError"})
"""Surefire: failed attempts of a test that then passed."""
_RESULT_OF = {"rerunFailure": "failure", "rerunError": "error"}
_PASSED = Outcome.PASSED

_CUT_SHORT = frozenset(
    errors.codes[message]
    for message in (
        errors.XML_ERROR_NO_ELEMENTS,
        errors.XML_ERROR_UNCLOSED_TOKEN,
        errors.XML_ERROR_PARTIAL_CHAR,
        errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    )
)
"""Expat errors of a file that ends too early (a run killed while writing it)."""

_NO_ATTRS: Mapping[str, str] = MappingProxyType({})
_NO_TEXT: list[str] = []  # never appended to: see _Target.start


class _Element:
    """What a ``<testcase>`` being read holds besides its attributes (private and mutable: one is
    made per test case that has a result or rerun marks)."""

    __slots__ = (
        "flaky_reruns",
        "rank",
        "reruns",
        "result",
        "result_attrs",
        "text",
        "text_chars",
        "text_seen",
    )

    def __init__(self) -> None:
        self.result: str | None = None
        self.rank = 0
        self.result_attrs: Mapping[str, str] = _NO_ATTRS
        self.text: list[str] = _NO_TEXT
        """Replaced by a list of its own when a result element starts (most tests have none)."""
        self.text_chars = 0
        """Characters in ``text`` (its tail is kept, bounded)."""
        self.text_seen = 0
        """Characters the result element held, kept or not."""
        self.reruns = 0
        self.flaky_reruns = 0


class _Target:
    """Receives parser events for one file: test cases wait to be yielded, or go to ``take_pass``.

    A plain ``<testcase/>`` (most tests) costs one call each for its start and end and, when
    ``take_pass`` counts it, no object; handlers are swapped rather than branched on (the first
    element's handler records the root once).
    """

    def __init__(self, expat: XMLParserType, source: str, take_pass: TakePass | None) -> None:
        self.waiting: list[TestCase] = []
        """Read, not yet yielded (yielded after each chunk is parsed)."""
        self.waiting_ids: set[str] = set()
        self.source = source
        self.take_pass = take_pass
        self.cases = 0
        self.expat = expat
        self.root: str | None = None
        self.pytest = False
        self.attrs: dict[str, str] | None = None
        """The open ``<testcase>``'s attributes; None outside one."""
        self.current: _Element | None = None
        """Made when the open test case has a result (most have none)."""
        self.texts_cut = 0
        self.first_cut_line = 0
        expat.ordered_attributes = False
        expat.StartElementHandler = self.first
        expat.EndElementHandler = self.end

    def first(self, tag: str, attrs: dict[str, str]) -> None:
        self.root = tag
        self.expat.StartElementHandler = self.start
        self.start(tag, attrs)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "testcase":
            self.attrs = attrs
            self.current = None
            return
        if self.attrs is None:
            if tag == "testsuite" and attrs.get("name") == "pytest":
                self.pytest = True
            return
        rank = _RESULT_RANK.get(tag)
        if rank is None:
            if tag in _FLAKY_TAGS:
                self._element().flaky_reruns += 1
            return
        current = self._element()
        if tag in _RERUN_TAGS:
            current.reruns += 1
        if rank > current.rank:
            current.rank = rank
            current.result = _RESULT_OF.get(tag, tag)
            current.result_attrs = attrs
            current.text = []
            current.text_chars = current.text_seen = 0
            # Text is only wanted inside a result element: output captures never reach Python.
            self.expat.CharacterDataHandler = self.data

    def _element(self) -> _Element:
        current = self.current
        if current is None:
            current = self.current = _Element()
        return current

    def end(self, tag: str) -> None:
        if tag == "testcase":
            attrs = self.attrs
            if attrs is None:
                return
            self.attrs = None
            self.cases += 1
            current = self.current
            if current is not None:
                self.current = None
            elif self.take_pass is not None:
                # nodeid() reads a Windows path in ``file`` as _case() does.
                node = nodeid(attrs.get("classname", ""), attrs.get("name", ""), attrs.get("file"))
                # Not while an attempt of the same test waits to be yielded: the consumer must
                # see each test's attempts in order.
                if (not self.waiting or node not in self.waiting_ids) and self.take_pass(node):
                    return
            case = _case(attrs, current, self.pytest, self.source)
            self.waiting.append(case)
            self.waiting_ids.add(case.nodeid)
        elif tag in _RESULT_RANK and self.expat.CharacterDataHandler is not None:
            self.expat.CharacterDataHandler = None
            current = self.current
            if current is not None and current.text_seen > CAP_BYTES:
                if not self.texts_cut:
                    self.first_cut_line = self.expat.CurrentLineNumber
                self.texts_cut += 1

    def drain(self) -> list[TestCase]:
        """The test cases read since the last drain, in file order."""
        cases = self.waiting
        self.waiting = []
        self.waiting_ids.clear()
        return cases

    def data(self, text: str) -> None:
        current = self.current
        if current is not None:
            current.text.append(text)
            current.text_chars += len(text)
            current.text_seen += len(text)
            if current.text_chars > 4 * MAX_TEXT_CHARS:  # keep the tail, bounded
                joined = "".join(current.text)[-MAX_TEXT_CHARS:]
                current.text = [joined]
                current.text_chars = len(joined)


def _float(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


def _case(
    attrs: dict[str, str], element: _Element | None, pytest_file: bool, source: str
) -> TestCase:
    classname, name = attrs.get("classname", ""), attrs.get("name", "")
    file = attrs.get("file") or None
    if file is not None and "\\" in file:
        file = file.replace("\\", "/")
    line_text = attrs.get("line")
    line = int(line_text) + (1 if pytest_file else 0) if line_text and line_text.isdigit() else None
    if element is None:  # no result and no rerun marks: most tests pass, nothing else to read
        return TestCase(
            nodeid(classname, name, file),
            _PASSED,
            file,
            line,
            _float(attrs.get("time")),
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
        match = PHASE_MESSAGE.match(message)
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
    failing = outcome in FAILING
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


def parse_file(
    path: Path, notes: list[str], take_pass: TakePass | None = None
) -> Iterator[TestCase]:
    """Stream the test cases of one file; every problem is an EvidenceError naming the file.

    A passing test (no result element, no rerun marks) is first offered to ``take_pass`` by node
    id; one it counts is not yielded. A note for ``notes`` says when values longer than the cap
    were cut.
    """
    # defusedxml installs its guards (entity declarations, external references) on the expat
    # parser; the element handlers are replaced by the target's, skipping a Python layer.
    expat = DefusedXMLParser(forbid_dtd=False).parser
    target = _Target(expat, str(path), take_pass)
    feed = BoundedFeed()
    try:
        with path.open("rb") as handle:
            if path.stat().st_size == 0:
                raise EvidenceError(f"{path}: empty file (the test run wrote no report)")
            while chunk := handle.read(CHUNK_BYTES):
                expat.Parse(feed.feed(chunk), False)
                if target.root is not None and target.root not in ("testsuites", "testsuite"):
                    raise EvidenceError(f"{path}: not JUnit XML (root element <{target.root}>)")
                yield from target.drain()
            expat.Parse(feed.feed(b"", final=True), True)
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except DefusedXmlException as exc:
        raise EvidenceError(
            f"{path}: refused unsafe XML ({type(exc).__name__}: entity declarations and external "
            f"references are not allowed in test reports)"
        ) from None
    except ExpatError as exc:
        hint = " (truncated?)" if exc.code in _CUT_SHORT else ""
        raise EvidenceError(f"{path}: not well-formed XML{hint}: {exc}") from None
    except MarkupError as exc:
        raise EvidenceError(f"{path}: not well-formed XML: {exc}") from None
    yield from target.drain()
    if not target.cases:
        raise EvidenceError(f"{path}: no test cases (the run collected nothing or was aborted)")
    cut = feed.cuts.count + target.texts_cut
    if cut:
        lines = [line for line in (feed.cuts.first_line, target.first_cut_line) if line]
        notes.append(
            f"{path}: {cut} value(s) longer than {CAP_BYTES // 1024} KiB cut to "
            f"{CAP_BYTES // 1024} KiB (first at line {min(lines)})"
        )
