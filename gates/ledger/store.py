"""What the SQLite and PostgreSQL stores share: schema migrations, append, queries, verify.

A store subclass supplies only the driver: how to run a statement, how to start a serialized write
transaction and a snapshot read, and the few SQL spellings that differ.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from typing import Any

from gates.errors import LedgerError
from gates.ledger.chain import (
    GENESIS,
    BadRow,
    Head,
    StoredRow,
    payload_tree,
    record_hash,
    stored_payload,
    verify_rows,
)
from gates.ledger.interface import ClosedOnExit, Record, RecordKind, Verification
from gates.model import Decision, JSONValue, utcnow

# Schema history. Each entry is one forward migration, applied in one transaction; never edit an
# entry that shipped, append a new one. ``{int}`` is the store's spelling of a 64-bit integer.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the chain. ``tree`` is hashed with the record (see gates.ledger.chain).
    (
        "CREATE TABLE ledger_records (seq {int} PRIMARY KEY, kind TEXT NOT NULL,"
        " created_at TEXT NOT NULL, tree TEXT, payload TEXT NOT NULL, prev_hash TEXT NOT NULL,"
        " hash TEXT NOT NULL)",
    ),
    # 2: the newest decision for a tree found without scanning.
    ("CREATE INDEX ledger_records_kind_tree ON ledger_records (kind, tree, seq)",),
    # 3: the head marker, so that deleting the newest records is detected too.
    (
        "CREATE TABLE ledger_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq {int} NOT NULL,"
        " hash TEXT NOT NULL)",
        "INSERT INTO ledger_head (id, seq, hash)"
        " SELECT 1, seq, hash FROM ledger_records ORDER BY seq DESC LIMIT 1",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

_COLUMNS = "seq, kind, created_at, tree, payload, prev_hash, hash"


class SqlLedger(ClosedOnExit):
    """A ledger over a SQL database (see :class:`gates.ledger.interface.Ledger`)."""

    int_type = "INTEGER"

    def __init__(self, location: str, driver_errors: tuple[type[Exception], ...]) -> None:
        self.location = location
        """Where the ledger is, safe to print (never a password)."""
        self._driver_errors = driver_errors

    # Driver hooks ------------------------------------------------------------------------------

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Execute one statement (``?`` placeholders); the rows it returns, if any."""
        raise NotImplementedError

    def _begin_write(self) -> None:
        """Start a transaction that holds the store's one write lock until commit."""
        raise NotImplementedError

    def _begin_read(self) -> None:
        """Start a read-only transaction that sees one consistent snapshot."""
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _message(self, error: Exception) -> str:
        """A driver error as one safe line."""
        return " ".join(str(error).split()) or type(error).__name__

    # Shared machinery -------------------------------------------------------------------------

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except self._driver_errors as exc:
            raise LedgerError(f"{self.location}: cannot {action}: {self._message(exc)}") from None

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[None]:
        if write:
            self._begin_write()
        else:
            self._begin_read()
        try:
            yield
        except BaseException:
            with suppress(*self._driver_errors):
                self._run("ROLLBACK")
            raise
        self._run("COMMIT")

    def _migrate(self) -> None:
        """Bring the schema to :data:`SCHEMA_VERSION`; writers racing to do it take turns."""
        with self._guard("read the schema version"):
            try:
                current = self._schema_version()
            except self._driver_errors:
                current = None  # no schema table yet
        if current == SCHEMA_VERSION:
            return
        with self._guard("migrate the schema"), self._transaction(write=True):
            self._run("CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)")
            current = self._schema_version()
            if current is None:
                self._run("INSERT INTO ledger_schema (version) VALUES (0)")
                current = 0
            if current > SCHEMA_VERSION:
                raise LedgerError(
                    f"{self.location}: schema version {current} was written by a newer"
                    f" release-gates (this one knows up to {SCHEMA_VERSION}); upgrade release-gates"
                )
            for statements in MIGRATIONS[current:]:
                for statement in statements:
                    self._run(statement.format(int=self.int_type))
            self._run("UPDATE ledger_schema SET version = ?", (SCHEMA_VERSION,))

    def _schema_version(self) -> int | None:
        rows = self._run("SELECT version FROM ledger_schema")
        if not rows:
            return None
        version = rows[0][0]
        if not _is_int(version):
            raise LedgerError(f"{self.location}: the schema version {version!r} is not a number")
        return int(version)

    # The Ledger protocol -----------------------------------------------------------------------

    def append(self, kind: RecordKind, payload: Mapping[str, JSONValue]) -> Record:
        kind = RecordKind(kind)
        payload_text = stored_payload(self.location, kind, payload)
        tree = payload_tree(kind, payload)
        with self._guard(f"append a {kind.value} record"), self._transaction(write=True):
            # The head (not the last row) decides the next seq: a deleted tail stays a gap.
            head = _head(self._run("SELECT seq, hash FROM ledger_head WHERE id = 1"))
            if head is None:
                last = self._run("SELECT seq, hash FROM ledger_records ORDER BY seq DESC LIMIT 1")
                head = _head(last)
            if isinstance(head, BadRow):
                raise LedgerError(
                    f"{self.location}: cannot append: the head marker {head.problem}"
                    " (run 'gates ledger verify')"
                )
            seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS)
            created_at = utcnow().isoformat(timespec="microseconds")
            digest = record_hash(seq, kind.value, created_at, tree, payload_text, prev_hash)
            self._run(
                f"INSERT INTO ledger_records ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, kind.value, created_at, tree, payload_text, prev_hash, digest),
            )
            self._run(
                "INSERT INTO ledger_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id)"
                " DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                (seq, digest),
            )
        return Record(seq, kind, created_at, json.loads(payload_text), prev_hash, digest)

    def records(
        self, kind: RecordKind | None = None, *, limit: int | None = None
    ) -> Sequence[Record]:
        where, params = "", list[object]()
        if kind is not None:
            where, params = "WHERE kind = ?", [RecordKind(kind).value]
        if limit is not None:
            where += " ORDER BY seq DESC LIMIT ?"
            params.append(max(limit, 0))
        with self._guard("read records"):
            rows = self._run(f"SELECT {_COLUMNS} FROM ledger_records {where}", params)
        found = [self._record(_stored(row)) for row in rows]
        return sorted(found, key=lambda record: record.seq)

    def _of_tree(self, kind: RecordKind, tree: str) -> list[Record]:
        """The records of ``kind`` for ``tree``, newest first."""
        with self._guard(f"read {kind.value} records"):
            rows = self._run(
                f"SELECT {_COLUMNS} FROM ledger_records WHERE kind = ? AND tree = ?"
                " ORDER BY seq DESC",
                (kind.value, tree),
            )
        return [self._record(_stored(row)) for row in rows]

    def latest_decision(self, tree: str, project: str | None = None) -> Decision | None:
        for record in self._of_tree(RecordKind.DECISION, tree):
            decision = decision_of(record)
            if decision.tree != tree:
                raise LedgerError(
                    f"{self.location}: record {record.seq} was altered (run 'gates ledger verify')"
                )
            if decision.stands_for(project):
                return decision
        return None

    def latest_result(self, gate: str, tree: str, workspace: str) -> Mapping[str, JSONValue] | None:
        for record in self._of_tree(RecordKind.RESULT, tree):
            if record.payload.get("gate") == gate and record.payload.get("workspace") == workspace:
                return record.payload
        return None

    def verify(self) -> Verification:
        with self._guard("read records"), self._transaction(write=False):
            rows = self._run(f"SELECT {_COLUMNS} FROM ledger_records ORDER BY seq")
            head = self._run("SELECT seq, hash FROM ledger_head WHERE id = 1")
        return verify_rows((_stored(row) for row in rows), _head(head))

    def holds(self, record_hash: str) -> bool:
        with self._guard("read records"):
            return bool(self._run("SELECT 1 FROM ledger_records WHERE hash = ?", (record_hash,)))

    def close(self) -> None:
        with self._guard("close"):
            self._close()

    def _record(self, row: StoredRow | BadRow) -> Record:
        try:
            if isinstance(row, BadRow):
                raise ValueError(row.problem)
            payload = json.loads(row.payload_text)
            if not isinstance(payload, dict):
                raise ValueError("its payload is not a JSON object")
            kind = RecordKind(row.kind)
        except (ValueError, RecursionError):
            raise LedgerError(
                f"{self.location}: record {row.seq} is unreadable (run 'gates ledger verify')"
            ) from None
        return Record(row.seq, kind, row.created_at, payload, row.prev_hash, row.hash)


_CELLS: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("seq", (int,)),
    ("kind", (str,)),
    ("created_at", (str,)),
    ("tree", (str, type(None))),
    ("payload", (str,)),
    ("prev_hash", (str,)),
    ("hash", (str,)),
)
"""Each column of ``_COLUMNS`` and the Python types its driver returns for the declared SQL type.
SQLite stores any type in any column (``UPDATE ... SET payload = x'00'``): such a cell is named."""
_HEAD_CELLS = (_CELLS[0], _CELLS[-1])
"""``seq, hash`` of the head marker."""


def _stored(row: Sequence[Any]) -> StoredRow | BadRow:
    problem = _wrong_cell(_CELLS, row)
    if problem is not None:
        return BadRow(row[0] if _is_int(row[0]) else None, problem)
    return StoredRow(*row)


def _head(rows: Sequence[Sequence[Any]]) -> Head | BadRow | None:
    """The head marker (or the newest record's seq and hash) as read, None when there is none."""
    if not rows:
        return None
    problem = _wrong_cell(_HEAD_CELLS, rows[0])
    return BadRow(None, problem) if problem is not None else Head(*rows[0])


def _wrong_cell(columns: Sequence[tuple[str, tuple[type, ...]]], row: Sequence[Any]) -> str | None:
    for (column, types), cell in zip(columns, row, strict=True):
        if not isinstance(cell, types) or isinstance(cell, bool):
            expected = " or ".join(_sql_type(kind) for kind in types)
            return (
                f"has a {column} of the wrong type ({_sql_type(type(cell))}, expected {expected})"
            )
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _sql_type(kind: type) -> str:
    names = {int: "integer", float: "real", str: "text", bytes: "blob", type(None): "null"}
    return names.get(kind, kind.__name__)


def decision_of(record: Record) -> Decision:
    """The Decision a decision record holds, with the record's chain hashes."""
    try:
        decision = Decision.from_dict(record.payload, "decision")
    except (KeyError, TypeError, ValueError) as exc:
        raise LedgerError(f"ledger record {record.seq} is not a valid decision ({exc})") from None
    return replace(decision, prev_hash=record.prev_hash, hash=record.hash)
