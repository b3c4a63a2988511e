"""The buckets gate's evidence: JUnit globs, the risky record, the baseline, and what is kept."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gates import config as gates_config
from gates.buckets_evidence import (
    collect,
    digest_test_files,
    find_junit,
    load_baseline,
    read_risky,
)
from gates.errors import EvidenceError
from gates.junit import Outcome
from gates.workspace import Workspace
from tests.buckets_support import make_project

CASES = (
    '<testcase classname="tests.test_a" name="test_fixed"/>'
    '<testcase classname="tests.test_a" name="test_plain"/>'
    '<testcase classname="tests.test_a" name="test_hollow"/>'
    '<testcase classname="tests.test_a" name="test_broken"><failure message="x"/></testcase>'
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_collect_keeps_the_passing_tests_judging_looks_up(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {})
    evidence = root / ".gates/evidence"
    write(evidence / "junit.xml", f'<testsuite name="pytest">{CASES}</testsuite>')
    write(evidence / "risky.json", json.dumps({"risky": ["tests/test_a.py::test_hollow"]}))
    baseline = write(
        tmp_path / "before.json",
        json.dumps({"gate": "buckets", "details": {"failing": ["tests/test_a.py::test_fixed"]}}),
    )
    config = gates_config.TestsConfig(unbound_junit=True)
    found = collect(Workspace.at(root), config, "tree", previous=load_baseline(baseline))
    kept = {case.key: case.outcome for case in found.report.cases}
    assert kept == {
        "tests/test_a.py::test_fixed": Outcome.PASSED,
        "tests/test_a.py::test_hollow": Outcome.PASSED,
        "tests/test_a.py::test_broken": Outcome.FAILED,
    }
    assert (found.report.totals.passed, found.risky) == (3, ("tests/test_a.py::test_hollow",))
    assert found.unbound == (str(evidence / "junit.xml"),)


def test_a_junit_baseline_gives_its_failing_and_flaky_tests(tmp_path: Path) -> None:
    flaky = (
        '<testcase classname="tests.test_a" name="test_f"><flakyFailure message="x"/></testcase>'
    )
    path = write(tmp_path / "before.xml", f'<testsuite name="pytest">{CASES}{flaky}</testsuite>')
    baseline = load_baseline(path)
    assert (baseline.failing, baseline.flaky) == (
        frozenset({"tests/test_a.py::test_broken"}),
        frozenset({"tests/test_a.py::test_f"}),
    )


def test_globs_and_risky_records_that_do_not_fit_are_errors(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError) as caught:
        find_junit(tmp_path, ["out/junit*.xml"])
    assert str(caught.value) == (
        "out/junit*.xml: no JUnit file matches (run 'gates tests' or pass --junit)"
    )
    junit = write(tmp_path / "out/junit.xml", "<testsuite/>")
    record = write(tmp_path / "out/risky.json", '{"risky": "all"}')
    assert find_junit(tmp_path, ["out"]) == [junit.resolve()]
    with pytest.raises(EvidenceError) as caught:
        read_risky([junit])
    assert str(caught.value) == f"{record}: expected {{'risky': [node ids]}}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"id": "d", "verdict": "GO", "tree": "t", "gates": [1]}',
         "decision.json: decision.gates[0]: expected an object, got a number"),
        ('{"id": "d", "verdict": "GO", "tree": "t", "gates": [{"name": "buckets", '
         '"status": "PASS", "result": {"gate": "buckets", "status": "PASS", '
         '"details": {"failing": "all"}}}]}',
         "decision.json: details.failing: expected a list, got a string"),
        ('{"gate": "buckets", "details": []}',
         "decision.json: result.details: expected an object, got a list"),
        ("[]", "decision.json: result: expected an object, got a list"),
    ],
)  # fmt: skip
def test_a_malformed_baseline_is_one_evidence_error(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = write(tmp_path / "decision.json", text)
    with pytest.raises(EvidenceError) as raised:
        load_baseline(path)
    assert str(raised.value).startswith(f"{path}")
    assert problem in str(raised.value)


def test_test_files_are_digested_by_path_and_never_outside_the_root(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"tests/test_a.py": "def test_x(): pass\n"})
    write(tmp_path / "outside.py", "secret = 1\n")
    (root / "tests/test_link.py").symlink_to(tmp_path / "outside.py")
    keys = [
        "tests/test_a.py::test_x",
        "tests/test_a.py::T::test_y[1] [teardown]",
        "../outside.py::test_z",
        str(tmp_path / "outside.py") + "::test_z",
        "tests/test_link.py::test_z",
        "tests/missing.py::test_z",
        "tests/data.txt::test_z",
    ]

    digests = digest_test_files(root, keys)

    expected = hashlib.sha256(b"def test_x(): pass\n").hexdigest()[:16]
    assert digests == {"tests/test_a.py": expected}


def test_a_recorded_buckets_result_carries_the_digests_of_its_kept_tests(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"tests/test_a.py": "x = 1\n"})
    write(root / ".gates/evidence/junit.xml", f'<testsuite name="pytest">{CASES}</testsuite>')
    found = collect(Workspace.at(root), gates_config.TestsConfig(unbound_junit=True), "tree")
    assert found.test_files == {"tests/test_a.py": hashlib.sha256(b"x = 1\n").hexdigest()[:16]}
