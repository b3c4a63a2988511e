"""The SQLite store: crash safety, schema migrations, and clear errors for unusable files."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gates.errors import LedgerError
from gates.ledger import SCHEMA_VERSION, RecordKind, open_ledger
from gates.ledger.chain import GENESIS, canonical, record_hash

REPO = Path(__file__).resolve().parents[2]

ENDLESS_WRITER = """
import sys
from gates.ledger import RecordKind, open_ledger

with open_ledger(sys.argv[1], environ={}) as ledger:
    n = 0
    while True:
        ledger.append(RecordKind.RELEASE_STEP, {"n": n, "blob": "x" * 20000})
        n += 1
"""


def _newest_seq(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        try:
            row = connection.execute("SELECT max(seq) FROM ledger_records").fetchone()
        except sqlite3.OperationalError:  # the writer has not created the schema yet
            return 0
    return int(row[0] or 0)


def test_kill_9_during_appends_never_leaves_a_partial_record(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GATES_LEDGER_URL", None)
    rng = random.Random(7)
    seen = 0
    for _ in range(20):
        writer = subprocess.Popen([sys.executable, "-c", ENDLESS_WRITER, str(path)], env=env)
        # Kill it while it is appending: after it has added records, at a random moment.
        while _newest_seq(path) <= seen:
            assert writer.poll() is None, "the writer died on its own"
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.02))
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=60) == -signal.SIGKILL

        with open_ledger(path, environ={}) as ledger:
            verification = ledger.verify()
            records = ledger.records()
        assert verification.ok, verification.problem
        assert len(records) > seen
        seen = len(records)
        assert all(r.payload["blob"] == "x" * 20000 for r in records)
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def _version_1_database(path: Path) -> list[tuple[Any, ...]]:
    """A ledger as schema version 1 wrote it (no tree index, no head marker)."""
    rows = []
    prev = GENESIS
    payloads = [
        (RecordKind.DECISION, {"id": "d1", "verdict": "GO", "tree": "aaa", "gates": []}),
        (RecordKind.SIGNOFF, {"item": "docs reviewed", "by": "ana", "version": "1.0"}),
        (RecordKind.DECISION, {"id": "d2", "verdict": "NO_GO", "tree": "bbb", "gates": []}),
    ]
    for seq, (kind, payload) in enumerate(payloads, start=1):
        created = f"2026-01-0{seq}T10:00:00+00:00"
        text, tree = canonical(payload), payload.get("tree")
        digest = record_hash(seq, kind.value, created, tree, text, prev)
        rows.append((seq, kind.value, created, tree, text, prev, digest))
        prev = digest
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE ledger_schema (version INTEGER NOT NULL);"
            "INSERT INTO ledger_schema VALUES (1);"
            "CREATE TABLE ledger_records (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
            " created_at TEXT NOT NULL, tree TEXT, payload TEXT NOT NULL,"
            " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
        )
        connection.executemany("INSERT INTO ledger_records VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return rows


def test_an_older_schema_is_migrated_forward_on_open_with_records_intact(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    old_rows = _version_1_database(path)

    with open_ledger(path, environ={}) as ledger:
        records = ledger.records()
        assert ledger.verify().ok
        decision = ledger.latest_decision("bbb")
        appended = ledger.append(RecordKind.SIGNOFF, {"item": "CHANGELOG reviewed", "by": "bo"})
        assert ledger.verify().records == 4

    assert [
        (r.seq, r.kind.value, r.created_at, r.payload.get("tree"), canonical(dict(r.payload)),
         r.prev_hash, r.hash)
        for r in records
    ] == old_rows  # fmt: skip
    assert decision is not None
    assert (decision.id, decision.hash) == ("d2", old_rows[2][6])
    assert appended.prev_hash == old_rows[2][6]
    with sqlite3.connect(path) as connection:
        indexes = connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        assert ("ledger_records_kind_tree",) in indexes.fetchall()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version FROM ledger_schema").fetchall() == [
            (SCHEMA_VERSION,)
        ]


def test_a_schema_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    open_ledger(path, environ={}).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE ledger_schema SET version = 99")
    with pytest.raises(LedgerError) as raised:
        open_ledger(path, environ={})
    assert str(raised.value) == (
        f"{path}: schema version 99 was written by a newer release-gates"
        f" (this one knows up to {SCHEMA_VERSION}); upgrade release-gates"
    )


def test_a_file_that_is_not_a_database_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_text("not sqlite\n" * 200)
    with pytest.raises(LedgerError) as raised:
        open_ledger(path, environ={})
    assert str(raised.value) == f"{path}: cannot open: file is not a database"


def test_a_directory_is_not_a_ledger(tmp_path: Path) -> None:
    with pytest.raises(LedgerError) as raised:
        open_ledger(tmp_path, environ={})
    assert str(raised.value) == f"{tmp_path}: is a directory, not a ledger database file"


def test_records_limit_and_kind_and_export(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.db", environ={}) as ledger:
        for n in range(5):
            ledger.append(RecordKind.SIGNOFF if n % 2 else RecordKind.DECISION, {"n": n})
        assert [r.payload["n"] for r in ledger.records(limit=2)] == [3, 4]
        assert [r.payload["n"] for r in ledger.records(RecordKind.SIGNOFF)] == [1, 3]
        assert [r.seq for r in ledger.records(RecordKind.DECISION, limit=2)] == [3, 5]
        assert ledger.latest_decision("nothing") is None


def test_payloads_that_are_not_json_are_refused(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.db", environ={}) as ledger, pytest.raises(LedgerError) as raised:
        ledger.append(RecordKind.SIGNOFF, {"value": float("nan")})
    assert str(raised.value) == (
        f"{tmp_path / 'l.db'}: cannot append signoff: Out of range float values are not JSON"
        " compliant"
    )


def test_export_writes_json_lines_that_re_hash(ledger_project: Any) -> None:
    project = ledger_project()
    project.record_run(3, 0, 0, 80.0)
    project.gates("decide")
    project.gates("signoff", "docs reviewed", "--by", "ana")
    code, out, _ = project.gates("ledger", "export")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(x["seq"], x["kind"]) for x in lines] == [
        (1, "result"),
        (2, "result"),
        (3, "decision"),
        (4, "signoff"),
    ]
    for line in lines:
        tree = line["payload"]["tree"] if line["kind"] in ("decision", "result") else None
        expected = record_hash(
            line["seq"], line["kind"], line["created_at"], tree, canonical(line["payload"]),
            line["prev_hash"],
        )  # fmt: skip
        assert line["hash"] == expected
    assert [x["prev_hash"] for x in lines[1:]] == [x["hash"] for x in lines[:-1]]
