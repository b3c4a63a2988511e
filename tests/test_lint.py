"""The lint gate with real ruff on fixture projects."""

from __future__ import annotations

import json
from collections.abc import Callable

from conftest import CLEAN_MODULE, Project, pyproject

from gates import lint

GATES = """
[tool.gates]
required = ["lint"]
"""
NO_FORMAT = "\n[tool.gates.lint]\nformat = false\n"


def test_clean_project_passes(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES)
    code, data = project.gates_json("lint")
    assert code == 0
    assert data["status"] == "PASS"
    assert data["tools"]["ruff"][0].isdigit()
    assert (project.root / ".gates/results/lint.json").exists()


def test_unused_import_fails_naming_rule_and_line(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES)
    project.write("demo/__init__.py", "import os\n\n" + CLEAN_MODULE)
    code, out, _ = project.gates("lint")
    assert code == 1
    assert "lint: FAIL" in out
    assert "F401" in out
    assert "demo/__init__.py:1: `os` imported but unused" in out
    code, out, _ = project.gates("decide")
    assert code == 1
    assert "NO_GO" in out


ISORT_ONLY = '[tool.ruff.lint]\nselect = ["I"]\n'
"""pluggy's ruff settings: import order alone, so an unused import is no finding of theirs."""


def test_extend_select_checks_rules_the_projects_ruff_settings_leave_out(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates=ISORT_ONLY + GATES + NO_FORMAT)
    project.write("demo/__init__.py", CLEAN_MODULE + "\nimport os\n")
    assert project.gates("lint")[0] == 0  # the project's own settings find nothing
    extended = ISORT_ONLY + GATES + NO_FORMAT + 'extend_select = ["F"]\n'
    project.write("pyproject.toml", pyproject(extended))
    code, data = project.gates_json("lint")
    assert code == 1
    assert [(f["rule"], f["file"]) for f in data["findings"]] == [("F401", "demo/__init__.py")]


def test_the_probe_tells_whether_the_projects_settings_report_unused_imports(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates=GATES)
    assert lint.checks_unused_imports(project.root, "demo/m.py")
    project.write("pyproject.toml", pyproject(ISORT_ONLY))
    assert not lint.checks_unused_imports(project.root, "demo/m.py")
    ignored = '[tool.ruff.lint.per-file-ignores]\n"demo/*" = ["F401"]\n'
    project.write("pyproject.toml", pyproject(ignored))
    assert not lint.checks_unused_imports(project.root, "demo/m.py")
    assert lint.checks_unused_imports(project.root, "other/m.py")


def test_format_check_reports_unformatted_file(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES)
    project.write("demo/__init__.py", "x=1\n")
    code, data = project.gates_json("lint")
    assert code == 1
    assert [f["rule"] for f in data["findings"]] == ["unformatted"]


def test_format_check_can_be_turned_off(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES + "\n[tool.gates.lint]\nformat = false\n")
    project.write("demo/__init__.py", "x=1\n")
    assert project.gates("lint")[0] == 0


def test_paths_limit_what_is_checked(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES + '\n[tool.gates.lint]\npaths = ["demo"]\n')
    project.write("scripts/tool.py", "import os\n")
    assert project.gates("lint")[0] == 0


def test_baseline_ratchet_fails_only_on_new_findings(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates=GATES + '\n[tool.gates.lint]\nbaseline = "lint-baseline.json"\n')
    project.write("demo/legacy.py", "import os\nimport sys\n")
    assert project.gates("lint")[0] == 1
    code, out, _ = project.gates("lint", "--update-baseline")
    assert code == 0
    assert "2 known in the baseline" in out
    stored = json.loads((project.root / "lint-baseline.json").read_text())
    assert {e["rule"] for e in stored["findings"]} == {"F401"}
    # Lines move: still known. A new finding of the same rule elsewhere: new.
    project.write("demo/legacy.py", '"""Doc."""\n\nimport os\nimport sys\n')
    assert project.gates("lint")[0] == 0
    project.write("demo/fresh.py", "import json\n")
    code, data = project.gates_json("lint")
    assert code == 1
    assert data["metrics"] == {"findings": 3, "new_findings": 1, "baselined": 2}
    assert [f["file"] for f in data["findings"] if f["new"]] == ["demo/fresh.py"]


def test_update_baseline_without_a_baseline_file_is_a_config_error(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates=GATES)
    code, _, err = project.gates("lint", "--update-baseline")
    assert code == 2
    assert err == (
        "gates: error: pyproject.toml: tool.gates.lint.baseline: set a file name to update "
        '(e.g. baseline = "lint-baseline.json")\n'
    )


def test_broken_ruff_config_is_error_not_fail(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES)
    project.write("ruff.toml", "[lint]\nselect = 42\n")
    code, _, err = project.gates("lint")
    assert code == 2
    assert err.startswith("gates: error: ruff check exited 2:")
    assert err.count("\n") == 1
    recorded = json.loads((project.root / ".gates/results/lint.json").read_text())
    assert recorded["status"] == "ERROR"
