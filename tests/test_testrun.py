"""``gates tests``: real pytest under real coverage.py on fixture projects in tmp_path."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import coverage
import pytest
from defusedxml import ElementTree  # type: ignore[import-untyped]
from pytest_projects import CALC, Run, build, gates, recorded, without_plugin_autoload

from gates import config as gates_config
from gates import testrun
from gates.errors import EvidenceError
from gates.workspace import Workspace

PASSING_TESTS = """\
import pytest

from pkg.calc import add, sign


def test_add():
    assert add(1, 2) == 3


def test_sign():
    assert sign(-4) == -1


@pytest.mark.skip(reason="not today")
def test_skipped():
    pass


def test_slow_deselected_by_config():
    pass
"""

FAILING_TESTS = """\
from pkg.calc import add


def test_add():
    assert add(1, 2) == 3


def test_add_wrong():
    assert add(2, 2) == 5
"""

COVERAGE_TOML = '[tool.coverage.run]\nsource = ["pkg"]\n\n[tool.gates]\nrequired = ["tests"]\n'


@pytest.fixture(scope="module", autouse=True)
def _no_plugin_autoload() -> Iterator[None]:
    with without_plugin_autoload():
        yield


def project(root: Path, files: Mapping[str, str], gates_toml: str = COVERAGE_TOML) -> Path:
    return build(root, {"pkg/__init__.py": "", "pkg/calc.py": CALC, **files}, gates_toml)


@pytest.fixture(scope="module")
def passing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Run]]:
    """One run on a passing suite, with stale evidence beforehand and a COVERAGE_RCFILE that
    would measure nothing if it leaked into the child (as when gates' own suite runs under
    coverage)."""
    root = project(
        tmp_path_factory.mktemp("passing") / "project",
        {"tests/test_calc.py": PASSING_TESTS},
        COVERAGE_TOML + '\n[tool.gates.tests]\npytest_args = ["-k", "not slow"]\n',
    )
    evidence = root / ".gates/evidence"
    evidence.mkdir(parents=True)
    (evidence / ".coverage.stale.1.x").write_text("stale")
    (evidence / "junit.xml").write_text("<stale/>")
    leaked_rc = root.parent / "leaked.rc"
    leaked_rc.write_text("[run]\nsource = not_this_project\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COVERAGE_RCFILE", str(leaked_rc))
        run = gates(root, "tests", "--json")
    yield root, run


def test_passing_suite_is_a_pass_with_counts(passing: tuple[Path, Run]) -> None:
    root, run = passing
    assert run.code == 0
    result = run.json
    assert result["status"] == "PASS"
    assert result["summary"] == "0 failed, 0 errors, 2 passed, 1 skipped"
    metrics = result["metrics"]
    assert isinstance(metrics, dict)
    # The config's pytest_args (-k "not slow") were passed: 3 tests, not 4.
    assert {k: metrics[k] for k in ("tests", "passed", "failed", "errors", "skipped")} == {
        "tests": 3,
        "passed": 2,
        "failed": 0,
        "errors": 0,
        "skipped": 1,
    }
    assert recorded(root, "tests")["status"] == "PASS"


def test_json_output_stays_pure_with_pytest_output_on_stderr(passing: tuple[Path, Run]) -> None:
    _root, run = passing
    assert json.loads(run.out)["gate"] == "tests"
    assert "generated xml file" in run.err
    assert "2 passed, 1 skipped, 1 deselected" in run.err


def test_junit_is_xunit1_with_file_and_line(passing: tuple[Path, Run]) -> None:
    root, _run = passing
    cases = ElementTree.parse(root / ".gates/evidence/junit.xml").getroot().iter("testcase")
    located = {(c.get("name"), c.get("file"), c.get("line")) for c in cases}
    # pytest writes 0-based lines: test_add is defined on line 6.
    assert ("test_add", "tests/test_calc.py", "5") in located
    assert ("test_sign", "tests/test_calc.py", "9") in located


def test_evidence_is_stamped_with_the_tree_and_stale_files_are_gone(
    passing: tuple[Path, Run],
) -> None:
    root, _run = passing
    evidence = root / ".gates/evidence"
    meta = json.loads((evidence / "meta.json").read_text())
    assert meta["tree"] == Workspace.at(root).tree_id() == recorded(root, "tests")["tree"]
    assert meta["pytest_exit_code"] == 0
    assert set(meta) == {"tree", "pytest_exit_code", "started_at", "duration_s", "files"}
    assert not (evidence / ".coverage.stale.1.x").exists()
    data_files = sorted(evidence.glob(".coverage.*"))
    assert len(data_files) == 1  # parallel mode: .coverage.<host>.<pid>.<random>
    # Every file the run left, and only those, with its content: nothing added later rides on it.
    left = [evidence / "junit.xml", data_files[0], evidence / "risky.json"]
    assert meta["files"] == {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in left
    }


def test_coverage_uses_project_config_with_branches_not_leaked_env(
    passing: tuple[Path, Run],
) -> None:
    root, _run = passing
    (data_file,) = (root / ".gates/evidence").glob(".coverage.*")
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    measured = {Path(f).relative_to(root).as_posix() for f in data.measured_files()}
    assert measured == {"pkg/__init__.py", "pkg/calc.py"}
    assert data.has_arcs()


@pytest.fixture(scope="module")
def failing_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project(
        tmp_path_factory.mktemp("failing") / "project", {"tests/test_f.py": FAILING_TESTS}
    )


def test_failing_test_exits_1_without_evidence_flag(failing_root: Path) -> None:
    run = gates(failing_root, "tests")
    assert run.code == 1
    result = recorded(failing_root, "tests")
    assert result["status"] == "FAIL"
    assert result["summary"] == "1 failed, 0 errors, 1 passed, 0 skipped"
    assert "1 failed, 1 passed" in run.out  # pytest's own output is shown


def test_failing_test_is_evidence_with_evidence_flag(failing_root: Path) -> None:
    run = gates(failing_root, "tests", "--evidence")
    assert run.code == 0
    assert recorded(failing_root, "tests")["status"] == "FAIL"
    cases = ElementTree.parse(failing_root / ".gates/evidence/junit.xml").getroot()
    failed = [c.get("name") for c in cases.iter("testcase") if c.find("failure") is not None]
    assert failed == ["test_add_wrong"]
    assert (
        json.loads((failing_root / ".gates/evidence/meta.json").read_text())["pytest_exit_code"]
        == 1
    )


@pytest.mark.parametrize(
    ("files", "args", "summary"),
    [
        pytest.param(
            {"tests/conftest.py": "import not_a_module_xyz\n", "tests/test_a.py": FAILING_TESTS},
            ["--evidence"],
            "pytest usage error (exit 4): E   ModuleNotFoundError: No module named "
            "'not_a_module_xyz'",
            id="conftest-import-error",
        ),
        pytest.param(
            {"tests/test_a.py": "import not_a_module_xyz\n"},
            ["--evidence"],
            "pytest was interrupted (exit 2): Interrupted: 1 error during collection",
            id="collection-error",
        ),
        pytest.param(
            {"tests/test_nothing.py": "X = 1\n"},
            ["--evidence"],
            "pytest collected no tests (exit 5)",
            id="no-tests",
        ),
        pytest.param(
            {"tests/test_a.py": FAILING_TESTS},
            ["--", "--no-such-flag"],
            "pytest usage error (exit 4): unrecognized arguments: --no-such-flag",
            id="usage-error",
        ),
    ],
)
def test_pytest_that_cannot_judge_is_an_error_even_as_evidence(
    tmp_path: Path, files: dict[str, str], args: list[str], summary: str
) -> None:
    root = project(tmp_path / "project", files)
    run = gates(root, "tests", *args)
    assert run.code == 2
    result = recorded(root, "tests")
    assert (result["status"], result["summary"]) == ("ERROR", summary)
    decide = gates(root, "decide", "--json")
    assert decide.code == 1
    decision = json.loads(decide.out)
    assert decision["verdict"] == "NO_GO"
    assert decision["reasons"] == [f"tests: ERROR ({summary})"]


def test_a_run_over_its_time_limit_is_killed_and_an_error(tmp_path: Path) -> None:
    sleeper = "import time\n\n\ndef test_sleeps():\n    time.sleep(60)\n"
    root = project(
        tmp_path / "project", {"tests/test_sleep.py": sleeper}, COVERAGE_TOML + "timeout = 1\n"
    )
    run = gates(root, "tests", "--evidence")
    assert run.code == 2
    message = f"{sys.executable} timed out after 1s in {root}"
    assert run.err == f"gates: error: {message}\n"
    assert recorded(root, "tests")["status"] == "ERROR"
    assert not (root / ".gates/evidence/meta.json").exists()


def test_command_puts_config_args_first_and_the_evidence_options_last(tmp_path: Path) -> None:
    config = gates_config.GatesConfig(
        root=tmp_path,
        file=tmp_path / "pyproject.toml",
        tests=gates_config.TestsConfig(pytest_args=("-q",)),
    )
    argv = testrun.command(config, ("-x", "--junitxml=mine.xml"), tmp_path / "ev")
    assert argv == [
        sys.executable,
        *("-m", "coverage", "run", "--branch", "--parallel-mode"),
        f"--data-file={tmp_path / 'ev' / '.coverage'}",
        *("-m", "pytest", "-q", "-x", "--junitxml=mine.xml"),
        f"--junitxml={tmp_path / 'ev' / 'junit.xml'}",
        *("-o", "junit_family=xunit1"),
        f"--ignore={tmp_path}",
        "--ignore=noxfile.py",
        *("-p", "gates.pytest_plugin", "-o", "enable_assertion_pass_hook=true"),
        f"--gates-evidence={tmp_path / 'ev'}",
    ]


def test_exit_0_without_a_junit_file_is_an_error_not_a_pass() -> None:
    run = testrun.PytestRun(
        exit_code=0,
        counts=None,
        junit_problem="junit.xml: pytest wrote no JUnit file",
        argv=("pytest",),
        output_tail="",
    )
    result = testrun.judge(run)
    assert (result.status.value, result.summary) == (
        "ERROR",
        "pytest exited 0 but junit.xml: pytest wrote no JUnit file",
    )
    assert testrun.TestsGate(evidence=True).exit_code(result) == 2


def test_unexpected_exit_code_is_an_error() -> None:
    counts = testrun.SuiteCounts(tests=1, failed=0, errors=0, skipped=0)
    run = testrun.PytestRun(-9, counts, "", ("pytest",), "")
    result = testrun.judge(run)
    assert (result.status.value, result.summary) == (
        "ERROR",
        "pytest ended with unexpected exit code -9",
    )


def test_unreadable_junit_is_named(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text("<testsuites><testsuite tests='x'/></testsuites>")
    with pytest.raises(EvidenceError) as caught:
        testrun.read_counts(junit)
    assert str(caught.value) == (
        f"{junit}: no test cases (the run collected nothing or was aborted)"
    )
    junit.write_text("<testsuites><testsuite><testcase name='a' classname='t'>")
    with pytest.raises(EvidenceError) as caught:
        testrun.read_counts(junit)
    assert str(caught.value).startswith(f"{junit}: not well-formed XML (truncated?)")
