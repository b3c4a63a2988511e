"""Where each tool reads its settings in the project root: one table for every reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates import tool_settings


@pytest.mark.parametrize(
    ("files", "found"),
    [
        ({}, set()),
        ({"pyproject.toml": "[project]\nname = 'x'\n"}, set()),
        ({"pyproject.toml": "[tool.ruff]\n[tool.mypy]\n"}, {"ruff", "mypy"}),
        (
            {"pyproject.toml": "[tool.pytest.ini_options]\n[tool.coverage.run]\n"},
            {"pytest", "coverage"},
        ),
        (
            {"pyproject.toml": "not = [toml"},
            {"ruff", "mypy", "pytest", "coverage"},
        ),  # read, or reported
        ({"ruff.toml": ""}, {"ruff"}),
        ({".ruff.toml": ""}, {"ruff"}),
        ({"mypy.ini": ""}, {"mypy"}),
        ({"pytest.ini": ""}, {"pytest"}),  # pytest takes it even empty
        ({".coveragerc": ""}, {"coverage"}),
        ({"setup.cfg": "[mypy]\n[tool:pytest]\n[coverage:run]\n"}, {"mypy", "pytest", "coverage"}),
        ({"setup.cfg": "[mypy-pkg.*]\n[pytest]\n[metadata]\n"}, set()),
        ({"tox.ini": "[pytest]\n[coverage:report]\n"}, {"pytest", "coverage"}),
        ({"tox.ini": "[tool:pytest]\n[testenv]\n"}, set()),
        ({"setup.cfg": "[mypy\nbroken"}, set()),
    ],
)
def test_in_root_finds_the_settings_each_tool_would_read(
    tmp_path: Path, files: dict[str, str], found: set[str]
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)

    assert {tool for tool in tool_settings.PLACES if tool_settings.in_root(tmp_path, tool)} == found


def test_the_files_of_each_tool_are_listed_once() -> None:
    assert tool_settings.FILES["mypy"] == ("pyproject.toml", "mypy.ini", ".mypy.ini", "setup.cfg")
    assert tool_settings.FILES["coverage"] == (
        "pyproject.toml",
        ".coveragerc",
        "setup.cfg",
        "tox.ini",
    )
