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

from gates.reuse import Inputs, components


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


def test_a_gitignored_coveragerc_is_an_input_of_the_tests_and_coverage_gates(
    tmp_path: Path,
) -> None:
    def settings() -> str:
        inputs = Inputs(config=None, settings_of=("pytest", "coverage"))
        return components(inputs, tree="t", today=dt.date(2026, 1, 1), root=tmp_path)["settings"]

    before = settings()
    (tmp_path / ".coveragerc").write_text("[report]\nomit = *\n")
    assert settings() != before
