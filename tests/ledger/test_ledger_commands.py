"""``gates ledger verify`` notices a ledger that was lost or replaced, not only one that was edited;
ledger commands work only on a project (a git repository)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import LedgerProject

from gates.ledger import open_ledger, record_decision
from gates.model import Decision, Verdict


@pytest.fixture
def decided(ledger_project: Any) -> Any:
    """A project with two results and one decision in its ledger (.gates/ledger.db)."""
    project = ledger_project()
    project.record_run(10, 0, 1, 90.0)
    assert project.gates("decide")[0] == 0
    return project


def _decision(project: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project.root / ".gates/decision.json").read_text())
    return data


def _lost_line(project: Any, records: int) -> str:
    decision = _decision(project)
    return (
        f"ledger BROKEN: ledger lost or replaced: {project.root / '.gates/decision.json'} names"
        f" decision {decision['id']} (record {decision['hash'][:12]}), which this ledger of"
        f" {records} records does not hold ({project.root / '.gates/ledger.db'})\n"
    )


def test_an_intact_ledger_holding_the_decision_is_ok_and_reports_its_head(decided: Any) -> None:
    code, out, err = decided.gates("ledger", "verify")
    assert (code, err) == (0, "")
    assert out == f"ledger OK: 3 records, chain intact ({decided.root / '.gates/ledger.db'})\n"
    code, report = decided.gates_json("ledger", "verify")
    assert (code, report["ok"], report["head"]) == (0, True, _decision(decided)["hash"])


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_a_deleted_or_emptied_ledger_file_is_lost(decided: Any, how: str) -> None:
    ledger = decided.root / ".gates/ledger.db"
    for path in ledger.parent.glob("ledger.db*"):
        path.unlink()
    if how == "emptied":
        ledger.write_bytes(b"")
    code, out, err = decided.gates("ledger", "verify")
    assert (code, out, err) == (1, _lost_line(decided, 0), "")


def test_a_ledger_replaced_by_another_chain_is_lost(decided: Any, tmp_path: Path) -> None:
    # Another project's ledger, with a decision of its own: an intact chain, but not this one.
    other_root = tmp_path / "other"
    shutil.copytree(decided.root, other_root)
    for path in (other_root / ".gates").glob("ledger.db*"):
        path.unlink()
    other = LedgerProject(other_root, decided.capsys)
    other.record_run(1, 0, 0, 95.0)
    assert other.gates("decide")[0] == 0
    for path in (decided.root / ".gates").glob("ledger.db*"):
        path.unlink()
    shutil.copy(other_root / ".gates/ledger.db", decided.root / ".gates/ledger.db")

    code, out, err = decided.gates("ledger", "verify")
    assert (code, out, err) == (1, _lost_line(decided, 3), "")


def test_no_decision_yet_and_an_empty_ledger_is_a_fresh_project(ledger_project: Any) -> None:
    project = ledger_project()
    code, out, _ = project.gates("ledger", "verify")
    assert (code, out) == (
        0,
        f"ledger OK: 0 records, chain intact ({project.root / '.gates/ledger.db'})\n",
    )


def test_expect_head_passes_on_the_same_head_and_fails_on_another(decided: Any) -> None:
    head = _decision(decided)["hash"]
    assert decided.gates("ledger", "verify", "--expect-head", head)[0] == 0

    decided.gates("signoff", "docs reviewed", "--by", "ana")  # the ledger moved on
    code, report = decided.gates_json("ledger", "verify", "--expect-head", head)
    assert code == 1
    assert report["problem"] == (
        f"ledger lost or replaced: its head is {report['head']}, expected {head} (--expect-head)"
    )
    assert report["head"] != head


def test_expect_head_on_an_empty_ledger_fails(ledger_project: Any) -> None:
    project = ledger_project()
    code, out, _ = project.gates("ledger", "verify", "--expect-head", "ab" * 32)
    assert code == 1
    assert out.startswith(
        "ledger BROKEN: ledger lost or replaced: its head is empty (no records), expected"
        f" {'ab' * 32} (--expect-head) ("
    )


def test_a_malformed_decision_json_stops_verify_with_one_line(decided: Any) -> None:
    path = decided.root / ".gates/decision.json"
    path.write_text(json.dumps(_decision(decided) | {"hash": ["x"]}))
    code, out, err = decided.gates("ledger", "verify")
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {path}: unreadable decision"
        " (decision.hash: expected a string or null, got a list)\n"
    )


@pytest.mark.parametrize(
    "command", [("ledger", "verify"), ("ledger", "export"), ("history",)], ids=" ".join
)
def test_ledger_commands_outside_a_git_repository_exit_2_and_create_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    from gates.cli import main

    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    code = main([*command, "--root", str(folder)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {folder}: not a git repository (results are bound to the git tree;"
        " run 'git init')\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["pyproject.toml"]


def test_history_flaky_and_report_read_only_this_projects_decisions_on_a_shared_ledger(
    ledger_project: Any,
) -> None:
    """Another project's decisions, newer and older, interleaved in one ledger: none is shown."""
    project = ledger_project()
    with open_ledger(project.root / ".gates" / "ledger.db", environ={}) as ledger:
        ours = None
        for n in range(3):
            project.record_run(10, 0, 0, 90.0)
            assert project.gates("decide")[0] in (0, 1)
            ours = Decision.from_dict(_decision(project), "decision")
            theirs = replace(ours, id=f"neighbour-{n}", project="other", verdict=Verdict.NO_GO)
            record_decision(ledger, theirs)
    assert ours is not None

    code, out, err = project.gates("history", "--json")
    assert (code, err) == (0, "")
    assert [row["decision"] for row in json.loads(out)][-1] == ours.id
    assert not [row for row in json.loads(out) if row["decision"].startswith("neighbour")]
    assert len(json.loads(out)) == 3

    code, out, err = project.gates("history", "--flaky", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["window"] == 3  # decisions looked at: this project's three

    page = project.root / "report.html"
    assert project.gates("report", "--html", str(page)) == (0, f"wrote {page}\n", "")
    text = page.read_text()
    assert ours.id in text and "neighbour" not in text
