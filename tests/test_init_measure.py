"""Why a project's tests cannot run, read from real pytest output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gates.config import PackageConfig
from gates.init_measure import CHANGELOGS, AdoptedChangelog, Target, adopt_changelog, cannot_run


def _target(root: Path) -> Target:
    return Target(root, ("mini",), "tests", None, False, ("-e", "."), "tox.ini [testenv]")


def _pytest(root: Path, test: str) -> tuple[str, int]:
    """pytest's output (stdout, then stderr, as gates init reads it) and exit code."""
    (root / "tests").mkdir()
    (root / "tests/test_x.py").write_text(test)
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return f"{ran.stdout}\n{ran.stderr}", ran.returncode


def test_missing_modules_are_named_with_the_test_module(tmp_path: Path) -> None:
    output, code = _pytest(tmp_path, "import gates_absent_a\nimport gates_absent_b.sub\n")
    assert code == 2
    assert str(cannot_run(_target(tmp_path), output, code)) == (
        "tests/test_x.py: the tests cannot run: no module named 'gates_absent_a'; declare it "
        "with the test requirements (tox.ini [testenv]) and run gates init again "
        "(nothing was written)"
    )


@pytest.mark.parametrize(
    ("test", "why"),
    [
        ("def test_x(:\n", "SyntaxError: invalid syntax"),
        ("raise RuntimeError('no config')\n", "RuntimeError: no config"),
    ],
)
def test_other_collection_errors_quote_pytest(tmp_path: Path, test: str, why: str) -> None:
    output, code = _pytest(tmp_path, test)
    assert str(cannot_run(_target(tmp_path), output, code)) == (
        f"tests/test_x.py: the tests cannot run (pytest exit 2): {why}; fix that or run "
        "gates init --no-measure (nothing was written)"
    )


def test_no_tests_at_all(tmp_path: Path) -> None:
    output, code = _pytest(tmp_path, "X = 1\n")
    assert str(cannot_run(_target(tmp_path), output, code)).startswith(
        "tests: the tests cannot run (pytest exit 5): no tests ran in "
    )


def test_options_of_a_plugin_not_installed_name_the_settings_file(tmp_path: Path) -> None:
    """parse 1.22.4's addopts say --cov=parse and declare no pytest-cov: pytest's usage error
    is on stderr, and names the file the options came from."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "--cov=mini --cov-branch"\n'
    )
    output, code = _pytest(tmp_path, "def test_x():\n    assert True\n")
    assert code == 4
    assert str(cannot_run(_target(tmp_path), output, code)) == (
        "pyproject.toml: the tests cannot run (pytest exit 4): unrecognized arguments: "
        "--cov=mini --cov-branch: declare the pytest plugin they belong to with the test "
        "requirements (tox.ini [testenv]) and run gates init again (nothing was written)"
    )


@pytest.mark.parametrize(
    ("files", "version", "adopted"),
    [
        ({}, "1.0.0", AdoptedChangelog("CHANGELOG.md", "no CHANGELOG.md")),
        (
            {"CHANGELOG.md": "## [0.9.0] - 2026-01-01\n"},
            "1.0.0",
            AdoptedChangelog("CHANGELOG.md", "CHANGELOG.md has no section for 1.0.0 or Unreleased"),
        ),
        (
            {"CHANGELOG.md": "## [0.9.0] - 2026-01-01\n"},
            None,
            AdoptedChangelog(
                "CHANGELOG.md",
                "CHANGELOG.md has no section for Unreleased (the version is set at build)",
            ),
        ),
        ({"CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n\n- new\n"}, "1.0.0", None),
        ({"CHANGELOG.md": "## [1.0.0] - 2026-01-01\n"}, "1.0.0", None),
        # No CHANGELOG.md: the first of the others, read in its own format.
        ({"CHANGES.rst": "Version 1.0.0\n-------------\n"}, "1.0", "CHANGES.rst"),
        ({"NEWS.md": "## 1.0.0\n", "changelog.rst": "1.0.0\n=====\n"}, "1.0.0", "NEWS.md"),
        ({"changelog.rst": "Unreleased\n==========\n"}, "2.0", "changelog.rst"),
        (
            {"HISTORY.rst": "## [1.0.0]\n", "NEWS.rst": "1.0.0\n=====\n"},
            "1.0.0",
            AdoptedChangelog("HISTORY.rst", "HISTORY.rst has no section for 1.0.0 or Unreleased"),
        ),
        # Names as listed, in their case: a changes.rst is none of them (CI on Linux agrees).
        (
            {"changes.rst": "1.0.0\n=====\n"},
            "1.0.0",
            AdoptedChangelog("CHANGELOG.md", "no CHANGELOG.md"),
        ),
        # A folder by a changelog's name is not a changelog.
        ({"CHANGES.rst/x": ""}, "1.0.0", AdoptedChangelog("CHANGELOG.md", "no CHANGELOG.md")),
    ],
)
def test_init_adopts_the_first_changelog_and_says_why_its_check_starts_off(
    tmp_path: Path,
    files: dict[str, str],
    version: str | None,
    adopted: AdoptedChangelog | str | None,
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    expected = adopted if isinstance(adopted, AdoptedChangelog) else None
    expected = expected or AdoptedChangelog(adopted or "CHANGELOG.md", None)
    assert adopt_changelog(tmp_path, version) == expected


def test_the_first_changelog_init_looks_for_is_the_package_gates_default() -> None:
    assert CHANGELOGS[0] == PackageConfig().changelog
    assert AdoptedChangelog(CHANGELOGS[0], None).setting is None  # the default: nothing to write
