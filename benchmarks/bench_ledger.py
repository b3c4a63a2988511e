"""Issue 7 figures: 10,000 appends on SQLite and on PostgreSQL (appends/s); verify over 10,000.

Baseline, same run: a bare INSERT of the same payload text in its own transaction (same database,
same durability settings, no chain), so the table shows what the hash chain and the write lock
cost. PostgreSQL: GATES_TEST_POSTGRES_URL, or a throwaway local cluster (initdb + pg_ctl); its rows
are left out, with the reason, when neither is available.

Run by `nox -s bench` (or `python benchmarks/bench_ledger.py`); prints a Markdown table.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from gates.ledger import Ledger, RecordKind, open_ledger
from gates.ledger.chain import canonical
from gates.model import Decision, Finding, GateOutcome, GateResult, Status, Tier, Verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pg_cluster import cluster, server_bindir

APPENDS = 10_000
BASELINE_INSERTS = 2_000
"""Fewer bare inserts than appends: a rate, not a total, is compared (keeps the run short)."""


def decision_payload(number: int) -> dict[str, object]:
    """A realistic decision: seven gates with metrics and a few findings (about 6 KB of JSON)."""
    gates = []
    for name in ("lint", "typecheck", "tests", "coverage", "buckets", "package", "smoke"):
        result = GateResult(
            gate=name,
            status=Status.PASS,
            summary=f"{name}: all good",
            metrics={
                "passed": 500 + number % 7,
                "failed": 0,
                "skipped": 3,
                "percent_covered": 91.5,
            },
            findings=tuple(
                Finding(f"advisory finding {i}", f"pkg/mod_{i}.py", i, "W0") for i in range(3)
            ),
            tree="a" * 40,
            started_at="2026-11-23T10:00:00+00:00",
            duration_s=1.25,
            tools={name: "1.0"},
        )
        gates.append(GateOutcome(name, Tier.REQUIRED, Status.PASS, result.summary, result))
    decision = Decision(
        id=f"20261123T100000Z-{number:06x}",
        verdict=Verdict.GO,
        tree="a" * 40,
        commit="b" * 40,
        version="1.2.0",
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        gates=tuple(gates),
        project="demo",
        branch="main",
        decided_by="https://github.com/acme/demo/actions/runs/1",
    )
    payload = decision.to_dict()
    del payload["prev_hash"], payload["hash"]
    return payload


def rate(action: Callable[[int], object], count: int) -> tuple[float, float]:
    """(operations per second, total seconds) for ``action(0..count-1)``."""
    start = time.perf_counter()
    for number in range(count):
        action(number)
    elapsed = time.perf_counter() - start
    return count / elapsed, elapsed


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_store(name: str, ledger: Ledger, bare_insert: Callable[[str], None]) -> list[str]:
    payloads = [decision_payload(n) for n in range(50)]
    texts = [canonical(p) for p in payloads]
    bare, bare_s = rate(lambda n: bare_insert(texts[n % 50]), BASELINE_INSERTS)
    chained, chained_s = rate(
        lambda n: ledger.append(RecordKind.DECISION, payloads[n % 50]), APPENDS
    )
    result = ledger.verify()
    assert result.ok and result.records == APPENDS, result
    verify_s = min(timed(ledger.verify) for _ in range(3))
    verdict = "met" if verify_s <= 1.0 else "NOT met"
    return [
        f"| {name} | {BASELINE_INSERTS:,} bare INSERTs, one transaction each (baseline)"
        f" | {bare:,.0f} /s"
        f" | {bare_s:.1f} s | - |",
        f"| {name} | {APPENDS:,} `ledger.append` (chain + write lock) | {chained:,.0f} /s"
        f" | {chained_s:.1f} s"
        f" | {bare / chained:.2f}x slower |",
        f"| {name} | `ledger.verify()` over {APPENDS:,} records | - | {verify_s:.2f} s"
        f" | target ≤ 1 s: {verdict} |",
    ]


def bench_sqlite(scratch: Path) -> list[str]:
    bare_db = sqlite3.connect(scratch / "bare.db", isolation_level=None)
    bare_db.execute("PRAGMA journal_mode = WAL")
    bare_db.execute("PRAGMA synchronous = FULL")
    bare_db.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL)")

    def bare_insert(text: str) -> None:
        bare_db.execute("BEGIN IMMEDIATE")
        bare_db.execute("INSERT INTO t (payload) VALUES (?)", (text,))
        bare_db.execute("COMMIT")

    with open_ledger(scratch / "ledger.db", environ={}) as ledger:
        rows = bench_store("SQLite (WAL, synchronous=FULL)", ledger, bare_insert)
    bare_db.close()
    return rows


@contextmanager
def postgres_url() -> Iterator[str | None]:
    given = os.environ.get("GATES_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bindir = server_bindir()
    if bindir is None:
        yield None
        return
    with cluster(bindir) as url:
        yield url


def bench_postgres() -> list[str]:
    import psycopg

    with postgres_url() as url:
        if url is None:
            return ["| PostgreSQL | not measured: no initdb and no GATES_TEST_POSTGRES_URL | | | |"]
        with psycopg.connect(url, autocommit=True) as bare_db:
            bare_db.execute(
                "DROP TABLE IF EXISTS ledger_records, ledger_head, ledger_schema, bench_t"
            )
            bare_db.execute(
                "CREATE TABLE bench_t (seq BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)"
            )

            def bare_insert(text: str) -> None:
                bare_db.execute("INSERT INTO bench_t (payload) VALUES (%s)", (text,))

            with open_ledger(url, environ={}) as ledger:
                return bench_store("PostgreSQL 15 (127.0.0.1)", ledger, bare_insert)


def main() -> None:
    payload_size = len(canonical(decision_payload(0)))
    with tempfile.TemporaryDirectory(prefix="gates-bench-ledger-") as scratch:
        rows = bench_sqlite(Path(scratch))
    rows += bench_postgres()
    print(
        f"### Ledger: {APPENDS:,} appends of a {payload_size / 1024:.1f} KiB decision, one writer\n"
    )
    print("| store | operation | rate | time | vs baseline / target |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
