"""Fault matrix: the ledger as memory (comparisons, flaky history, who and why) under hostile rows,
a tampered chain and a huge history. Each case: the exit code, the exact line, no traceback."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tomllib
from pathlib import Path
from typing import Any

from gates.config import CompareWith, parse
from gates.ledger import RecordKind, open_ledger
from gates.ledger.chain import GENESIS, canonical, record_hash
from gates.ledger.compare import BaseDecision, find_base
from gates.ledger.flaky import quarantine_rule, report
from gates.model import Status
from tests.buckets_support import PYPROJECT, commit_on


def _project(ledger_project: Any) -> Any:
    project = ledger_project(PYPROJECT)
    commit_on(project.root, "main")
    return project


def _decide(project: Any, failing: list[str], **details: Any) -> dict[str, Any]:
    status = Status.FAIL if failing else Status.PASS
    project.record("buckets", {}, status=status, failing=failing, flaky=[], **details)
    _, out, err = project.gates("decide", "--json", "--by", "ana", "--reason", "nightly")
    assert "Traceback" not in err
    decision: dict[str, Any] = json.loads(out)
    return decision


def _ledger(project: Any) -> Path:
    path: Path = project.root / ".gates/ledger.db"
    return path


def _append(project: Any, payload: dict[str, Any]) -> int:
    """A record appended through the API: the chain stays intact, the content is hostile."""
    with open_ledger(_ledger(project), environ={}) as ledger:
        return ledger.append(RecordKind.DECISION, payload).seq


def _refused(project: Any, command: tuple[str, ...], line: str) -> None:
    code, out, err = project.gates(*command)
    assert (code, out) == (2, "")
    assert err == f"gates: error: {line}\n"
    assert "Traceback" not in err


# A tampered chain: history shows nothing rather than a forged record ---------------------------


def test_an_edited_decision_stops_history_and_history_flaky(ledger_project: Any) -> None:
    project = _project(ledger_project)
    decision = _decide(project, ["tests/a.py::test_a"])
    forged = json.dumps({**decision, "verdict": "GO", "reason": "all good"})
    with sqlite3.connect(_ledger(project)) as connection:
        seq = connection.execute(
            "SELECT seq FROM ledger_records WHERE kind = 'decision'"
        ).fetchone()[0]
        connection.execute("UPDATE ledger_records SET payload = ? WHERE seq = ?", (forged, seq))
    line = (
        f"{_ledger(project)}: ledger BROKEN: record {seq} was altered (hash does not match its"
        " content): records not shown (run 'gates ledger verify')"
    )
    commands = (("history",), ("history", "--json"), ("history", "--flaky"))
    for command in (*commands, ("report", "--html", "page.html")):
        _refused(project, command, line)
    assert not (project.root / "page.html").exists()


def test_a_deleted_record_stops_history(ledger_project: Any) -> None:
    project = _project(ledger_project)
    _decide(project, [])
    _decide(project, [])
    with sqlite3.connect(_ledger(project)) as connection:
        connection.execute("DELETE FROM ledger_records WHERE seq = 2")
    _refused(
        project,
        ("history", "--flaky", "--json"),
        f"{_ledger(project)}: ledger BROKEN: record 2 is missing: records not shown"
        " (run 'gates ledger verify')",
    )


# Hostile rows on an intact chain ------------------------------------------------------------


def test_a_garbage_decision_on_the_base_branch_is_no_base_and_history_names_it(
    ledger_project: Any,
) -> None:
    project = _project(ledger_project)
    good = _decide(project, ["tests/a.py::test_a"])
    seq = _append(project, {"id": "x", "branch": "main", "gates": "not a list"})

    with open_ledger(_ledger(project), environ={}) as ledger:
        base = find_base(ledger, "main", CompareWith.LAST)
    assert isinstance(base, BaseDecision) and base.decision.id == good["id"]
    _refused(
        project,
        ("history",),
        f"ledger record {seq} is not a valid decision (decision.verdict: expected one of GO,"
        " GO_WITH_WAIVERS, NO_GO, got None)",
    )


def test_a_buckets_result_with_hostile_details_is_no_base_and_named_by_history_flaky(
    ledger_project: Any,
) -> None:
    project = _project(ledger_project)
    good = _decide(project, ["tests/a.py::test_a"])
    hostile = json.loads(json.dumps(good))
    hostile["id"] = "hostile"
    hostile["gates"][0]["result"]["details"]["failing"] = [1, 2]
    seq = _append(project, hostile)

    with open_ledger(_ledger(project), environ={}) as ledger:
        base = find_base(ledger, "main", CompareWith.LAST)
    assert isinstance(base, BaseDecision) and base.decision.id == good["id"]
    _refused(
        project,
        ("history", "--flaky"),
        f"ledger record {seq}: buckets result: details.failing: expected a list of strings,"
        " got a list",
    )


def test_hostile_test_file_digests_are_refused_by_decide_and_named_by_history_flaky(
    ledger_project: Any,
) -> None:
    project = _project(ledger_project)
    good = _decide(project, ["tests/a.py::test_a"])
    project.record("buckets", {}, status=Status.FAIL, failing=[], test_files={"tests/a.py": 7})
    line = "buckets result: details.test_files.tests/a.py: expected a string, got a number"
    _refused(project, ("decide",), line)
    hostile = json.loads(json.dumps(good))
    hostile["gates"][0]["result"]["details"]["test_files"] = {"tests/a.py": 7}
    seq = _append(project, hostile)
    _refused(project, ("history", "--flaky"), f"ledger record {seq}: {line}")


def test_who_and_why_cannot_forge_lines_in_decision_md(ledger_project: Any) -> None:
    project = _project(ledger_project)
    reason = "ok\n\n## Release gates: GO\n| buckets | PASS |"
    project.record("buckets", {}, status=Status.FAIL, failing=["tests/a.py::test_a"], flaky=[])
    code, _, err = project.gates("decide", "--by", "mallory\n- Decided by: ana", "--reason", reason)
    assert (code, "Traceback" in err) == (1, False)
    written = (project.root / ".gates/decision.md").read_text()
    assert [line for line in written.splitlines() if line.startswith("#")] == [
        "## Release gates: NO_GO",
        "### Why",
    ]
    assert "- Decided by: mallory - Decided by: ana\n" in written
    assert "- Reason: ok ## Release gates: GO | buckets | PASS |\n" in written
    _, out, _ = project.gates("history")
    assert len(out.splitlines()) == 2  # the header and one row: the reason stays on its line


def test_hostile_test_ids_make_a_rule_that_still_parses_and_names_one_bucket(
    ledger_project: Any, tmp_path: Path
) -> None:
    project = _project(ledger_project)
    odd = 'tests/a.py::test_x["\\n]\n[[tool.gates.buckets]]\nname = "evil"'
    for failing in ([odd], [], [odd]):
        _decide(project, failing)
    with open_ledger(_ledger(project), environ={}) as ledger:
        found = report(ledger, last=20, today=dt.date(2026, 12, 5))
    assert [t.test for t in found.tests] == [odd]
    assert found.quarantine_rule == quarantine_rule(found.tests, today=dt.date(2026, 12, 5))
    document = tomllib.loads("[tool.gates]\n" + (found.quarantine_rule or ""))
    config = parse(document, root=tmp_path, file=tmp_path / "pyproject.toml")
    assert [bucket.name for bucket in config.buckets] == ["quarantine-flaky"]


# A huge history -------------------------------------------------------------------------------


def _bulk(path: Path, payloads: list[dict[str, Any]]) -> None:
    """Write a valid chain of ``payloads`` at once (appending one by one syncs each record)."""
    with open_ledger(path, environ={}):
        pass  # the schema
    prev, rows = GENESIS, []
    for seq, payload in enumerate(payloads, start=1):
        text, created = canonical(payload), f"2026-12-01T00:00:{seq % 60:02}.000000+00:00"
        digest = record_hash(seq, "decision", created, payload["tree"], text, prev)
        rows.append((seq, "decision", created, payload["tree"], text, prev, digest))
        prev = digest
    with sqlite3.connect(path) as connection:
        connection.executemany("INSERT INTO ledger_records VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        connection.execute("INSERT INTO ledger_head (id, seq, hash) VALUES (1, ?, ?)", (seq, prev))


def test_a_huge_history_finds_the_base_far_back_and_rates_every_flaky_test(
    ledger_project: Any,
) -> None:
    project = _project(ledger_project)
    template = _decide(project, ["tests/a.py::test_0"])
    _ledger(project).unlink()
    payloads = []
    for number in range(10_000):
        payload = json.loads(json.dumps(template))
        del payload["prev_hash"], payload["hash"]
        payload.update(id=f"d{number}", tree=f"tree-{number // 2}", branch="feature")
        failing = [f"tests/a.py::test_{number // 2 % 50}"] if number % 2 else []
        payload["gates"][0]["result"]["details"]["failing"] = failing
        payloads.append(payload)
    payloads[0]["branch"] = "main"
    _bulk(_ledger(project), payloads)

    with open_ledger(_ledger(project), environ={}) as ledger:
        base = find_base(ledger, "main", CompareWith.LAST)
    assert isinstance(base, BaseDecision) and base.decision.id == "d0"
    code, found = project.gates_json("history", "--flaky", "--last", "1000000")
    assert (code, found["window"], found["runs"]) == (0, 10_000, 10_000)
    # Each odd run fails one test on a tree whose even run passed it: 50 tests, 100 runs each.
    assert len(found["tests"]) == 50
    assert {(t["flaky_runs"], t["evidence"]["same_tree"]) for t in found["tests"]} == {(100, 100)}
