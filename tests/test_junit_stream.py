"""One JUnit file as a stream of test cases: which result child decides, and values over the cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates import junit
from gates.errors import EvidenceError
from gates.junit import Outcome
from gates.junit_stream import MAX_MESSAGE_CHARS, MAX_TEXT_CHARS

KEY = "tests/test_a.py::test_b"


def read_one(
    tmp_path: Path, body: str, *, head: str = ""
) -> tuple[junit.TestCase, junit.JUnitReport]:
    path = tmp_path / "junit.xml"
    path.write_text(
        f'{head}<testsuite name="pytest">\n<testcase classname="tests.test_a" name="test_b" '
        f'time="0.5">{body}</testcase>\n</testsuite>\n',
        encoding="utf-8",
    )
    report = junit.read([path], keep={KEY})
    (case,) = report.cases
    return case, report


@pytest.mark.parametrize(
    ("body", "outcome", "message", "attempts"),
    [
        (
            '<skipped message="later"/><failure message="AssertionError: boom">E boom</failure>',
            Outcome.FAILED,
            "AssertionError: boom",
            1,
        ),
        (
            '<failure message="AssertionError: boom">E boom</failure><skipped message="later"/>',
            Outcome.FAILED,
            "AssertionError: boom",
            1,
        ),
        (
            '<error message="OSError: disk"/><skipped message="s"/>',
            Outcome.ERROR,
            "OSError: disk",
            1,
        ),
        (
            '<skipped message="s"/><error message="OSError: disk"/>',
            Outcome.ERROR,
            "OSError: disk",
            1,
        ),
        (
            '<failure message="KeyError: k"/><error message="OSError: disk"/>',
            Outcome.FAILED,
            "KeyError: k",
            1,
        ),
        # surefire: a test that failed every rerun has <rerunFailure> beside <failure>; alone, it
        # still never passed.
        (
            '<rerunFailure message="TimeoutError: t"/><failure message="ValueError: v"/>',
            Outcome.FAILED,
            "ValueError: v",
            2,
        ),
        (
            '<skipped message="s"/><rerunFailure message="TimeoutError: t"/>',
            Outcome.FAILED,
            "TimeoutError: t",
            2,
        ),
        ('<rerunError message="OSError: e"/>', Outcome.ERROR, "OSError: e", 2),
        (
            '<flakyFailure message="f"/><skipped message="s"/><failure message="KeyError: k"/>',
            Outcome.FAILED,
            "KeyError: k",
            2,
        ),
    ],
    ids=[
        "skipped-then-failure",
        "failure-then-skipped",
        "error-then-skipped",
        "skipped-then-error",
        "failure-then-error",
        "rerun-failure-then-failure",
        "skipped-then-rerun-failure",
        "rerun-error-alone",
        "flaky-skipped-failure",
    ],
)
def test_a_failure_or_error_decides_whatever_else_the_case_holds(
    tmp_path: Path, body: str, outcome: Outcome, message: str, attempts: int
) -> None:
    case, report = read_one(tmp_path, body)
    assert (case.outcome, case.message, case.attempts, case.flaky) == (
        outcome,
        message,
        attempts,
        False,
    )
    assert report.failures() == [case]
    assert report.totals.failing == 1


def test_the_trace_is_the_deciding_elements_text(tmp_path: Path) -> None:
    case, _ = read_one(
        tmp_path,
        '<skipped message="s">skip text</skipped>'
        '<failure message="boom">self = x\nE   KeyError: k\n\npkg/m.py:9: KeyError</failure>',
    )
    assert case.traceback == "self = x\nE   KeyError: k\n\npkg/m.py:9: KeyError"
    assert case.exception_type == "KeyError"


def test_a_two_megabyte_attribute_is_cut_and_noted(tmp_path: Path) -> None:
    huge = "AssertionError: " + "é" * 1_000_000
    case, report = read_one(tmp_path, f'\n<failure message="{huge}">E   boom</failure>')
    assert case.message == huge[:MAX_MESSAGE_CHARS]
    assert report.notes == (
        f"{tmp_path / 'junit.xml'}: 1 value(s) longer than 64 KiB cut to 64 KiB (first at line 3)",
    )


def test_long_text_is_kept_as_its_tail_and_noted(tmp_path: Path) -> None:
    trace = "".join(f"frame {n}\n" for n in range(20_000)) + "E   ValueError: end"
    case, report = read_one(tmp_path, f'<failure message="ValueError: end">{trace}</failure>')
    assert case.traceback == trace[-MAX_TEXT_CHARS:]
    assert case.exception_type == "ValueError"
    assert report.notes == (
        f"{tmp_path / 'junit.xml'}: 1 value(s) longer than 64 KiB cut to 64 KiB "
        "(first at line 20002)",
    )


def test_comments_and_instructions_over_the_cap_are_cut(tmp_path: Path) -> None:
    _, report = read_one(
        tmp_path,
        "<!--" + "x-" * 100_000 + "--><?junk " + "y" * 100_000 + '?><failure message="boom"/>',
    )
    assert report.notes == (
        f"{tmp_path / 'junit.xml'}: 2 value(s) longer than 64 KiB cut to 64 KiB (first at line 2)",
    )


def test_short_values_are_read_untouched(tmp_path: Path) -> None:
    message = "a &lt; b &amp; c &#233; “quoted” > d" + "z" * 1000
    case, report = read_one(tmp_path, f"<failure message='{message}'>E</failure>")
    assert case.message == "a < b & c é “quoted” > d" + "z" * 1000
    assert report.notes == ()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            b'<testsuite><testcase classname="a" name="\xff"/></testsuite>',
            "not well-formed XML: not well-formed (invalid token): line 1, column 41",
        ),
        (
            "<testsuite/>".encode("utf-16"),
            "not well-formed XML: UTF-16 or UTF-32 encoded: JUnit XML is read as UTF-8",
        ),
        (
            b"<testsuite " + b'a="1" ' * 200_000 + b"/>",
            "not well-formed XML: line 1: a tag longer than 1048576 bytes",
        ),
        (
            b"<testsuite>\n&" + b"a" * 100_000 + b";</testsuite>",
            "not well-formed XML: line 2: '&' that starts no character reference",
        ),
    ],
    ids=["not-utf8", "utf16", "endless-tag", "long-reference"],
)
def test_bytes_that_cannot_be_read_are_evidence_errors(
    tmp_path: Path, data: bytes, problem: str
) -> None:
    path = tmp_path / "junit.xml"
    path.write_bytes(data)
    with pytest.raises(EvidenceError) as caught:
        junit.read([path])
    assert str(caught.value) == f"{path}: {problem}"
