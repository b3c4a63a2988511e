"""``--python``: the project's own interpreter, probed for real (venvs built with uv)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import coverage
import pytest
from coverage.sqldata import SCHEMA_VERSION
from pytest_projects import CALC, build, gates, recorded

from gates import project_python

TESTS = """\
import packaging

from pkg.calc import add, sign


def test_add():
    assert add(1, 2) == 3
    assert packaging.__version__ == "24.0"  # the project's pin, not release-gates' own


def test_sign():
    assert sign(-4) == -1


def test_without_assertion():
    add(1, 1)
"""
GATES_TOML = (
    '[tool.coverage.run]\nsource = ["pkg"]\n\n[tool.gates]\nrequired = ["tests"]\n'
    "[tool.gates.coverage]\nmin_total = 75\n"
)
PINNED = ("pytest==7.4.4", "coverage==7.2.7", "packaging==24.0")
"""Test requirements release-gates' own (pytest>=8, coverage>=7.6, packaging>=24.2) conflict
with: one environment could not hold both."""


def venv(where: Path, *requirements: str) -> Path:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed")
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(where)], check=True)
    python = where / "bin" / "python"
    if requirements:
        install = [uv, "pip", "install", "-q", "--python", str(python), *requirements]
        subprocess.run(install, check=True)
    return python


def project(root: Path) -> Path:
    files = {"pkg/__init__.py": "", "pkg/calc.py": CALC, "tests/test_calc.py": TESTS}
    return build(root, files, GATES_TOML)


def test_tests_run_under_the_projects_own_pinned_pytest_and_coverage(tmp_path: Path) -> None:
    python = venv(tmp_path / "project-env", *PINNED)
    root = project(tmp_path / "project")
    run = gates(root, "tests", "--python", str(python), "--json")
    assert run.code == 0, run.err
    result = recorded(root, "tests")
    assert result["status"] == "PASS"
    assert result["metrics"]["passed"] == 3  # type: ignore[index]
    assert result["tools"] == {"pytest": "7.4.4", "coverage": "7.2.7"}
    assert result["details"]["command"][0] == str(python)  # type: ignore[index]
    # The plugin ran under pytest 7 and release-gates' coverage reads the project's data.
    risky = json.loads((root / ".gates/evidence/risky.json").read_text())
    assert risky == {"risky": ["tests/test_calc.py::test_without_assertion"], "checked": 3}
    covered = gates(root, "coverage", "--json")
    assert covered.code == 0, covered.err + covered.out
    assert json.loads(covered.out)["metrics"]["percent_covered"] == 75.0


def test_pytest_cov_in_the_projects_addopts_leaves_the_measuring_to_the_gates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """wcwidth 0.9.5 says --cov=wcwidth in its addopts: pytest-cov's coverage took the tracer
    from the gates' own, which recorded nothing (init measured 0%, the coverage gate no data)."""
    monkeypatch.delenv(project_python.AUTOLOAD_OFF, raising=False)  # pytest-cov loads itself
    python = venv(tmp_path / "project-env", "pytest", "coverage", "pytest-cov", "packaging==24.0")
    root = project(tmp_path / "project")
    pyproject = root / "pyproject.toml"
    addopts = '[tool.pytest.ini_options]\naddopts = "--cov=pkg --cov-report=term --cov-append"\n'
    pyproject.write_text(pyproject.read_text() + addopts)
    run = gates(root, "tests", "--python", str(python), "--json")
    assert run.code == 0, run.err
    command = recorded(root, "tests")["details"]["command"]
    assert isinstance(command, list)
    assert command[command.index("pytest") + 1] == "--no-cov"
    covered = gates(root, "coverage", "--json")
    assert covered.code == 0, covered.err + covered.out
    assert json.loads(covered.out)["metrics"]["percent_covered"] == 75.0


def test_a_project_that_recurses_into_dot_folders_collects_neither_gates_nor_its_noxfile(
    tmp_path: Path,
) -> None:
    """jaraco.functools' pytest.ini drops pytest's default norecursedirs (`.*`) and adds
    --doctest-modules: in its environment, without release-gates' dependencies, importing
    every module of .gates/pythonpath/gates (the plugin's link) and the noxfile gates init
    wrote failed 30 times, and the clean project was NO_GO."""
    python = venv(tmp_path / "project-env", "pytest", "coverage", "packaging==24.0")
    root = project(tmp_path / "project")
    (root / "pytest.ini").write_text(
        "[pytest]\nnorecursedirs = build\naddopts = --doctest-modules --import-mode importlib\n"
    )
    (root / "noxfile.py").write_text("import nox\n")
    (root / "pkg/calc.py").write_text('"""\n>>> 1 + 1\n2\n"""\n' + CALC)
    run = gates(root, "tests", "--python", str(python), "--json")
    assert run.code == 0, run.out[-3000:]
    assert (root / ".gates/pythonpath/gates").is_symlink()  # there, and not collected
    assert recorded(root, "tests")["metrics"]["tests"] == 4  # type: ignore[index]


@pytest.mark.parametrize(
    ("installed", "environ", "args"),
    [
        (True, {}, ("--no-cov",)),
        (True, {project_python.AUTOLOAD_OFF: "1"}, ()),  # not loaded: --no-cov is unknown
        (False, {}, ()),
    ],
)
def test_pytest_cov_is_switched_off_only_where_pytest_loads_it(
    installed: bool, environ: dict[str, str], args: tuple[str, ...]
) -> None:
    assert project_python.pytest_cov_off(installed, environ) == args


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("missing/python", "--python {root}/missing/python: not an executable file"),
        ("pyproject.toml", "--python {root}/pyproject.toml: not an executable file"),
    ],
)
def test_a_python_that_is_no_interpreter_is_refused(
    tmp_path: Path, given: str, message: str
) -> None:
    root = project(tmp_path / "project")
    run = gates(root, "tests", "--python", str(root / given))
    assert run.code == 2
    assert run.err.strip() == "gates: error: " + message.format(root=root)
    assert "Traceback" not in run.err


def test_an_executable_that_is_not_python_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    fake = root / "fake-python"
    fake.write_text("#!/bin/sh\necho not python >&2\nexit 3\n")
    fake.chmod(0o755)
    run = gates(root, "tests", "--python", str(fake))
    assert run.code == 2
    assert run.err.strip() == (
        f"gates: error: --python {fake}: not a Python 3.8+ interpreter: not python"
    )


def test_an_environment_without_pytest_or_coverage_is_refused(tmp_path: Path) -> None:
    python = venv(tmp_path / "bare-env")
    root = project(tmp_path / "project")
    run = gates(root, "tests", "--python", str(python))
    assert run.code == 2
    assert run.err.strip() == (
        f"gates: error: --python {python}: no pytest and no coverage in that environment: "
        "install pytest and coverage there"
    )
    assert not (root / ".gates/evidence/junit.xml").exists()


def test_coverage_data_of_another_schema_is_refused(tmp_path: Path) -> None:
    # coverage 4 wrote JSON data: nothing older to install on this Python, so its probe is
    # the real probe's output with the schema an old coverage reports.
    python = venv(tmp_path / "bare-env")
    found = project_python.ProjectPython(
        python, "3.11.0", {"coverage": "4.5.4"}, ("pytest", "coverage"), None
    )
    with pytest.raises(project_python.ToolError) as refused:
        found.require_test_runners()
    assert str(refused.value) == (
        f"--python {python}: its coverage 4.5.4 writes no SQLite data, release-gates' coverage "
        f"{coverage.__version__} reads schema {SCHEMA_VERSION}: install a coverage there that "
        "writes it (coverage 5.0 or later)"
    )


def test_probe_reads_this_interpreter() -> None:
    found = project_python.probe(Path(sys.executable))
    assert found.version == sys.version.split()[0]
    assert set(found.modules) == {"pytest", "coverage"}
    assert found.packages["release-gates"]
    found.require_test_runners()
