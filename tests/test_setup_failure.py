"""A gate whose environment did not install: ``gates GATE --setup-failed FILE`` records an ERROR
naming the installer's own error line, bound to the tree, and ``decide`` gives it as the reason.

The installers' errors are real: uv and pip on a project whose readme is missing. What a user
can get wrong (an installer that echoes a password, a missing errors file) is
tests/fault_matrix/test_install_errors.py's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from install_support import HATCH_README, install_errors

from gates.setup_failure import error_line, redacted, summary

PASSWORD = "s3cret-Pa55"


@pytest.fixture(scope="module")
def missing_readme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("missing_readme")
    (root / "pyproject.toml").write_text(HATCH_README)
    (root / "broken").mkdir()
    (root / "broken/__init__.py").write_text("")
    subprocess.run(["uv", "venv", "-q", str(root / "venv")], check=True)
    return root


def test_uvs_error_is_the_backends_exception_line_not_its_traceback(missing_readme: Path) -> None:
    python = str(missing_readme / "venv/bin/python")
    errors = install_errors(
        "uv", "pip", "install", "--python", python, "-e", ".", cwd=missing_readme
    )
    assert "Traceback" in errors
    assert error_line(errors) == "OSError: Readme file does not exist: MISSING.md"


def test_pips_error_is_the_backends_exception_line_not_its_traceback(missing_readme: Path) -> None:
    errors = install_errors(
        sys.executable, "-m", "pip", "install", "--dry-run", "-e", ".", cwd=missing_readme
    )
    assert "Traceback" in errors
    assert error_line(errors) == "OSError: Readme file does not exist: MISSING.md"


def test_without_a_traceback_the_last_line_that_is_not_a_hint_is_the_error() -> None:
    resolution = (
        "error: No solution found when resolving dependencies\n"
        "  ╰─▶ Because nothing-here was not found in the package registry, your requirements"
        " are unsatisfiable.\n\nhint: check the name\n"
    )
    assert error_line(resolution) == (
        "Because nothing-here was not found in the package registry, your requirements are"
        " unsatisfiable."
    )
    assert error_line("\n  hint: only a hint\n") == "the installer wrote no error"
    assert error_line("ERROR: " + "x" * 400).endswith("x…")
    assert len(error_line("ERROR: " + "x" * 400)) == 300


def test_every_url_password_is_masked_in_any_spelling_and_index_settings_too() -> None:
    text = (
        f"ERROR: Could not fetch http://user:{PASSWORD}@host/simple/ (user%3A{PASSWORD[:6]}%2D"
        f"{PASSWORD[7:]}), also http://me:pw@other/x and {PASSWORD.upper()}\n"
        "Looking in indexes: https://ci:t0ken-from-env@mirror/simple\n"
        "echoed t0ken-from-env\n"
    )
    shown = redacted(text, {"UV_INDEX_URL": "https://ci:t0ken-from-env@mirror/simple"})
    assert PASSWORD not in shown and f"{PASSWORD[:6]}%2D{PASSWORD[7:]}" not in shown
    assert "t0ken-from-env" not in shown
    assert "http://me:***@other/x" in shown  # too short for a pattern, masked as a URL's password


def test_an_unreadable_errors_file_still_records_that_the_install_failed(tmp_path: Path) -> None:
    missing = tmp_path / "gone.errors"
    assert summary(missing, {}) == (
        f"what it needs did not install ({missing}: cannot read: No such file or directory)"
    )
