"""Fault matrix, an environment that did not install: what the installer says goes into the
gate's ERROR, and a password it repeats goes nowhere.

``gates GATE --setup-failed FILE`` is what the chain runs when the install of a gate's
environment fails (tests/test_chain.py drives it); here it is called as the chain calls it,
on what a real uv wrote.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import Project
from install_support import HATCH_README, install_errors

PASSWORD = "s3cret-Pa55"


def test_a_password_the_installer_repeats_is_in_no_result_decision_ledger_or_output(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    """hatchling repeats a requirement it cannot parse, and the password in its URL with it."""
    broken = tmp_path / "broken"
    broken.mkdir()
    url = f"http://user:{PASSWORD}@127.0.0.1:9/dep-1.0-py3-none-any.whl"
    (broken / "pyproject.toml").write_text(
        HATCH_README.replace('readme = "MISSING.md"', f'dependencies = ["dep @ {url} ; x >>> 3"]')
    )
    dry_run = ("uv", "pip", "install", "--dry-run", "--python", sys.executable, "-e", ".")
    errors = install_errors(*dry_run, cwd=broken)
    assert PASSWORD in errors  # the installer's own errors hold it: it must go no further
    (tmp_path / "install.errors").write_text(errors)
    project = make_project(gates='[tool.gates]\nrequired = ["typecheck"]\n')
    project.commit()

    code, out, err = project.gates("typecheck", "--setup-failed", str(tmp_path / "install.errors"))
    result = json.loads((project.root / ".gates/results/typecheck.json").read_text())
    assert (code, result["status"]) == (2, "ERROR")
    assert result["summary"] == (
        "what it needs did not install: ValueError: Dependency #1 of field"
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


def test_a_missing_errors_file_still_records_the_gate_as_error(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    project = make_project()
    project.commit()
    missing = tmp_path / "gone.errors"
    code, _out, err = project.gates("lint", "--setup-failed", str(missing))
    expected = f"what it needs did not install ({missing}: cannot read: No such file or directory)"
    assert (code, err) == (2, f"gates: error: {expected}\n")
    result = json.loads((project.root / ".gates/results/lint.json").read_text())
    assert (result["status"], result["summary"]) == ("ERROR", expected)
