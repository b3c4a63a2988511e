"""Fault matrix, false GO: recorded results edited, forged or carried over never give GO.

Each case runs real gates (ruff through ``gates lint``) in a real git project, tampers with
what they left in ``.gates/`` as an attacker or a careless user would, then asks for a decision.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import CLEAN_MODULE, Project

from gates.model import Status

LINT_ONLY = '[tool.gates]\nrequired = ["lint"]\n'


def _results(project: Project, gate: str) -> Path:
    return project.root / ".gates" / "results" / f"{gate}.json"


def _edit(path: Path, **changes: object) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def _decide(project: Project) -> tuple[int, dict[str, Any], str]:
    code, out, err = project.gates("decide", "--json")
    assert "Traceback" not in out + err
    return code, json.loads(out) if out else {}, err


def _failing_lint(make_project: Callable[..., Project]) -> Project:
    project = make_project(gates=LINT_ONLY)
    project.write("demo/__init__.py", "import os\n\n" + CLEAN_MODULE)
    project.commit()
    assert project.gates("lint")[0] == 1
    return project


def test_a_fail_flipped_to_pass_is_an_error_and_no_go(
    make_project: Callable[..., Project],
) -> None:
    project = _failing_lint(make_project)
    _edit(_results(project, "lint"), status="PASS", summary="clean", findings=[])

    code, decision, _ = _decide(project)

    assert (code, decision["verdict"]) == (1, "NO_GO")
    assert decision["reasons"] == [
        "lint: ERROR (lint.json: edited after it was recorded (its digest does not match the "
        "ledger))"
    ]


def test_a_stale_result_given_the_current_tree_is_not_trusted(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates=LINT_ONLY)
    assert project.gates("lint")[0] == 0
    project.write("demo/__init__.py", "import os\n\n" + CLEAN_MODULE)  # now lint would fail
    code, decision, _ = _decide(project)
    assert decision["verdict"] == "NO_GO"  # stale: the honest case
    _edit(_results(project, "lint"), tree=decision["tree"])

    code, decision, _ = _decide(project)

    assert (code, decision["verdict"]) == (1, "NO_GO")
    assert decision["gates"][0]["summary"] == (
        "lint.json: not in the ledger (results are only trusted when recorded by 'gates' itself,"
        " in this checkout)"
    )


def test_results_copied_without_their_ledger_are_not_trusted(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    project = make_project(gates=LINT_ONLY)
    assert project.gates("lint")[0] == 0
    # Another checkout of the same tree, handed the results folder (a CI artifact) alone.
    other = Project(tmp_path / "other", project.capsys)
    shutil.copytree(project.root, other.root, ignore=shutil.ignore_patterns(".gates"))
    shutil.copytree(project.root / ".gates" / "results", other.root / ".gates" / "results")

    code, decision, _ = _decide(other)

    assert (code, decision["verdict"]) == (1, "NO_GO")
    assert decision["gates"][0]["status"] == "ERROR"
    assert "not in the ledger" in decision["gates"][0]["summary"]


def test_an_earlier_pass_copied_back_over_a_later_fail_is_not_trusted(
    ledger_project: Any,
) -> None:
    """Both were recorded for this tree by this checkout: only the newest record binds."""
    project = ledger_project('[project]\nname = "demo"\nversion = "1.0"\n'
                             '[tool.gates]\nrequired = ["buckets"]\n')  # fmt: skip
    project.record("buckets", {"failed": 0})
    passed = _results(project, "buckets").read_text()
    project.record("buckets", {"failed": 1}, status=Status.FAIL)
    _results(project, "buckets").write_text(passed)

    code, decision, _ = _decide(project)

    assert (code, decision["verdict"]) == (1, "NO_GO")
    assert decision["reasons"] == [
        "buckets: ERROR (buckets.json: edited after it was recorded (its digest does not match"
        " the ledger))"
    ]


def test_a_workspace_id_that_is_not_one_exits_2_naming_it(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates=LINT_ONLY)
    assert project.gates("lint")[0] == 0
    path = project.root / ".gates" / "workspace-id"
    path.write_text("../../" + "x" * 10_000)

    code, out, err = project.gates("decide")

    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {path}: not a workspace id (32 hex digits); delete it, and the gates"
        " recorded here run again\n"
    )


def test_a_result_rewritten_with_other_whitespace_is_still_trusted(
    make_project: Callable[..., Project],
) -> None:
    """The digest covers the JSON's content, not its layout: no false alarm."""
    project = make_project(gates=LINT_ONLY)
    assert project.gates("lint")[0] == 0
    path = _results(project, "lint")
    path.write_text(json.dumps(json.loads(path.read_text()), indent=None, sort_keys=True))

    code, decision, _ = _decide(project)

    assert (code, decision["verdict"]) == (0, "GO")


def test_a_forged_bucket_waiver_in_a_recorded_result_is_no_go(ledger_project: Any) -> None:
    project = ledger_project('[project]\nname = "demo"\nversion = "1.0"\n'
                             '[tool.gates]\nrequired = ["buckets"]\n')  # fmt: skip
    project.record("buckets", {"failed": 1}, status=Status.FAIL)
    forged = {"gate": "buckets", "bucket": "db", "reason": "r", "owner": "me", "expires": None}
    _edit(_results(project, "buckets"), status="WARN", details={"waivers_used": [forged]})

    code, decision, _ = _decide(project)

    assert (code, decision["verdict"]) == (1, "NO_GO")
    assert "edited after it was recorded" in decision["reasons"][0]


def test_a_bucket_waiver_that_expired_after_the_run_is_no_go(ledger_project: Any) -> None:
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    project = ledger_project(
        '[project]\nname = "demo"\nversion = "1.0"\n'
        '[tool.gates]\nrequired = ["buckets"]\n'
        "[[tool.gates.waivers]]\n"
        f'gate = "buckets"\nbucket = "db"\nreason = "flaky db"\nowner = "ana"\n'
        f'expires = "{yesterday}"\n'
    )
    # The buckets gate ran while the waiver still held and recorded it as used.
    used = {"gate": "buckets", "bucket": "db", "reason": "flaky db", "owner": "ana",
            "expires": yesterday}  # fmt: skip
    project.record("buckets", {"failed": 1}, status=Status.WARN, waivers_used=[used])

    code, decision, _ = _decide(project)

    assert (code, decision["verdict"]) == (1, "NO_GO")
    assert decision["waivers"] == []
    assert any(f"expired on {yesterday}" in reason for reason in decision["reasons"])


def test_a_results_file_that_is_not_json_exits_2_naming_it(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates=LINT_ONLY)
    assert project.gates("lint")[0] == 0
    path = _results(project, "lint")
    path.write_text('{"gate": "lint", "status": "PA')

    code, out, err = project.gates("decide")

    assert (code, out) == (2, "")
    assert err.startswith(f"gates: error: {path}: unreadable result (")
    assert err.count("\n") == 1 and "Traceback" not in err
