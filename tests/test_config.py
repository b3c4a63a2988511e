"""[tool.gates] parsing: every error is one line naming file, key path and line; exit 2."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import Project


@pytest.mark.parametrize(
    ("gates", "message"),
    [
        (
            '[tool.gates]\nrequired = "lint"\n',
            "pyproject.toml:10: tool.gates.required: expected a list of strings, got a string",
        ),
        (
            '[tool.gates]\nrequired = ["lint"]\nrequire = ["typecheck"]\n',
            "pyproject.toml:11: tool.gates.require: unknown key",
        ),
        (
            '[tool.gates]\nrequired = ["lnt"]\n',
            "pyproject.toml:10: tool.gates.required: unknown gate 'lnt' (known: lint, typecheck, "
            "tests, coverage, buckets, package, smoke)",
        ),
        (
            "[tool.gates.lint]\npaths = [1]\n",
            "pyproject.toml:10: tool.gates.lint.paths: expected a list of strings, item 0 is an "
            "integer",
        ),
        (
            "[tool.gates.lint]\nformat = 1\n",
            "pyproject.toml:10: tool.gates.lint.format: expected true or false, got an integer",
        ),
        (
            "[tool.gates]\ntimeout = true\n",
            "pyproject.toml:10: tool.gates.timeout: expected a number, got true or false",
        ),
        (
            '[[tool.gates.waivers]]\ngate = "lint"\nreason = "r"\nowner = "o"\n',
            "pyproject.toml:9: tool.gates.waivers[0].expires: required: a waiver needs an expiry "
            "date and/or expires_version",
        ),
        (
            '[[tool.gates.waivers]]\ngate = "lint"\nreason = "r"\nowner = "o"\n'
            "expires = 2026-01-01\n"
            '\n[[tool.gates.waivers]]\ngate = "lint"\nreason = ""\nowner = "o"\n'
            "expires = 2026-01-01\n",
            "pyproject.toml:17: tool.gates.waivers[1].reason: required: every waiver says why "
            "and who owns it",
        ),
        (
            '[[tool.gates.waivers]]\ngate = "lint"\nreason = "r"\nowner = "o"\n'
            'expires = "next week"\n',
            "pyproject.toml:13: tool.gates.waivers[0].expires: expected a date (YYYY-MM-DD), "
            "got 'next week'",
        ),
        (
            '[tool.gates.commands]\nlint = "ruff check"\n',
            "pyproject.toml:10: tool.gates.commands.lint: 'lint' is a built-in gate; give the "
            "command another name",
        ),
        (
            "[tool]\ngates = 3\n",
            "pyproject.toml:10: tool.gates: expected a table, got an integer",
        ),
    ],
)
def test_bad_config_is_one_line_exit_2(
    make_project: Callable[..., Project], gates: str, message: str
) -> None:
    project = make_project(gates=gates)
    code, out, err = project.gates("decide")
    assert (code, out) == (2, "")
    assert err == f"gates: error: {message}\n"


def test_invalid_toml(make_project: Callable[..., Project]) -> None:
    project = make_project(gates="[tool.gates\n")
    code, _, err = project.gates("lint")
    assert code == 2
    assert (
        err == "gates: error: pyproject.toml: invalid TOML: Expected ']' at the end of a table "
        "declaration (at line 9, column 12)\n"
    )


def test_missing_pyproject(make_project: Callable[..., Project]) -> None:
    project = make_project()
    (project.root / "pyproject.toml").unlink()
    code, _, err = project.gates("status")
    assert code == 2
    assert err == (
        f"gates: error: {project.root}/pyproject.toml: not found "
        "(release-gates reads [tool.gates] from it)\n"
    )


def test_usage_error_exit_2(make_project: Callable[..., Project]) -> None:
    project = make_project()
    code, _, err = project.gates("nonsense")
    assert code == 2
    assert "invalid choice: 'nonsense'" in err


def test_defaults_without_section(make_project: Callable[..., Project]) -> None:
    project = make_project()
    code, rows = project.gates_json("status")
    assert code == 0
    assert [(r["gate"], r["tier"], r["status"]) for r in rows] == [  # type: ignore[index]
        ("lint", "required", None),
        ("typecheck", "required", None),
    ]
