"""Fault matrix, red team 3: a test selection the tree does not hold never judges the suite.

``gates tests -- --deselect tests/test_calc.py::test_add_wrong`` (or ``-k``, ``-m``, a test path,
``--ignore``, the same in ``PYTEST_ADDOPTS``) ran the passing tests only and recorded a PASS for
the tree, hence a GO, while a test of that tree fails. The project's own selection — its
``[tool.gates.tests] pytest_args``, its pytest addopts, its conftest — is part of the tree and
stays allowed.
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


def project(tmp_path: Path, tests_toml: str = "") -> Path:
    gates_toml = f'[tool.gates]\nrequired = ["tests"]\n\n[tool.gates.tests]\n{tests_toml}'
    files = {
        "pkg/__init__.py": "",
        "pkg/calc.py": CALC,
        "tests/test_calc.py": TESTS,
        "other.ini": '[pytest]\naddopts = -k "not wrong"\n',
    }
    return build(tmp_path / "project", files, gates_toml)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--deselect", "tests/test_calc.py::test_add_wrong"], "--deselect"),
        (["-k", "not wrong"], "-k"),
        (["-knot wrong"], "-k"),
        (["-m", "not slow"], "-m"),
        (["tests/test_calc.py::test_add"], "a test path"),
        (["--ignore=tests/test_calc.py", "pkg"], "--ignore"),
        # Collects test_add only, as the project's settings never said.
        (["-o", "python_functions=*_add"], "-o"),
        (["-c", "other.ini"], "-c"),
        (["--noconftest"], "--noconftest"),
        (["-p", "no:warnings"], "-p no:warnings"),
    ],
)
def test_a_selection_on_the_command_line_is_no_pass(
    tmp_path: Path, args: list[str], option: str
) -> None:
    root = project(tmp_path)

    run = gates(root, "tests", "--", *args)

    assert "Traceback" not in run.err
    assert run.code == 2
    summary = (
        f"pytest usage error (exit 4): ERROR: release-gates: {option} from outside the tree "
        "(gates tests -- ARGS) changes which tests run or how they are judged: its report is no "
        "evidence (set it in [tool.gates.tests])"
    )
    assert (recorded(root, "tests")["status"], recorded(root, "tests")["summary"]) == (
        "ERROR",
        summary,
    )
    decision = gates(root, "decide", "--json")
    assert (decision.code, json.loads(decision.out)["verdict"]) == (1, "NO_GO")


WARNS = """\
import warnings


def test_warns():
    warnings.warn("deprecated", DeprecationWarning)
"""


def test_warnings_let_through_on_the_command_line_still_fail(tmp_path: Path) -> None:
    """The project's ``filterwarnings = error`` fails a test that warns; ``-W ignore`` on the
    command line comes after it and wins."""
    root = build(
        tmp_path / "project",
        {"pkg/__init__.py": "", "tests/test_warns.py": WARNS},
        '[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n\n'
        '[tool.gates]\nrequired = ["tests"]\n',
    )

    run = gates(root, "tests", "--", "-W", "ignore")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "tests")["status"]) == (2, "ERROR")
    assert str(recorded(root, "tests")["summary"]).startswith(
        "pytest usage error (exit 4): ERROR: release-gates: -W from outside the tree"
    )


def test_a_selection_in_pytest_addopts_is_no_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    monkeypatch.setenv("PYTEST_ADDOPTS", "--deselect=tests/test_calc.py::test_add_wrong")

    assert gates(root, "tests").code == 2

    assert recorded(root, "tests")["summary"] == (
        "pytest usage error (exit 4): ERROR: release-gates: --deselect from outside the tree "
        "(PYTEST_ADDOPTS) changes which tests run or how they are judged: its report is no "
        "evidence (set it in [tool.gates.tests])"
    )


def test_the_projects_own_selection_is_judged(tmp_path: Path) -> None:
    root = project(tmp_path, 'pytest_args = ["-k", "not wrong"]\n')

    run = gates(root, "tests", "--", "-q")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "tests")["summary"]) == (
        0,
        "0 failed, 0 errors, 1 passed, 0 skipped",
    )
