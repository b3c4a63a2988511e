"""Careless or hostile JUnit files given to ``gates buckets``: a verdict or one error line, never
a traceback, never a GO for a failing test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gates.cli import main
from tests.buckets_support import bind_to_tree, make_project

PASSING = '<testcase classname="tests.test_a" name="test_ok" time="0.1"/>'


def suite(*cases: str) -> bytes:
    return (
        '<testsuites><testsuite name="pytest">' + "".join(cases) + "</testsuite></testsuites>"
    ).encode()


def judged(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> tuple[int, Any, str]:
    root = make_project(tmp_path, {})
    junit = root / ".gates/evidence/junit.xml"
    junit.parent.mkdir(parents=True)
    junit.write_bytes(data)
    bind_to_tree(root, junit.parent)
    code = main(["buckets", "--root", str(root), "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out) if out else None, err


@pytest.mark.parametrize(
    "body",
    [
        '<skipped message="not here"/><failure message="AssertionError: boom">E boom</failure>',
        '<error message="OSError: disk full">E disk</error><skipped message="not here"/>',
    ],
    ids=["skipped-then-failure", "error-then-skipped"],
)
def test_a_skip_beside_a_failure_never_hides_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    case = f'<testcase classname="tests.test_a" name="test_bad" time="0.1">{body}</testcase>'
    code, result, _ = judged(tmp_path, capsys, suite(PASSING, case))
    assert (code, result["status"]) == (1, "FAIL")
    assert result["summary"] == "1 failing in 1 bucket(s), 1 blocking; pass rate 50.0%"
    assert result["details"]["failing"] == ["tests/test_a.py::test_bad"]


def test_a_two_megabyte_attribute_is_cut_and_the_cut_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = "x" * 2_000_000
    case = f'<testcase classname="tests.test_a" name="s"><skipped message="{huge}"/></testcase>'
    code, result, _ = judged(tmp_path, capsys, suite(PASSING, case))
    junit = tmp_path / ".gates/evidence/junit.xml"
    note = f"{junit}: 1 value(s) longer than 64 KiB cut to 64 KiB (first at line 1)"
    assert (code, result["status"]) == (0, "WARN")
    assert result["summary"] == f"1 of 1 executed tests pass; {note}"
    assert result["details"]["warnings"] == [note]


def test_deeply_nested_junk_is_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = "<junk>" * 50_000 + "</junk>" * 50_000
    case = (
        f'<testcase classname="tests.test_a" name="test_bad">{junk}'
        f'<failure message="AssertionError: boom"/>{junk}</testcase>'
    )
    code, result, _ = judged(tmp_path, capsys, suite(junk, PASSING, case))
    assert (code, result["status"]) == (1, "FAIL")
    assert result["summary"] == "1 failing in 1 bucket(s), 1 blocking; pass rate 50.0%"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"<coverage><packages/></coverage>", "not JUnit XML (root element <coverage>)"),
        (
            suite('<testcase classname="tests.test_a" name="test_\xe9"/>').replace(b"\xc3", b""),
            "not well-formed XML: not well-formed (invalid token): line 1, column 83",
        ),
        (b"", "empty file (the test run wrote no report)"),
    ],
    ids=["wrong-root", "not-utf8", "empty"],
)
def test_unreadable_files_are_one_error_line_and_no_go(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, problem: str
) -> None:
    code, result, err = judged(tmp_path, capsys, data)
    junit = tmp_path / ".gates/evidence/junit.xml"
    assert (code, result) == (2, None)
    assert err == f"gates: error: {junit}: {problem}\n"
    assert main(["decide", "--root", str(tmp_path), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["verdict"] == "NO_GO"


def _unbound(tmp_path: Path, gates_toml: str = "") -> Path:
    """A project whose JUnit file has no meta.json: nothing ties it to this tree."""
    root = make_project(tmp_path, {}, gates_toml)
    junit = root / ".gates/evidence/junit.xml"
    junit.parent.mkdir(parents=True)
    junit.write_bytes(suite(PASSING))
    return root


def test_junit_without_its_stamp_is_an_error_and_no_go(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An old passing report must never stand in for a tree whose tests were not run."""
    root = _unbound(tmp_path)
    code = main(["buckets", "--root", str(root)])
    _, err = capsys.readouterr()
    meta = root / ".gates/evidence/meta.json"
    assert code == 2
    assert err.startswith(f"gates: error: {meta}: missing, so the JUnit")
    assert main(["decide", "--root", str(root), "--json"]) == 1
    decision = json.loads(capsys.readouterr().out)
    assert (decision["verdict"], decision["gates"][0]["status"]) == ("NO_GO", "ERROR")


def test_unbound_junit_accepted_by_opt_in_is_listed_like_a_waiver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _unbound(tmp_path, "[tool.gates.tests]\nunbound_junit = true\n")
    assert main(["buckets", "--root", str(root)]) == 0
    capsys.readouterr()
    assert main(["decide", "--root", str(root), "--json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["verdict"] == "GO_WITH_WAIVERS"
    assert [w["owner"] for w in decision["waivers"]] == ["tool.gates.tests.unbound_junit"]
