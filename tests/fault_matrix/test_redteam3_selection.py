"""Fault matrix, red team 3: a test selection the tree does not hold never judges the suite.

``gates tests -- --deselect tests/test_calc.py::test_add_wrong`` (or ``-k``, ``-m``, a test path,
``--ignore``, the same in ``PYTEST_ADDOPTS``) ran the passing tests only and recorded a PASS for
the tree, hence a GO, while a test of that tree fails. Such a run still runs (a developer's
``nox -s tests -- -k fast``) and fails when its tests fail, but a pass of it is SKIP, and its
evidence is refused by the coverage and buckets gates. The project's own selection — its
``[tool.gates.tests] pytest_args``, its pytest addopts, its conftest — is part of the tree and
stays a pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_projects import CALC, build, gates, recorded

TESTS = """\
from pkg.calc import add


def test_add():
    assert add(1, 2) == 3


def test_add_wrong():
    assert add(2, 2) == 5
"""
PASSED_ONE = "0 failed, 0 errors, 1 passed, 0 skipped"


def project(tmp_path: Path, tests_toml: str = "", required: str = '"tests"') -> Path:
    gates_toml = f"[tool.gates]\nrequired = [{required}]\n\n[tool.gates.tests]\n{tests_toml}"
    files = {
        "pkg/__init__.py": "",
        "pkg/calc.py": CALC,
        "tests/test_calc.py": TESTS,
        "other.ini": '[pytest]\naddopts = -k "not wrong"\n',
    }
    return build(tmp_path / "project", files, gates_toml)


def narrowed(option: str, source: str = "gates tests -- ARGS") -> str:
    return f"narrowed by {option} from outside the tree ({source}): no evidence for the tree"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--deselect", "tests/test_calc.py::test_add_wrong"], "--deselect"),
        (["-k", "not wrong"], "-k"),
        (["-knot wrong"], "-k"),
        (["tests/test_calc.py::test_add"], "a test path"),
        # Collects test_add only, as the project's settings never said.
        (["-o", "python_functions=*_add"], "-o"),
        (["-c", "other.ini"], "-c"),
    ],
)
def test_a_selection_on_the_command_line_that_passes_is_no_pass(
    tmp_path: Path, args: list[str], option: str
) -> None:
    root = project(tmp_path)

    run = gates(root, "tests", "--", *args)

    assert "Traceback" not in run.err
    assert run.code == 0
    assert (recorded(root, "tests")["status"], recorded(root, "tests")["summary"]) == (
        "SKIP",
        f"{PASSED_ONE}; {narrowed(option)}",
    )
    decision = gates(root, "decide", "--json")
    assert (decision.code, json.loads(decision.out)["verdict"]) == (1, "NO_GO")


@pytest.mark.parametrize("args", [["-m", "not slow"], ["--noconftest"], ["-p", "no:warnings"]])
def test_a_narrowed_run_with_a_failing_test_fails(tmp_path: Path, args: list[str]) -> None:
    root = project(tmp_path)

    run = gates(root, "tests", "--", *args)

    assert (run.code, recorded(root, "tests")["status"]) == (1, "FAIL")


def test_the_buckets_gate_refuses_the_evidence_of_a_narrowed_run(tmp_path: Path) -> None:
    root = project(tmp_path, required='"buckets"')
    assert gates(root, "tests", "--", "-k", "not wrong").code == 0

    run = gates(root, "buckets")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "buckets")["status"]) == (2, "ERROR")
    assert recorded(root, "buckets")["summary"] == (
        f"{root / '.gates/evidence'}: JUnit from a run narrowed by -k from outside the tree "
        "(gates tests -- ARGS): it judges part of the suite, not this tree (re-run 'gates tests'"
        " without it)"
    )
    decision = gates(root, "decide", "--json")
    assert (decision.code, json.loads(decision.out)["verdict"]) == (1, "NO_GO")


WARNS = """\
import warnings


def test_warns():
    warnings.warn("deprecated", DeprecationWarning)
"""


def _warning_project(tmp_path: Path) -> Path:
    return build(
        tmp_path / "project",
        {"pkg/__init__.py": "", "tests/test_warns.py": WARNS},
        '[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n\n'
        '[tool.gates]\nrequired = ["tests"]\n',
    )


def test_warnings_let_through_on_the_command_line_are_no_pass(tmp_path: Path) -> None:
    """The project's ``filterwarnings = error`` fails a test that warns; ``-W ignore`` on the
    command line comes after it and wins."""
    root = _warning_project(tmp_path)

    run = gates(root, "tests", "--", "-W", "ignore")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "tests")["status"]) == (0, "SKIP")
    assert str(recorded(root, "tests")["summary"]).endswith(narrowed("-W"))


def test_warnings_made_errors_on_the_command_line_judge_the_suite(tmp_path: Path) -> None:
    root = _warning_project(tmp_path)

    run = gates(root, "tests", "--", "-W", "error::DeprecationWarning")

    assert (run.code, recorded(root, "tests")["status"]) == (1, "FAIL")
    assert "narrowed" not in str(recorded(root, "tests")["summary"])


def test_a_selection_in_pytest_addopts_is_no_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    monkeypatch.setenv("PYTEST_ADDOPTS", "--deselect=tests/test_calc.py::test_add_wrong")

    assert gates(root, "tests").code == 0

    assert recorded(root, "tests")["summary"] == (
        f"{PASSED_ONE}; {narrowed('--deselect', 'PYTEST_ADDOPTS')}"
    )


def test_the_cache_and_random_order_switched_off_in_pytest_addopts_judge_the_suite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, 'pytest_args = ["-k", "not wrong"]\n')
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:cacheprovider -p no:randomly")

    run = gates(root, "tests")

    assert (run.code, recorded(root, "tests")["summary"]) == (0, PASSED_ONE)


def test_the_projects_own_selection_is_judged(tmp_path: Path) -> None:
    root = project(tmp_path, 'pytest_args = ["-k", "not wrong"]\n')

    run = gates(root, "tests", "--", "-q")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "tests")["summary"]) == (0, PASSED_ONE)
