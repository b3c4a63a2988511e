"""A gate whose environment did not install: ``gates GATE --setup-failed FILE`` records an ERROR
naming the installer's own error line, bound to the tree, and ``decide`` gives it as the reason.

The installers' errors are real: uv and pip on a project whose readme is missing, and uv on one
whose requirement, behind a password-protected URL, does not parse (the backend repeats it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Project

from gates.chain_envs import UNWRAPPED
from gates.setup_failure import error_line, redacted, summary

PASSWORD = "s3cret-Pa55"
HATCH_README = (
    '[project]\nname = "broken"\nversion = "0"\nreadme = "MISSING.md"\n\n'
    '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
)
"""A project whose build backend refuses its metadata: the readme it names is not there."""


def _install(*argv: str, cwd: Path) -> str:
    """Run an installer that must fail, as the chain does; what it wrote to stderr."""
    env = {**os.environ, **UNWRAPPED}
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    return proc.stderr


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
    errors = _install("uv", "pip", "install", "--python", python, "-e", ".", cwd=missing_readme)
    assert "Traceback" in errors
    assert error_line(errors) == "OSError: Readme file does not exist: MISSING.md"


def test_pips_error_is_the_backends_exception_line_not_its_traceback(missing_readme: Path) -> None:
    errors = _install(
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
        f"its environment did not install ({missing}: cannot read: No such file or directory)"
    )


def test_the_recorded_error_decision_and_output_never_show_the_password(
    make_project: Callable[..., Project], missing_readme: Path, tmp_path: Path
) -> None:
    """hatchling repeats a requirement it cannot parse, and the password in its URL with it."""
    broken = tmp_path / "broken"
    broken.mkdir()
    url = f"http://user:{PASSWORD}@127.0.0.1:9/dep-1.0-py3-none-any.whl"
    (broken / "pyproject.toml").write_text(
        HATCH_README.replace('readme = "MISSING.md"', f'dependencies = ["dep @ {url} ; x >>> 3"]')
    )
    python = str(missing_readme / "venv/bin/python")
    errors = _install("uv", "pip", "install", "--python", python, "-e", ".", cwd=broken)
    assert PASSWORD in errors  # the installer's own errors hold it: it must go no further
    (tmp_path / "install.errors").write_text(errors)
    project = make_project(gates='[tool.gates]\nrequired = ["typecheck"]\n')
    project.commit()

    code, out, err = project.gates("typecheck", "--setup-failed", str(tmp_path / "install.errors"))
    result = json.loads((project.root / ".gates/results/typecheck.json").read_text())
    assert (code, result["status"]) == (2, "ERROR")
    assert result["summary"] == (
        "its environment did not install: ValueError: Dependency #1 of field"
        " `project.dependencies` is invalid: Expected a marker variable or quoted string"
    )
    assert err == f"gates: error: {result['summary']}\n" and "Traceback" not in err

    decided, decide_out, _ = project.gates("decide")
    exported, ledger, _ = project.gates("ledger", "export")
    assert (decided, exported) == (1, 0)
    decision = json.loads((project.root / ".gates/decision.json").read_text())
    assert decision["reasons"][0] == f"typecheck: ERROR ({result['summary']})"
    assert decision["tree"] == result["tree"]  # bound to this tree: not stale, not "did not run"
    written = "".join(p.read_text() for p in (project.root / ".gates").rglob("*.json"))
    for shown in (out, err, decide_out, ledger, written):
        assert PASSWORD not in shown
