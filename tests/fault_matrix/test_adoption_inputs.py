"""Fault matrix: test requirements a careless project declares, met by `gates init`.

Each case: exit 2, one exact `gates: error:` line naming the file and key, no traceback, and
nothing written into the project.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, init_repo

from gates.cli import main

PYPROJECT = (
    '[project]\nname = "mini"\nversion = "1.0"\nrequires-python = ">=3.11"\n'
    '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
)


def _adopt(root: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> str:
    """Run `gates init` on a committed project holding ``files``; its stderr, after checking the
    exit code, the empty stdout and that the tree is as committed."""
    for relative, text in {"mini/__init__.py": "X = 1\n", **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    init_repo(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "project")
    capsys.readouterr()
    code = main(["init", "--root", str(root)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "Traceback" not in err and err.count("\n") == 1
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    return err


@pytest.mark.parametrize(
    ("files", "error"),
    [
        pytest.param(
            {"pyproject.toml": PYPROJECT + '[dependency-groups]\ntest=[{include-group="test"}]\n'},
            "pyproject.toml: dependency-groups.test: includes itself (through test)",
            id="group-includes-itself",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT + '[dependency-groups]\ndev = [{include-group = "x"}]\n'},
            "pyproject.toml: dependency-groups.x: no such group",
            id="group-includes-a-missing-group",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT + '[tool.pdm.dev-dependencies]\ntest = ["pytest>="]\n'},
            "pyproject.toml: tool.pdm.dev-dependencies.test: 'pytest>=': not a PEP 508 "
            "requirement: Expected semicolon (after name with no version specifier) or end",
            id="pdm-not-pep-508",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT, "tox.ini": "[testenv]\ndeps = -r requirements/no.txt\n"},
            "tox.ini: [testenv] deps: -r requirements/no.txt: no such file",
            id="tox-r-file-missing",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT, "tox.ini": "[a]\nd = {[testenv]deps}\n"
             "[testenv]\ndeps = {[a]d}\n"},
            "tox.ini: [a] d: {[...]} references nest past 10",
            id="tox-reference-cycle",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT, "tox.ini": "[testenv]\ndeps = {[base]deps}\n"},
            "tox.ini: [testenv] deps: {[base]deps}: no such section key",
            id="tox-reference-to-nothing",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT, "tox.ini": "deps = pytest\n"},
            "tox.ini: not an ini file: File contains no section headers. file: 'tox.ini', "
            "line: 1 'deps = pytest\\n'",
            id="tox-not-ini",
        ),
        pytest.param(
            {"pyproject.toml": 'tool = "hatch"\n' + PYPROJECT},
            "pyproject.toml: tool: expected a table, found str",
            id="tool-not-a-table",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT + "[tool.poetry.group.test]\ndependencies = []\n"},
            "pyproject.toml: tool.poetry.group.test.dependencies: expected a table, found list",
            id="poetry-group-not-a-table",
        ),
    ],
)  # fmt: skip
def test_unreadable_test_requirements_exit_2_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], error: str
) -> None:
    assert _adopt(tmp_path, capsys, files) == f"gates: error: {error}\n"


def test_a_project_this_python_cannot_install_exits_2_before_measuring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the chain's sessions would fail on (here: requires-python) stops init first."""
    pyproject = PYPROJECT.replace(">=3.11", ">=3.99")
    err = _adopt(tmp_path, capsys, {"pyproject.toml": pyproject, "tests/test_x.py": ""})
    install = "uv pip install -e . pytest coverage"
    assert err.startswith(f"gates: error: {tmp_path}: {install}")
    assert "Python>=3.99" in err
    assert err.endswith(
        "; fix the declared requirements or run gates init --no-measure (nothing was written)\n"
    )
