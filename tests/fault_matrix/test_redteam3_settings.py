"""Fault matrix, red team 3: a tool's settings from outside the project never judge it.

A project with no ruff settings of its own: ruff looked for them in the folders above the
project and in the user's config folder, which the tree id does not hold (a ``ruff.toml`` left
in the home folder, a checkout inside another project). ``ignore = ["F"]`` there made the lint
gate PASS on an unused import, and the decision GO; the same tree FAILs anywhere else. mypy, for
a project without mypy settings, read the user's own (``ignore_errors = True``); pytest, those of a
``pytest.ini`` above the project. ruff also leaves out the files an ignore file matches, those of
the gated tree too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_projects import CALC, build, commit, gates, recorded, write

OUTSIDE = '[lint]\nignore = ["F"]\n'


def test_ruff_settings_above_the_project_are_not_read(tmp_path: Path) -> None:
    write(tmp_path, "ruff.toml", OUTSIDE)
    gates_toml = '[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\nformat = false\n'
    root = build(tmp_path / "project", {"pkg/__init__.py": "import os\n"}, gates_toml)

    run = gates(root, "lint")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "lint")["summary"]) == (1, "1 new finding (F401)")
    decision = gates(root, "decide", "--json")
    assert (decision.code, json.loads(decision.out)["verdict"]) == (1, "NO_GO")


def test_the_projects_own_ruff_settings_still_apply(tmp_path: Path) -> None:
    write(tmp_path, "ruff.toml", '[lint]\nselect = ["ALL"]\n')
    gates_toml = (
        '[tool.ruff.lint]\nignore = ["F401"]\n\n'
        '[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\nformat = false\n'
    )
    root = build(tmp_path / "project", {"pkg/__init__.py": "import os\n"}, gates_toml)

    run = gates(root, "lint")

    assert (run.code, recorded(root, "lint")["summary"]) == (0, "clean")


TYPE_ERROR = 'def f() -> int:\n    return "x"\n'
NO_MYPY_SETTINGS = """\
[project]
name = "demo"
version = "0.1.0"

[tool.gates]
required = ["typecheck"]

[tool.gates.typecheck]
paths = ["pkg"]
"""


def test_the_users_own_mypy_settings_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mypy reads ``$XDG_CONFIG_HOME/mypy/config`` when the project has no mypy settings."""
    write(tmp_path, "home/mypy/config", "[mypy]\nignore_errors = True\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home"))
    root = build(tmp_path / "project", {"pkg/__init__.py": TYPE_ERROR}, "")
    write(root, "pyproject.toml", NO_MYPY_SETTINGS)
    commit(root, "no mypy settings")

    run = gates(root, "typecheck")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "typecheck")["summary"]) == (1, "1 new finding (return-value)")


TESTS = """\
from pkg.calc import add


def test_add():
    assert add(1, 2) == 3


def test_add_wrong():
    assert add(2, 2) == 5
"""


def test_pytest_settings_above_the_project_are_not_read(tmp_path: Path) -> None:
    """pytest looks for its settings in the folders above a project that has none."""
    write(tmp_path, "pytest.ini", '[pytest]\naddopts = -k "not wrong"\n')
    files = {"pkg/__init__.py": "", "pkg/calc.py": CALC, "tests/test_calc.py": TESTS}
    root = build(tmp_path / "project", files, '[tool.gates]\nrequired = ["tests"]\n')

    run = gates(root, "tests")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "tests")["summary"]) == (
        1,
        "1 failed, 0 errors, 1 passed, 0 skipped",
    )


@pytest.mark.parametrize(
    ("ignore_file", "pattern"),
    [(".git/info/exclude", "pkg/legacy.py\n"), ("pkg/.ignore", "legacy.py\n")],
)
def test_a_file_of_the_tree_that_ruff_is_told_to_ignore_is_linted(
    tmp_path: Path, ignore_file: str, pattern: str
) -> None:
    """ruff leaves out what git's ignore files (and ``.ignore``) match, tracked files too: a file
    of the gated tree, hidden so by a local ``.git/info/exclude``, was never linted."""
    gates_toml = '[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\nformat = false\n'
    files = {"pkg/__init__.py": "", "pkg/legacy.py": "import os\n"}
    root = build(tmp_path / "project", files, gates_toml)
    write(root, ignore_file, pattern)

    run = gates(root, "lint")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "lint")["summary"]) == (1, "1 new finding (F401)")
    assert "pkg/legacy.py:1: `os` imported but unused" in run.out
