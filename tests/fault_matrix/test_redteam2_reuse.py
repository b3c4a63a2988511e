"""Reuse against a tool's settings file that git ignores: it is not in the tree id, and yet the
tool reads it. A gitignored ``mypy.ini`` (or ``ruff.toml``, ``.coveragerc``) that silenced the
run, deleted or edited afterwards, left the old PASS reused and the decision GO.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Project

from gates.project import Project as GatesProject
from gates.reuse import Inputs, components
from gates.testrun import TestsGate


@pytest.mark.parametrize(
    ("gate", "ignored", "silencing", "rule"),
    [
        ("typecheck", "mypy.ini", "[mypy]\nignore_errors = True\n", "return-value"),
        ("lint", "ruff.toml", 'exclude = ["demo"]\n[lint]\nignore = ["ALL"]\n', "F401"),
    ],
)
def test_a_gitignored_settings_file_changed_after_the_run_runs_the_gate_again(
    make_project: Callable[..., Project], gate: str, ignored: str, silencing: str, rule: str
) -> None:
    files = {
        "demo/__init__.py": 'import os\n\n\ndef f() -> int:\n    return "x"\n',
        ".gitignore": f".gates/\n{ignored}\n",
    }
    project = make_project(files=files, gates=f'[tool.gates]\nrequired = ["{gate}"]\n')
    project.write(ignored, silencing)
    project.commit()
    project.gates(gate)

    (project.root / ignored).unlink()
    code, out, err = project.gates(gate, "--json")

    assert "Traceback" not in err
    assert err == f"gates: {gate}: not reused: its inputs changed (settings)\n"
    result = json.loads(out)
    assert (code, result["status"]) == (1, "FAIL")
    assert rule in {finding["rule"] for finding in result["findings"]}


def test_a_ruff_settings_file_outside_the_project_that_the_settings_extend_is_an_input(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    """A monorepo's shared ruff.toml, extended from the project's: outside the tree id."""
    shared = tmp_path / "shared.toml"
    shared.write_text('[lint]\nignore = ["F401"]\n')
    project = make_project(
        files={"demo/__init__.py": "import os\n", "ruff.toml": f'extend = "{shared}"\n'},
        gates='[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\nformat = false\n',
    )
    project.commit()
    assert project.gates("lint")[0] == 0

    shared.write_text("[lint]\n")
    code, out, err = project.gates("lint", "--json")

    assert err == "gates: lint: not reused: its inputs changed (settings)\n"
    assert (code, json.loads(out)["status"]) == (1, "FAIL")


def test_a_gitignored_coveragerc_is_an_input_of_the_tests_and_coverage_gates(
    tmp_path: Path,
) -> None:
    def settings() -> str:
        inputs = Inputs(config=None, settings_of=("pytest", "coverage"))
        return components(inputs, tree="t", today=dt.date(2026, 1, 1), root=tmp_path)["settings"]

    before = settings()
    (tmp_path / ".coveragerc").write_text("[report]\nomit = *\n")
    assert settings() != before


@pytest.mark.parametrize(
    ("link", "status"),
    # ruff does not walk into a linked folder (Python imports do): it runs again, and passes.
    [("demo/util.py", "FAIL"), ("demo/shared", "PASS")],
)
def test_an_edit_behind_a_symlink_out_of_the_project_runs_the_gate_again(
    make_project: Callable[..., Project], tmp_path: Path, link: str, status: str
) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "shared").mkdir(parents=True)
    (outside / "util.py").write_text("def g() -> int:\n    return 2\n")
    (outside / "shared" / "__init__.py").write_text("def h() -> int:\n    return 3\n")
    project = make_project(gates='[tool.gates]\nrequired = ["lint"]\n')
    target = outside / Path(link).name
    (project.root / link).symlink_to(target)
    project.commit()
    assert project.gates("lint")[0] == 0

    edited = target if target.is_file() else target / "__init__.py"
    edited.write_text("import os\n" + edited.read_text())
    code, out, err = project.gates("lint", "--json")

    assert "Traceback" not in err
    assert err == "gates: lint: not reused: its inputs changed (linked)\n"
    assert (code, json.loads(out)["status"]) == (int(status == "FAIL"), status)


def test_the_coverage_settings_file_named_by_coverage_rcfile_is_an_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def settings() -> str:
        inputs = Inputs(config=None, settings_of=("coverage",))
        return components(inputs, tree="t", today=dt.date(2026, 1, 1), root=tmp_path)["settings"]

    rcfile = tmp_path / "elsewhere.rc"
    rcfile.write_text("[run]\nbranch = true\n")
    before = settings()
    monkeypatch.setenv("COVERAGE_RCFILE", str(rcfile))
    named = settings()
    rcfile.write_text("[report]\nomit = *\n")
    assert len({before, named, settings()}) == 3


def test_pytest_plugins_named_in_the_environment_are_an_input_of_the_tests_gate(
    make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project()
    gate = TestsGate()

    def environment() -> str:
        declared = gate.inputs(GatesProject.load(project.root), "t")
        return components(declared, tree="t", today=dt.date(2026, 1, 1), root=project.root)[
            "environment"
        ]

    before = environment()
    monkeypatch.setenv("PYTEST_PLUGINS", "skip_everything")
    assert environment() != before
