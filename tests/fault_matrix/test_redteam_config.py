"""Fault matrix, red team: ``[tool.gates]`` settings, and the files they name, that a careless
hand gets wrong: never a pass for nothing checked, never a waiver past its release, never a
traceback.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import CLEAN_MODULE, Project


def test_lint_paths_without_python_files_are_an_error_not_a_pass(
    make_project: Callable[..., Project],
) -> None:
    """ruff exits 0 having checked nothing (a folder kept after the code moved out of it)."""
    project = make_project(
        {"demo/__init__.py": "import os\n\n" + CLEAN_MODULE, "docs/index.md": "# Docs\n"},
        gates='[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\npaths = ["docs"]\n',
    )
    project.commit()

    code, out, err = project.gates("lint")

    message = (
        "ruff check found no Python file to check in docs: check tool.gates.lint.paths"
        " and ruff's exclude settings"
    )
    assert "Traceback" not in err
    assert (code, out, err) == (2, "", f"gates: error: {message}\n")
    code, decision = project.gates_json("decide")
    assert (code, decision["verdict"], decision["reasons"]) == (
        1,
        "NO_GO",
        [f"lint: ERROR ({message})"],
    )


def test_a_waiver_until_a_local_version_expires_at_its_public_version(
    make_project: Callable[..., Project],
) -> None:
    """PEP 440 sorts 1.0.0 below 1.0.0+build.5: the waiver held for the release it names."""
    project = make_project(
        {"demo/__init__.py": "import os\n\n" + CLEAN_MODULE},
        gates='[tool.gates]\nrequired = ["lint"]\n\n[[tool.gates.waivers]]\ngate = "lint"\n'
        'reason = "legacy imports"\nowner = "ana"\nexpires_version = "0.1.0+build.5"\n',
    )
    project.commit()
    assert project.gates("lint")[0] == 1

    code, decision = project.gates_json("decide")

    assert (code, decision["verdict"]) == (1, "NO_GO")
    assert decision["reasons"] == [
        "lint: FAIL (1 new finding (F401))",
        "waiver ignored: lint (ana: legacy imports) until 0.1.0+build.5 expired at version"
        " 0.1.0+build.5 (project is 0.1.0)",
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(
            '{"findings": [{"file": "demo/__init__.py", "rule": "F401", "message": "m",'
            ' "count": Infinity}]}',
            "OverflowError: cannot convert float infinity to integer",
            id="count-infinity",
        ),
        pytest.param(
            '{"findings": ' + "[" * 100_000,
            "RecursionError: maximum recursion depth exceeded while decoding a JSON array from a"
            " unicode string",
            id="nested-100000-deep",
        ),
    ],
)
def test_a_baseline_file_python_cannot_count_is_one_line(
    make_project: Callable[..., Project], content: str, problem: str
) -> None:
    project = make_project(
        gates='[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\nbaseline = "base.json"\n'
    )
    path = project.write("base.json", content)

    code, out, err = project.gates("lint")

    assert "Traceback" not in err
    assert (code, out, err) == (
        2,
        "",
        f"gates: error: {path}: not a valid baseline file ({problem})\n",
    )
