"""Fault matrix, red team: test evidence that a real ``gates tests`` run left, then a careless
hand (or a pytest option) made it say more than the run did. Never a GO for a failing test.

Each case runs real pytest under real coverage.py through ``gates tests`` in a git project, then
asks the gate that reads the evidence, and ``gates decide``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_projects import CALC, Run, build, commit, gates, recorded

TESTS = """\
from pkg.calc import add


def test_add():
    assert add(1, 2) == 3


def test_add_wrong():
    assert add(2, 2) == 5
"""

INTERRUPTED = """\
from pkg.calc import add


def test_add():
    assert add(1, 2) == 3


def test_stop():
    raise KeyboardInterrupt


def test_add_wrong():
    assert add(2, 2) == 5
"""


STOPPED = """\
import pytest

from pkg.calc import add


def test_add():
    assert add(1, 2) == 3


def test_no_database_here():
    pytest.exit("no database here", returncode=0)


def test_add_wrong():
    assert add(2, 2) == 5
"""


def project(tmp_path: Path, required: str, tests: str = TESTS) -> Path:
    gates_toml = (
        '[tool.coverage.run]\nsource = ["pkg"]\n\n'
        f'[tool.gates]\nrequired = ["{required}"]\n\n[tool.gates.coverage]\nmin_total = 50\n'
    )
    files = {"pkg/__init__.py": "", "pkg/calc.py": CALC, "tests/test_calc.py": tests}
    return build(tmp_path / "project", files, gates_toml)


def decided(root: Path) -> dict[str, object]:
    run = gates(root, "decide", "--json")
    assert "Traceback" not in run.err
    decision: dict[str, object] = json.loads(run.out)
    assert (run.code, decision["verdict"]) == (1, "NO_GO")
    return decision


def refused(run: Run, message: str) -> None:
    assert "Traceback" not in run.err
    assert (run.code, run.out, run.err) == (2, "", f"gates: error: {message}\n")


@pytest.mark.parametrize(
    ("option", "why"),
    [
        # pytest reports every test of such a run as passed, the failing one too.
        ("--setup-plan", "sets up fixtures without running any test"),
        ("--setup-only", "sets up fixtures without running any test"),
        # Once the failures of the previous run pass, a new failure elsewhere is not run.
        ("--lf", "runs only the tests that failed in the previous run"),
        ("--sw", "skips the tests before the previous run's failure"),
    ],
)
def test_a_run_of_part_of_the_suite_is_no_pass(tmp_path: Path, option: str, why: str) -> None:
    root = project(tmp_path, "tests")

    assert gates(root, "tests", "--", option).code == 2

    named = {"--lf": "--last-failed", "--sw": "--stepwise"}.get(option, option)
    summary = (
        f"pytest usage error (exit 4): ERROR: release-gates: {named} {why}: its report is no"
        " evidence"
    )
    assert (recorded(root, "tests")["status"], recorded(root, "tests")["summary"]) == (
        "ERROR",
        summary,
    )
    assert decided(root)["reasons"] == [f"tests: ERROR ({summary})"]


SUPPRESSED = """\
import pytest


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    session.exitstatus = 0  # "flaky tests must not fail the CI job"
"""


def test_failing_tests_behind_an_exit_code_of_0_fail(tmp_path: Path) -> None:
    """A conftest (or pytest-custom-exit-code's --suppress-tests-failed-exit-code) turns the
    exit code of a run with failing tests into 0: the report, not the exit code, is judged."""
    root = project(tmp_path, "tests")
    (root / "tests/conftest.py").write_text(SUPPRESSED)
    commit(root, "failures do not fail the job")

    assert gates(root, "tests").code == 1

    tally = "1 failed, 0 errors, 1 passed, 0 skipped"
    assert (recorded(root, "tests")["status"], recorded(root, "tests")["summary"]) == (
        "FAIL",
        tally,
    )
    assert decided(root)["reasons"] == [f"tests: FAIL ({tally})"]


def test_junit_of_an_interrupted_run_is_not_judged(tmp_path: Path) -> None:
    """Only the tests before the interruption are in it, all passing: the failing one never ran."""
    root = project(tmp_path, "buckets", INTERRUPTED)
    assert gates(root, "tests", "--evidence").code == 2

    evidence = root / ".gates/evidence"
    refused(
        gates(root, "buckets"),
        f"{evidence}: JUnit from a pytest run that did not finish (exit 2)",
    )
    assert recorded(root, "buckets")["status"] == "ERROR"
    decided(root)


def test_a_run_stopped_by_pytest_exit_with_returncode_0_is_no_pass(tmp_path: Path) -> None:
    """pytest exits 0 and reports the tests before the stop, all passing: the rest never ran."""
    root = project(tmp_path, "buckets", STOPPED)
    assert gates(root, "tests").code == 2

    summary = "pytest was interrupted (exit 2): _pytest.outcomes.Exit: no database here"
    assert (recorded(root, "tests")["status"], recorded(root, "tests")["summary"]) == (
        "ERROR",
        summary,
    )
    evidence = root / ".gates/evidence"
    refused(
        gates(root, "buckets"),
        f"{evidence}: JUnit from a pytest run that did not finish (exit 2)",
    )


SKIPPED_WITHOUT_A_DATABASE = """\
import os

import pytest


@pytest.fixture(autouse=True)
def _needs_a_database():
    if not os.environ.get("DATABASE_URL_OF_NO_MACHINE"):
        pytest.skip("no database")
"""


@pytest.mark.parametrize(
    ("gate", "summary"),
    [("tests", "pytest ran no test: all 2 skipped"), ("buckets", "no test ran: all 2 skipped")],
)
def test_a_run_that_skipped_every_test_is_no_pass(tmp_path: Path, gate: str, summary: str) -> None:
    """A CI job missing a secret skips the whole suite, the failing test with it."""
    root = project(tmp_path, gate)
    (root / "tests/conftest.py").write_text(SKIPPED_WITHOUT_A_DATABASE)
    commit(root, "tests need a database")

    gates(root, "tests", "--evidence")
    if gate == "buckets":
        gates(root, "buckets")

    assert (recorded(root, gate)["status"], recorded(root, gate)["summary"]) == ("ERROR", summary)
    assert decided(root)["reasons"] == [f"{gate}: ERROR ({summary})"]


def test_a_run_stopped_at_its_first_failure_is_not_judged(tmp_path: Path) -> None:
    """-x stopped at a quarantined failure: the blocking one after it never ran."""
    root = project(tmp_path, "buckets")
    with (root / "pyproject.toml").open("a") as toml:
        toml.write(
            '\n[[tool.gates.buckets]]\nname = "known"\nseverity = "low"\n'
            'match = { nodeid = ["tests/test_calc.py::test_add_wrong"] }\n'
        )
    (root / "tests/test_later.py").write_text("def test_later_bad():\n    assert 1 == 2\n")
    commit(root, "a quarantined failure, then a blocking one")

    assert gates(root, "tests", "--evidence", "--", "-x").code == 2

    summary = "pytest was interrupted (exit 2): tests/test_calc.py:9: AssertionError"
    assert (recorded(root, "tests")["status"], recorded(root, "tests")["summary"]) == (
        "ERROR",
        summary,
    )
    evidence = root / ".gates/evidence"
    refused(
        gates(root, "buckets"),
        f"{evidence}: JUnit from a pytest run that did not finish (exit 2)",
    )


def test_a_junit_file_copied_beside_the_stamped_one_is_refused(tmp_path: Path) -> None:
    """A report in which the failing test passed would make it 'flaky' (failed and passed on this
    tree), which does not block."""
    root = project(tmp_path, "buckets")
    assert gates(root, "tests", "--evidence").code == 0
    evidence = root / ".gates/evidence"
    junit = (evidence / "junit.xml").read_text()
    passed = re.sub(r"<failure.*?</failure>", "", junit, flags=re.DOTALL)
    assert passed != junit
    (evidence / "junit-old.xml").write_text(passed)

    refused(
        gates(root, "buckets"),
        f"{evidence / 'junit-old.xml'}: not what the run stamped in {evidence / 'meta.json'} "
        "(added or changed after it): re-run 'gates tests'",
    )
    decided(root)
    # As the message says: the next run clears every report the buckets gate would read.
    assert gates(root, "tests", "--evidence").code == 0
    assert not (evidence / "junit-old.xml").exists()
    assert gates(root, "buckets").code == 1


def test_junit_rewritten_by_a_hand_run_of_part_of_the_suite_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, "buckets")
    assert gates(root, "tests", "--evidence").code == 0
    junit = root / ".gates/evidence/junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not wrong",
         f"--junitxml={junit}", "-o", "junit_family=xunit1"],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip

    refused(
        gates(root, "buckets"),
        f"{junit}: not what the run stamped in {junit.parent / 'meta.json'} (added or changed "
        "after it): re-run 'gates tests'",
    )


def test_a_risky_test_record_emptied_after_the_run_is_refused(tmp_path: Path) -> None:
    """With max_risky = 0 a test without an assertion fails the buckets gate: emptying the
    plugin's record of such tests must not turn that into a pass."""
    root = project(tmp_path, "buckets", "def test_nothing_checked():\n    sorted([2, 1])\n")
    with (root / "pyproject.toml").open("a") as toml:
        toml.write("\n[tool.gates.tests]\nmax_risky = 0\n")
    commit(root, "no risky test")
    assert gates(root, "tests", "--evidence").code == 0
    risky = root / ".gates/evidence/risky.json"
    risky.write_text(json.dumps({"risky": [], "checked": 1}))

    refused(
        gates(root, "buckets"),
        f"{risky}: not what the run stamped in {risky.parent / 'meta.json'} (added or changed "
        "after it): re-run 'gates tests'",
    )


def test_coverage_data_added_after_the_run_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, "coverage")
    assert gates(root, "tests", "--evidence").code == 0
    evidence = root / ".gates/evidence"
    data = next(evidence.glob(".coverage.*"))
    shutil.copy(data, evidence / ".coverage.elsewhere.1.x")

    refused(
        gates(root, "coverage"),
        f"{evidence / '.coverage.elsewhere.1.x'}: not what the run stamped in "
        f"{evidence / 'meta.json'} (added or changed after it): re-run 'gates tests'",
    )


@pytest.mark.parametrize("what", ["meta.json", "--baseline"])
def test_json_nested_deeper_than_python_parses_is_one_line(tmp_path: Path, what: str) -> None:
    root = project(tmp_path, "buckets")
    assert gates(root, "tests", "--evidence").code == 0
    deep = tmp_path / "deep.json" if what == "--baseline" else root / ".gates/evidence/meta.json"
    deep.write_text("[" * 100_000)
    args = ("--baseline", str(deep)) if what == "--baseline" else ()

    refused(
        gates(root, "buckets", *args),
        f"{deep}: not valid JSON (maximum recursion depth exceeded while decoding a JSON array"
        " from a unicode string)",
    )


def test_a_coverage_cache_nested_deeper_than_python_parses_is_analysed_again(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, "coverage")
    assert gates(root, "tests", "--evidence").code == 0
    first = gates(root, "coverage", "--json")
    cache = root / ".gates/cache/coverage.json"
    assert cache.is_file()
    cache.write_text("[" * 100_000)

    again = gates(root, "coverage", "--json", "--fresh")

    assert "Traceback" not in again.err
    assert (again.code, again.json["summary"]) == (first.code, first.json["summary"])


def _sharded(tmp_path: Path, required: str) -> tuple[Path, Path]:
    """A project whose suite ran as CI runs it, in 2 shards, each shard's evidence moved into a
    folder of its own (as the gates job downloads them): (project, shards folder)."""
    root = project(tmp_path, required)
    (root / "tests/test_more.py").write_text("def test_more():\n    assert 1 == 1\n")
    commit(root, "a second test file")
    shards = tmp_path / "shards"
    for index in (1, 2):
        run = gates(root, "tests", "--evidence", "--", "-p", "gates.shard", f"--shard={index}/2")
        assert run.code == 0, run.out + run.err
        shutil.move(root / ".gates/evidence", shards / str(index))
    return root, shards


@pytest.mark.parametrize(("gate", "option"), [("buckets", "--junit"), ("coverage", "--data")])
def test_shards_that_do_not_add_up_to_the_suite_are_refused(
    tmp_path: Path, gate: str, option: str
) -> None:
    """A shard's CI job that failed before uploading its evidence leaves its tests unjudged: the
    shard that came would pass on its own."""
    root, shards = _sharded(tmp_path, gate)
    assert gates(root, gate, option, str(shards)).code == 1  # both shards: test_add_wrong fails
    shutil.rmtree(shards / "1")  # shard 2 (test_more.py) passes alone

    what = "JUnit" if gate == "buckets" else "coverage data"
    refused(
        gates(root, gate, option, str(shards)),
        f"{shards / '2'}: {what} of shard 2 of 2 alone: shard 1 is missing, so part of the"
        " suite is not judged (did its job fail before uploading its evidence?)",
    )
