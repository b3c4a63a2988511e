"""Result reuse under attack: a forged results file or ledger record never stands in for a run.

Each case: a real lint gate that FAILs (ruff F401), an edit an attacker or a careless user makes,
then the next `gates lint` and `gates decide`: the real FAIL again, the reason on stderr in one
line, never a GO, never a traceback.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Project

from gates.ledger import result_digest

FAILING = {"demo/__init__.py": "import os\n"}
LINT_ONLY = '[tool.gates]\nrequired = ["lint"]\n'


@pytest.fixture
def failing(make_project: Callable[..., Project]) -> Project:
    project = make_project(files=FAILING, gates=LINT_ONLY)
    code, _out, err = project.gates("lint")
    assert (code, err) == (1, "")
    return project


def forge_pass(project: Project) -> str:
    """Turn the recorded FAIL into a PASS in the results file; the forged file's digest."""
    path = project.root / ".gates" / "results" / "lint.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(status="PASS", summary="clean", findings=[])
    path.write_text(json.dumps(data), encoding="utf-8")
    return result_digest(data)


def assert_real_fail(project: Project, why: str) -> None:
    code, out, err = project.gates("lint", "--json")
    assert "Traceback" not in err
    assert code == 1
    assert json.loads(out)["status"] == "FAIL"
    assert err == f"gates: lint: not reused: {why}\n"


def test_a_forged_pass_in_the_results_file_is_run_again(failing: Project) -> None:
    forge_pass(failing)
    assert_real_fail(failing, "lint.json does not match its ledger record")
    code, decision = failing.gates_json("decide")
    assert (code, decision["verdict"]) == (1, "NO_GO")


def test_a_ledger_record_altered_to_match_a_forged_pass_is_run_again_and_decide_refuses(
    failing: Project,
) -> None:
    forged = forge_pass(failing)
    ledger = failing.root / ".gates" / "ledger.db"
    with sqlite3.connect(ledger) as connection:
        (seq, payload), *_ = connection.execute(
            "SELECT seq, payload FROM ledger_records WHERE kind = 'result' ORDER BY seq DESC"
        ).fetchall()
        altered = json.loads(payload) | {"status": "PASS", "digest": forged}
        connection.execute(
            "UPDATE ledger_records SET payload = ? WHERE seq = ?",
            (json.dumps(altered, sort_keys=True, separators=(",", ":")), seq),
        )
    problem = f"record {seq} was altered (hash does not match its content)"

    assert_real_fail(failing, f"the ledger's chain is broken ({problem})")

    code, out, err = failing.gates("decide")
    assert "Traceback" not in err
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {ledger}: ledger BROKEN: {problem}: results bound to it cannot be"
        " trusted (run 'gates ledger verify')\n"
    )


def test_a_gates_fresh_that_is_neither_yes_nor_no_is_one_line_and_runs_nothing(
    failing: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATES_FRESH", "maybe")
    code, out, err = failing.gates("lint")
    assert "Traceback" not in err
    assert (code, out) == (2, "")
    assert err == "gates: error: GATES_FRESH: expected 1 or 0 (or true/false), got 'maybe'\n"


def test_a_results_file_replaced_by_garbage_is_run_again(failing: Project) -> None:
    path: Path = failing.root / ".gates" / "results" / "lint.json"
    path.write_text("{not json", encoding="utf-8")
    assert_real_fail(
        failing,
        f"{path}: unreadable result (Expecting property name enclosed in double quotes:"
        " line 1 column 2 (char 1))",
    )
