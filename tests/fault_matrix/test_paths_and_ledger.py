"""Fault matrix, paths and ledger: what an attacker or a careless user can put in the project
folder, the ledger database or the files under ``.gates/``. Each case: exit code, the exact error
line, no traceback, nothing written or deleted outside the project, never a GO."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import git

from gates.cli import main
from gates.ledger import RecordKind, open_ledger

# Commands that load the project (every one goes through the same check of the folder).
PROJECT_COMMANDS = [
    ("tests", "--evidence"),
    ("lint",),
    ("decide",),
    ("status",),
    ("checklist",),
    ("history",),
    ("ledger", "verify"),
    ("ledger", "export"),
    ("report", "--html", "page.html"),
    ("release", "publish", "--dry-run"),
]
IDS = [" ".join(command) for command in PROJECT_COMMANDS]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _evidence_lookalikes(folder: Path) -> dict[str, bytes]:
    """Files named like the ones ``gates tests`` clears before a run (its clean-up)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("junit.xml", "meta.json", ".coverage", ".coverage.host.1", "risky-gw0.json"):
        (folder / name).write_text(f"precious {name}\n")
    (folder / "evidence").mkdir(exist_ok=True)
    (folder / "evidence" / "junit.xml").write_text("precious\n")
    return _files(folder)


def _refused(project: Any, command: tuple[str, ...], expected_error: str) -> None:
    code, out, err = project.gates(*command)
    assert (code, out, err) == (2, "", f"gates: error: {expected_error}\n")


# A .gates that is not a real folder inside the project -----------------------------------------


@pytest.mark.parametrize("command", PROJECT_COMMANDS, ids=IDS)
def test_a_committed_gates_symlink_to_a_folder_outside_is_refused_and_nothing_outside_changes(
    make_project: Any, tmp_path: Path, command: tuple[str, ...]
) -> None:
    outside = tmp_path / "outside"
    before = _evidence_lookalikes(outside)
    project = make_project()
    (project.root / ".gates").symlink_to(outside, target_is_directory=True)
    project.commit("a .gates symlink")
    assert git(project.root, "ls-files", ".gates") == ".gates"

    _refused(
        project,
        command,
        f"{project.root / '.gates'}: is a symlink (to {outside}): release-gates writes and deletes"
        " only inside a real .gates folder; replace the link with a folder",
    )
    assert _files(outside) == before


def test_a_gates_symlink_to_a_folder_inside_the_project_is_refused_too(make_project: Any) -> None:
    project = make_project()
    state = project.root / "build" / "state"
    before = _evidence_lookalikes(state)
    (project.root / ".gates").symlink_to("build/state")
    project.commit("a relative .gates symlink")
    _refused(
        project,
        ("tests", "--evidence"),
        f"{project.root / '.gates'}: is a symlink (to build/state): release-gates writes and"
        " deletes only inside a real .gates folder; replace the link with a folder",
    )
    assert _files(state) == before


def test_an_evidence_folder_symlinked_out_of_gates_is_refused_before_the_clean_up(
    make_project: Any, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    before = _evidence_lookalikes(outside)
    project = make_project()
    (project.root / ".gates").mkdir()
    (project.root / ".gates" / "evidence").symlink_to(outside)
    _refused(
        project,
        ("tests", "--evidence"),
        f"{project.root / '.gates' / 'evidence'}: is a symlink (to {outside}): release-gates"
        " writes and deletes only inside a real .gates folder; replace the link with a folder",
    )
    assert _files(outside) == before


def test_a_gates_file_is_refused(make_project: Any) -> None:
    project = make_project()
    (project.root / ".gates").write_text("not a folder\n")
    _refused(
        project,
        ("status",),
        f"{project.root / '.gates'}: is not a folder (.gates is where results go)",
    )


@pytest.mark.parametrize("command", PROJECT_COMMANDS, ids=IDS)
def test_root_on_a_symlink_loop_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "back")
    (tmp_path / "back").symlink_to(loop)
    code = main([*command, "--root", str(loop)])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", f"gates: error: {loop}: symlink loop\n")


def test_init_on_a_symlink_loop_is_one_line_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    code = main(["init", "--root", str(loop)])
    out, err = capsys.readouterr()
    # init looks for the project's pyproject.toml first, which a loop cannot hold.
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {loop}: not a Python project (no pyproject.toml, setup.py or setup.cfg)\n"
    )


# The ledger: lost, replaced, or holding cells of the wrong type ---------------------------------


def _decided(ledger_project: Any) -> Any:
    project = ledger_project()
    project.record_run(10, 0, 1, 90.0)
    assert project.gates("decide")[0] == 0
    return project


def test_a_deleted_ledger_is_lost_not_ok(ledger_project: Any) -> None:
    project = _decided(ledger_project)
    decision = json.loads((project.root / ".gates/decision.json").read_text())
    for path in (project.root / ".gates").glob("ledger.db*"):
        path.unlink()
    code, out, err = project.gates("ledger", "verify")
    assert (code, err) == (1, "")
    assert out == (
        f"ledger BROKEN: ledger lost or replaced: {project.root / '.gates/decision.json'} names"
        f" decision {decision['id']} (record {decision['hash'][:12]}), which this ledger of"
        f" 0 records does not hold ({project.root / '.gates/ledger.db'})\n"
    )


def test_a_ledger_behind_the_head_the_gates_job_saw_fails_the_release_job(
    ledger_project: Any,
) -> None:
    project = _decided(ledger_project)
    _, report = project.gates_json("ledger", "verify")
    head = report["head"]
    project.gates("signoff", "docs reviewed", "--by", "ana")
    assert project.gates("ledger", "verify", "--expect-head", head)[0] == 1
    _, report = project.gates_json("ledger", "verify")
    assert project.gates("ledger", "verify", "--expect-head", report["head"])[0] == 0


def _sql(project: Any, statement: str) -> None:
    with sqlite3.connect(project.root / ".gates/ledger.db") as connection:
        connection.execute(statement)


def test_a_blob_payload_is_named_by_verify_and_stops_readers_with_one_line(
    ledger_project: Any,
) -> None:
    project = _decided(ledger_project)
    _sql(project, "UPDATE ledger_records SET payload = CAST(payload AS BLOB) WHERE seq = 3")
    code, out, err = project.gates("ledger", "verify")
    assert (code, err) == (1, "")
    assert out.startswith(
        "ledger BROKEN: record 3 has a payload of the wrong type (blob, expected text) ("
    )
    ledger = project.root / ".gates/ledger.db"
    _refused(
        project, ("checklist",), f"{ledger}: record 3 is unreadable (run 'gates ledger verify')"
    )
    for command in (("history",), ("report", "--html", "page.html")):
        _refused(  # these verify the chain first: they name what is wrong with the record
            project,
            command,
            f"{ledger}: ledger BROKEN: record 3 has a payload of the wrong type (blob, expected"
            " text): records not shown (run 'gates ledger verify')",
        )


def test_a_text_head_seq_stops_decide_with_one_line_and_appends_nothing(
    ledger_project: Any,
) -> None:
    project = _decided(ledger_project)
    _sql(project, "UPDATE ledger_head SET seq = 'x'")
    ledger = project.root / ".gates/ledger.db"
    _refused(
        project,
        ("decide",),
        f"{ledger}: ledger BROKEN: the head marker has a seq of the wrong type (text, expected"
        " integer): results bound to it cannot be trusted (run 'gates ledger verify')",
    )
    with sqlite3.connect(ledger) as connection:
        assert connection.execute("SELECT count(*) FROM ledger_records").fetchone() == (3,)


# Malformed results and decision.json ------------------------------------------------------------

RESULT_SHAPES = [
    (
        "not-json",
        "{",
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    ),
    ("list", '[{"gate": "tests"}]', "result: expected an object, got a list"),
    ("missing-keys", '{"summary": "fine"}', "result.gate: expected a string, got null"),
    (
        "status-maybe",
        '{"gate": "tests", "status": "MAYBE"}',
        "result.status: expected one of PASS, WARN, FAIL, ERROR, SKIP, got 'MAYBE'",
    ),
    (
        "findings-not-a-list",
        '{"gate": "tests", "status": "PASS", "findings": "none"}',
        "result.findings: expected a list, got a string",
    ),
    (
        "nested-null",
        '{"gate": "tests", "status": "PASS", "thresholds": [null]}',
        "result.thresholds[0]: expected an object, got null",
    ),
    (
        "nested-null-value",
        '{"gate": "tests", "status": "PASS", "findings": [{"message": null}]}',
        "result.findings[0].message: expected a string, got null",
    ),
]


@pytest.mark.parametrize("command", [("decide",), ("status",)], ids=["decide", "status"])
@pytest.mark.parametrize(
    ("content", "problem"),
    [shape[1:] for shape in RESULT_SHAPES],
    ids=[shape[0] for shape in RESULT_SHAPES],
)
def test_a_malformed_result_is_one_line_naming_the_file_and_never_a_go(
    ledger_project: Any, command: tuple[str, ...], content: str, problem: str
) -> None:
    project = ledger_project()
    project.record_run(10, 0, 1, 90.0)
    path = project.root / ".gates/results/tests.json"
    path.write_text(content)
    _refused(project, command, f"{path}: unreadable result ({problem})")
    with open_ledger(project.root / ".gates/ledger.db", environ={}) as ledger:
        assert ledger.records(RecordKind.DECISION) == []
    assert not (project.root / ".gates/decision.json").exists()


DECISION_SHAPES = [
    ("not-json", "GO", "Expecting value: line 1 column 1 (char 0)"),
    ("list", '["GO"]', "decision: expected an object, got a list"),
    ("missing-keys", '{"verdict": "GO"}', "decision.id: expected a string, got null"),
    (
        "verdict-maybe",
        '{"id": "d", "verdict": "MAYBE", "tree": "t"}',
        "decision.verdict: expected one of GO, GO_WITH_WAIVERS, NO_GO, got 'MAYBE'",
    ),
    (
        "gates-not-a-list",
        '{"id": "d", "verdict": "GO", "tree": "t", "gates": {"lint": "PASS"}}',
        "decision.gates: expected a list, got an object",
    ),
    (
        "nested-null",
        '{"id": "d", "verdict": "GO", "tree": "t", "gates": [{"name": "lint", "status": null}]}',
        "decision.gates[0].status: expected one of PASS, WARN, FAIL, ERROR, SKIP, got None",
    ),
    (
        "hash-wrong-type",
        '{"id": "d", "verdict": "GO", "tree": "t", "hash": 12}',
        "decision.hash: expected a string or null, got a number",
    ),
]


@pytest.mark.parametrize(
    ("content", "problem"),
    [shape[1:] for shape in DECISION_SHAPES],
    ids=[shape[0] for shape in DECISION_SHAPES],
)
def test_a_malformed_decision_json_stops_ledger_verify_with_one_line(
    ledger_project: Any, content: str, problem: str
) -> None:
    project = _decided(ledger_project)
    path = project.root / ".gates/decision.json"
    path.write_text(content)
    _refused(project, ("ledger", "verify"), f"{path}: unreadable decision ({problem})")


def test_a_forged_go_in_decision_json_is_not_what_decide_or_status_trust(
    ledger_project: Any,
) -> None:
    # decision.json is a report: decide re-judges the recorded results, and the forged file is
    # replaced by the real (NO_GO: coverage never ran) decision.
    project = ledger_project()
    project.record("tests", {"passed": 1, "failed": 0, "skipped": 0})
    (project.root / ".gates/decision.json").write_text(
        '{"id": "forged", "verdict": "GO", "tree": "t", "hash": "' + "0" * 64 + '"}'
    )
    code, decision = project.gates_json("decide")
    assert (code, decision["verdict"]) == (1, "NO_GO")
    assert json.loads((project.root / ".gates/decision.json").read_text())["id"] != "forged"


def test_commands_that_read_the_ledger_not_the_files_are_untouched_by_malformed_files(
    ledger_project: Any,
) -> None:
    # checklist and report read the decision from the ledger: a malformed results file or
    # decision.json is not theirs to trust or to trip over; status reads the results file.
    project = _decided(ledger_project)
    (project.root / ".gates/results/tests.json").write_text('{"gate": "tests", "status": 7}')
    (project.root / ".gates/decision.json").write_text('{"verdict": "GO"}')
    for command in (("checklist",), ("report", "--html", str(project.root / "page.html"))):
        code, _, err = project.gates(*command)
        assert (code, err) == (0, "")
    _refused(
        project,
        ("status",),
        f"{project.root / '.gates/results/tests.json'}: unreadable result"
        " (result.status: expected one of PASS, WARN, FAIL, ERROR, SKIP, got 7)",
    )
