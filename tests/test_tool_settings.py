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


def test_ruffs_extend_is_followed_from_file_to_file_and_stops_on_a_cycle(tmp_path: Path) -> None:
    root, shared = tmp_path / "project", tmp_path / "shared"
    root.mkdir()
    shared.mkdir()
    (root / "pyproject.toml").write_text('[tool.ruff]\nextend = "../shared/base.toml"\n')
    (shared / "base.toml").write_text('extend = "~/nowhere-gates-test.toml"\n')
    (root / "ruff.toml").write_text('extend = "ruff.toml"\n')  # itself: a cycle

    found = tool_settings.extended(root, "ruff")

    assert found == (
        (shared / "base.toml").resolve(),
        (root / "ruff.toml").resolve(),
        (Path.home() / "nowhere-gates-test.toml").resolve(),
    )
    assert tool_settings.extended(root, "mypy") == ()


@pytest.mark.parametrize(
    "pyproject", ["[project]\nname = 'x'\nextend = 1\n", "[tool.ruff]\nextend = 3\n", "not [toml"]
)
def test_no_extend_is_found_where_there_is_none(tmp_path: Path, pyproject: str) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    assert tool_settings.extended(tmp_path, "ruff") == ()
