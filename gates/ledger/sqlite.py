"""The default store: one SQLite file (``.gates/ledger.db``), safe for many writer processes.

WAL journal (readers never block the writer), ``synchronous=FULL`` (a committed record survives a
crash), and one ``BEGIN IMMEDIATE`` transaction per append: the write lock is taken before the
head is read, so two processes can never both append after the same record.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from gates.errors import LedgerError
from gates.ledger.store import SqlLedger

BUSY_TIMEOUT_S = 60.0
"""How long a writer waits for another writer's transaction before giving up."""


class SqliteLedger(SqlLedger):
    """A ledger in one SQLite database file (created, and migrated forward, on open)."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path), (sqlite3.Error,))
        self.path = path
        if path.is_dir():
            raise LedgerError(f"{path}: is a directory, not a ledger database file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(f"{path}: cannot create its folder: {exc.strerror}") from None
        with self._guard("open"):
            # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE), never implicit.
            self._connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            with self._guard("open"):
                self._use_wal()
                self._run("PRAGMA synchronous = FULL")
            self._migrate()
        except BaseException:
            self._connection.close()
            raise

    def _use_wal(self) -> None:
        if self._run("PRAGMA journal_mode")[0][0] == "wal":
            return
        # Switching to WAL needs a moment alone with the file; the busy handler does not cover
        # it, so a process racing others on a brand-new file retries for a while.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._run("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _run(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return self._connection.execute(sql, params).fetchall()

    def _begin_write(self) -> None:
        self._run("BEGIN IMMEDIATE")

    def _begin_read(self) -> None:
        self._run("BEGIN")

    def _close(self) -> None:
        self._connection.close()
