"""Every store, the same promises: concurrent writers never fork the chain; tampering is named;
a ledger several projects share gives each its own latest decision."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from git_ledger_support import git_project, loaded

from gates.ledger import Ledger, RecordKind, open_ledger, record_decision
from gates.model import Decision, Verdict

REPO = Path(__file__).resolve().parents[2]

WRITER = """
import sys, time
from pathlib import Path
from typing import Any
from gates.ledger import RecordKind, open_ledger

location, folder, worker, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open_ledger(location, environ={}) as ledger:
    (folder / f"ready-{worker}").touch()
    while not (folder / "go").exists():
        time.sleep(0.002)
    for n in range(count):
        ledger.append(RecordKind.RELEASE_STEP, {"worker": worker, "n": n, "step": "upload"})
"""


@dataclass
class Backend:
    name: str
    location: str
    """A SQLite file path or a PostgreSQL URL."""
    sql: Callable[[str], None]
    """Run one statement directly in the database, behind the ledger's back."""


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        # Inside the fixture project's root (config paths may not leave it), in its ignored .gates/.
        path = tmp_path / "project" / ".gates" / "stores" / "ledger.db"

        def sqlite_sql(statement: str) -> None:
            with sqlite3.connect(path) as connection:
                connection.execute(statement)

        return Backend("sqlite", str(path), sqlite_sql)
    url: str = request.getfixturevalue("postgres_url")

    def postgres_sql(statement: str) -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(statement)

    return Backend("postgres", url, postgres_sql)


def writer_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GATES_LEDGER_URL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def test_8_processes_appending_200_each_make_one_chain_of_1600(
    backend: Backend, tmp_path: Path
) -> None:
    workers, count = 8, 200
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, backend.location, str(tmp_path), str(w), str(count)],
            env=writer_env(),
        )
        for w in range(workers)
    ]
    # Start them together: every writer has opened the ledger before any appends.
    while len(list(tmp_path.glob("ready-*"))) < workers:
        assert all(p.poll() is None for p in processes), "a writer died while opening"
        time.sleep(0.01)
    (tmp_path / "go").touch()
    assert [p.wait(timeout=300) for p in processes] == [0] * workers

    with open_ledger(backend.location, environ={}) as ledger:
        verification = ledger.verify()
        records = ledger.records()
    assert verification.ok, verification.problem
    assert verification.records == workers * count
    assert [r.seq for r in records] == list(range(1, workers * count + 1))
    written = sorted((r.payload["worker"], r.payload["n"]) for r in records)
    assert written == [(w, n) for w in range(workers) for n in range(count)]
    assert all(r.kind is RecordKind.RELEASE_STEP for r in records)


def _three_decisions(make_project: Any, backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A project whose ledger (on ``backend``) holds two result digests, then three GO decisions."""
    project = make_project()
    if backend.name == "postgres":
        monkeypatch.setenv("GATES_LEDGER_URL", backend.location)
    else:
        pyproject = project.root / "pyproject.toml"
        setting = f"[tool.gates]\nledger = {backend.location!r}\n"
        pyproject.write_text(pyproject.read_text().replace("[tool.gates]\n", setting))
    project.record_run(10, 0, 1, 90.0)
    for _ in range(3):
        assert project.gates("decide")[0] == 0
    return project


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (
            'UPDATE ledger_records SET payload = replace(payload, \'"verdict":"GO"\','
            ' \'"verdict":"NO_GO"\') WHERE seq = 4',
            "record 4 was altered (hash does not match its content)",
        ),
        (
            "UPDATE ledger_records SET payload = substr(payload, 1, 50) WHERE seq = 4",
            "record 4 was altered (hash does not match its content)",
        ),
        ("DELETE FROM ledger_records WHERE seq = 4", "record 4 is missing"),
        ("DELETE FROM ledger_records WHERE seq = 5", "record 5 is missing (head is record 5)"),
        (
            "UPDATE ledger_records SET tree = 'another' WHERE seq = 1",
            "record 1 was altered (hash does not match its content)",
        ),
    ],
    ids=["edit-verdict", "truncate-payload", "delete-middle", "delete-newest", "edit-tree-column"],
)
def test_tampering_in_sql_fails_verify_naming_the_record(
    backend: Backend,
    ledger_project: Any,
    monkeypatch: pytest.MonkeyPatch,
    statement: str,
    named: str,
) -> None:
    project = _three_decisions(ledger_project, backend, monkeypatch)
    code, out, _ = project.gates("ledger", "verify")
    assert code == 0
    assert out.startswith("ledger OK: 5 records, chain intact (")

    backend.sql(statement)

    code, out, err = project.gates("ledger", "verify")
    assert (code, err) == (1, "")
    assert out.startswith(f"ledger BROKEN: {named} (")
    code, out, _ = project.gates("ledger", "verify", "--json")
    report = json.loads(out)
    assert (code, report["ok"], report["problem"]) == (1, False, named)
    assert report["first_bad"] == int(named.split()[1])
    # Results are trusted by their ledger digests: a broken chain decides nothing.
    code, out, err = project.gates("decide")
    assert (code, out) == (2, "")
    assert err.startswith("gates: error: ") and f": ledger BROKEN: {named}: results bound" in err


REFUSED = "refused by the database"


@pytest.mark.parametrize(
    ("statement", "sqlite_named", "postgres_named"),
    [
        # A TEXT column converts a number to text (SQLite's type affinity, PostgreSQL's
        # assignment cast): the stored text differs, so the hash does not match.
        (
            "UPDATE ledger_records SET payload = 5 WHERE seq = 4",
            "record 4 was altered (hash does not match its content)",
            "record 4 was altered (hash does not match its content)",
        ),
        (
            "UPDATE ledger_head SET hash = 5",
            "record 5 does not match the head marker",
            "record 5 does not match the head marker",
        ),
        # What SQLite keeps as it is: a blob in a TEXT column, text in an INTEGER column.
        (
            "UPDATE ledger_records SET payload = CAST('{}' AS BLOB) WHERE seq = 4",
            "record 4 has a payload of the wrong type (blob, expected text)",
            REFUSED,
        ),
        (
            "UPDATE ledger_records SET tree = CAST('t' AS BLOB) WHERE seq = 1",
            "record 1 has a tree of the wrong type (blob, expected text or null)",
            REFUSED,
        ),
        (
            "UPDATE ledger_records SET hash = CAST(hash AS BLOB) WHERE seq = 2",
            "record 2 has a hash of the wrong type (blob, expected text)",
            REFUSED,
        ),
        (
            "UPDATE ledger_head SET seq = 'x'",
            "the head marker has a seq of the wrong type (text, expected integer)",
            REFUSED,
        ),
        # seq is an INTEGER PRIMARY KEY in SQLite, a BIGINT in PostgreSQL.
        ("UPDATE ledger_records SET seq = 'x' WHERE seq = 4", REFUSED, REFUSED),
    ],
    ids=[
        "payload-int",
        "head-hash-int",
        "payload-blob",
        "tree-blob",
        "hash-blob",
        "head-seq-text",
        "seq-text",
    ],
)
def test_a_cell_of_the_wrong_sql_type_is_named_by_verify_never_a_traceback(
    backend: Backend,
    ledger_project: Any,
    monkeypatch: pytest.MonkeyPatch,
    statement: str,
    sqlite_named: str,
    postgres_named: str,
) -> None:
    project = _three_decisions(ledger_project, backend, monkeypatch)
    named = sqlite_named if backend.name == "sqlite" else postgres_named
    if named == REFUSED:
        with pytest.raises((sqlite3.Error, psycopg.Error)):
            backend.sql(statement)
        assert project.gates("ledger", "verify")[0] == 0
        return
    backend.sql(statement)

    code, out, err = project.gates("ledger", "verify")
    assert (code, err) == (1, "")
    assert out.startswith(f"ledger BROKEN: {named} (")
    # Reading (history) and appending (decide) stop with one line, never a traceback.
    for command in (("history",), ("decide",)):
        code, _, err = project.gates(*command)
        assert code in (0, 1, 2) and "Traceback" not in err
        if code == 2:
            assert err.startswith("gates: error: ") and err.count("\n") == 1


def test_a_schema_version_of_the_wrong_type_is_one_line(ledger_project: Any) -> None:
    project = ledger_project()
    assert project.gates("ledger", "verify")[0] == 0
    path = project.root / ".gates" / "ledger.db"
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE ledger_schema SET version = 'x'")
    code, out, err = project.gates("ledger", "verify")
    assert (code, out) == (2, "")
    assert err == f"gates: error: {path}: the schema version 'x' is not a number\n"


def test_an_emptied_ledger_is_noticed_through_decision_json(
    backend: Backend, ledger_project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _three_decisions(ledger_project, backend, monkeypatch)
    decision = json.loads((project.root / ".gates" / "decision.json").read_text())
    backend.sql("DELETE FROM ledger_records")
    backend.sql("DELETE FROM ledger_head")

    code, out, err = project.gates("ledger", "verify")
    assert (code, err) == (1, "")
    assert out.startswith(
        f"ledger BROKEN: ledger lost or replaced: {project.root / '.gates' / 'decision.json'}"
        f" names decision {decision['id']} (record {decision['hash'][:12]}), which this ledger"
        " of 0 records does not hold ("
    )


@pytest.fixture(params=["sqlite", "postgres", "git"])
def any_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """An open ledger of each store (the git one on a fresh repository)."""
    if request.param == "git":
        opened = open_ledger(loaded(git_project(tmp_path / "demo", ledger_remote=False)))
    elif request.param == "postgres":
        opened = open_ledger(request.getfixturevalue("postgres_url"), environ={})
    else:
        opened = open_ledger(tmp_path / "ledger.db", environ={})
    with opened as ledger:
        yield ledger


def test_the_latest_decision_is_the_projects_own_on_a_ledger_projects_share(
    any_ledger: Ledger,
) -> None:
    legacy = Decision("legacy", Verdict.GO, "tree-1", None, "1.0", "2026-01-01T00:00:00+00:00", ())
    app = replace(legacy, id="app", verdict=Verdict.NO_GO, project="app")
    lib = replace(legacy, id="lib", project="lib")
    for decision in (legacy, app, lib):
        record_decision(any_ledger, decision)

    found = {
        project: getattr(any_ledger.latest_decision("tree-1", project=project), "id", None)
        for project in ("app", "lib", "tool", None)
    }

    # One recorded before decisions named their project stands for any project.
    assert found == {"app": "app", "lib": "lib", "tool": "legacy", None: "lib"}
    assert any_ledger.latest_decision("tree-2", project="app") is None
