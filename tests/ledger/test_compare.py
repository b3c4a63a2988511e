"""The base a buckets run compares with: the base branch's decision, found in a real ledger."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gates.cli import main
from gates.config import CompareWith
from gates.ledger import RecordKind, decision_of, open_ledger, record_decision
from gates.ledger.compare import BaseDecision, NoBase, find_base
from gates.ledger.decisions import FIRST_PAGE
from gates.model import Status
from tests.buckets_support import PYPROJECT, commit_on, make_project, run_pytest


def _decide(project: Any, failing: list[str], *, status: Status = Status.FAIL) -> str:
    """Record a buckets result failing ``failing`` and decide: the decision's id."""
    project.record("buckets", {"failed": len(failing)}, status=status, failing=failing, flaky=[])
    code, out, _ = project.gates("decide", "--json")
    assert code == (0 if status is Status.PASS else 1)
    decision_id: str = json.loads(out)["id"]
    return decision_id


def _on(project: Any, branch: str) -> None:
    commit_on(project.root, branch)


def _base(project: Any, compare_with: CompareWith = CompareWith.LAST) -> BaseDecision | NoBase:
    with open_ledger(project.root / ".gates/ledger.db") as ledger:
        return find_base(ledger, "main", compare_with)


def test_the_base_is_the_last_decision_on_the_base_branch_not_the_last_decision(
    ledger_project: Any,
) -> None:
    project = ledger_project(PYPROJECT)
    _on(project, "main")
    on_main = _decide(project, ["tests/a.py::test_a"])
    _on(project, "feature")
    _decide(project, ["tests/a.py::test_b"])

    base = _base(project)

    assert isinstance(base, BaseDecision)
    assert (base.decision.id, base.failing) == (on_main, frozenset({"tests/a.py::test_a"}))
    when = base.decision.created_at[:16].replace("T", " ")
    assert base.label == f"decision {on_main} on main (NO_GO, {when})"


def test_last_go_skips_the_no_go_decisions_after_it(ledger_project: Any) -> None:
    project = ledger_project(PYPROJECT)
    _on(project, "main")
    went = _decide(project, [], status=Status.PASS)
    stopped = _decide(project, ["tests/a.py::test_a"])

    last, last_go = _base(project), _base(project, CompareWith.LAST_GO)

    assert isinstance(last, BaseDecision) and isinstance(last_go, BaseDecision)
    assert (last.decision.id, last_go.decision.id) == (stopped, went)


def test_the_base_is_this_projects_own_on_a_ledger_another_project_shares(
    ledger_project: Any,
) -> None:
    """Two projects' suites may share node ids: another's failures say nothing of this one's."""
    project = ledger_project(PYPROJECT)
    _on(project, "main")
    own = _decide(project, ["tests/a.py::test_a"])
    with open_ledger(project.root / ".gates/ledger.db") as ledger:
        mine = decision_of(ledger.records(RecordKind.DECISION)[-1])
        assert mine.project == "fixture"
        record_decision(ledger, replace(mine, id="neighbour", project="other"))

        base = find_base(ledger, "main", CompareWith.LAST, "fixture")

    assert isinstance(base, BaseDecision)
    assert base.decision.id == own


def test_a_decision_without_a_buckets_result_is_passed_over(ledger_project: Any) -> None:
    project = ledger_project(PYPROJECT.replace('["buckets"]', '["buckets", "tests"]'))
    _on(project, "main")
    project.record("tests", {})
    with_buckets = _decide(project, ["tests/a.py::test_a"])
    project.record("buckets", {}, status=Status.ERROR)  # an ERROR result lists no failing tests
    assert project.gates("decide")[0] == 1

    base = _base(project)

    assert isinstance(base, BaseDecision) and base.decision.id == with_buckets


def test_no_base_says_why(ledger_project: Any) -> None:
    project = ledger_project(PYPROJECT)
    location = project.root / ".gates/ledger.db"
    _on(project, "feature")
    _decide(project, ["tests/a.py::test_a"])
    assert _base(project) == NoBase(f"no decision on branch 'main' in the ledger ({location})")
    assert _base(project, CompareWith.LAST_GO) == NoBase(
        f"no GO decision on branch 'main' in the ledger ({location})"
    )
    _on(project, "main")
    project.record("buckets", {}, status=Status.ERROR)
    project.gates("decide")
    assert _base(project) == NoBase(
        "no decision on branch 'main' in the ledger holds a buckets result (1 without one)"
    )


def test_the_base_far_back_is_found_past_several_pages(ledger_project: Any) -> None:
    project = ledger_project(PYPROJECT)
    _on(project, "main")
    on_main = _decide(project, ["tests/a.py::test_a"])
    _on(project, "feature")
    for _ in range(FIRST_PAGE + 3):
        _decide(project, [])

    base = _base(project)

    assert isinstance(base, BaseDecision) and base.decision.id == on_main


# A fresh clone: no .gates/, and a ledger that outlived the runner that wrote it. --------------

SUITE = """
import os

def test_stable():
    assert True

def test_known_bug():
    assert os.environ.get("FIXED") == "1", "known bug 12"
"""

SHARED_LEDGER = 'ledger = "ledger/gates.db"\n'
"""Outside .gates/: restored by CI (a cache, or the git store) rather than left on the runner."""


def _buckets_json(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    main(["buckets", "--root", str(root), "--json"])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_a_fresh_clone_with_no_gates_folder_compares_with_the_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = make_project(tmp_path / "runner-1", {"tests/test_app.py": SUITE}, SHARED_LEDGER)
    (first / ".gitignore").write_text(".gates/\nledger/\n", encoding="utf-8")
    commit_on(first, "main")
    run_pytest(first, first / ".gates/evidence/junit.xml")
    assert main(["buckets", "--root", str(first)]) == 1
    capsys.readouterr()
    assert main(["decide", "--root", str(first), "--json"]) == 1
    decision = json.loads(capsys.readouterr().out)

    second = tmp_path / "runner-2"
    subprocess.run(["git", "clone", "-q", str(first), str(second)], check=True)
    assert not (second / ".gates").exists() and not (second / "ledger").exists()
    (second / "ledger").mkdir()
    shutil.copy(first / "ledger/gates.db", second / "ledger/gates.db")
    (second / "tests/test_app.py").write_text(SUITE + "\ndef test_new():\n    assert False\n")
    commit_on(second, "fix-bug")
    run_pytest(second, second / ".gates/evidence/junit.xml", env={"FIXED": "1"})

    comparison = _buckets_json(second, capsys)["details"]["comparison"]
    capsys.readouterr()
    main(["buckets", "--root", str(second)])
    report = capsys.readouterr().out

    when = decision["created_at"][:16].replace("T", " ")
    label = f"decision {decision['id']} on main (NO_GO, {when})"
    assert comparison == {
        "baseline": label,
        "new": ["tests/test_app.py::test_new"],
        "fixed": ["tests/test_app.py::test_known_bug"],
        "still_failing": [],
        "new_flaky": [],
    }
    assert f"### Since the previous run ({label})\n\n- New failures: 1\n" in report


def test_a_fresh_clone_with_an_empty_ledger_says_there_is_no_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "fresh", {"tests/test_app.py": SUITE}, SHARED_LEDGER)
    (root / ".gitignore").write_text(".gates/\nledger/\n", encoding="utf-8")
    commit_on(root, "main")
    run_pytest(root, root / ".gates/evidence/junit.xml")

    comparison = _buckets_json(root, capsys)["details"]["comparison"]
    main(["buckets", "--root", str(root)])
    report = capsys.readouterr().out

    why = f"no decision on branch 'main' in the ledger ({root / 'ledger/gates.db'})"
    assert comparison == {"baseline": None, "no_baseline": why}
    assert f"### Since the previous run\n\nNo base to compare with: {why}.\n" in report


def test_the_base_branch_and_last_go_come_from_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = '[tool.gates.tests]\nbase_branch = "release"\ncompare_with = "last_go"\n'
    root = make_project(tmp_path / "p", {"tests/test_app.py": SUITE}, settings)
    commit_on(root, "release")
    run_pytest(root, root / ".gates/evidence/junit.xml")
    main(["buckets", "--root", str(root)])
    main(["decide", "--root", str(root)])  # NO_GO: not a base under last_go

    comparison = _buckets_json(root, capsys)["details"]["comparison"]

    location = root / ".gates/ledger.db"
    why = f"no GO decision on branch 'release' in the ledger ({location})"
    assert comparison == {"baseline": None, "no_baseline": why}
