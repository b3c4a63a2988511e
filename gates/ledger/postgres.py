"""The shared store for many CI runners: PostgreSQL via psycopg 3 (extra ``postgres``).

Same schema and chain as SQLite. Every append (and every migration) runs in a transaction that first
takes one transaction-scoped advisory lock, so concurrent runners append strictly one after the
other and the chain never forks. The URL's password never appears in a message: every location
shown is the URL with the password replaced, and driver messages are scrubbed of it.
"""

from __future__ import annotations

from typing import Any

from gates.errors import LedgerError
from gates.ledger.store import SqlLedger
from gates.redact import Redactor

LOCK_KEY = 0x6761746573_4C44  # "gates" "LD": the advisory lock every writer takes
CONNECT_TIMEOUT_S = 10
URL_NAME = "GATES_LEDGER_URL"


class PostgresLedger(SqlLedger):
    """A ledger in a PostgreSQL database (tables ``ledger_*``, created and migrated on open)."""

    int_type = "BIGINT"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise LedgerError(
                "GATES_LEDGER_URL names a PostgreSQL ledger but psycopg is not installed"
                " (pip install 'release-gates[postgres]')"
            ) from None
        self._redactor = Redactor()
        self._redactor.add_url(url, URL_NAME)
        # Even where the password also appears elsewhere (say, as the database name), and in
        # a URL urlsplit rejects but libpq may quote whole in its complaint.
        super().__init__(self._redactor.url(url, URL_NAME), (psycopg.Error,))
        with self._guard("connect"):
            self._connection = psycopg.connect(
                url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
            )
        try:
            self._migrate()
        except BaseException:
            self._connection.close()
            raise

    def _message(self, error: Exception) -> str:
        return self._redactor.text(super()._message(error))

    def _run(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        cursor = self._connection.execute(sql.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description is not None else []

    def _begin_write(self) -> None:
        self._run("BEGIN")
        self._run("SELECT pg_advisory_xact_lock(?)", (LOCK_KEY,))

    def _begin_read(self) -> None:
        self._run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def _close(self) -> None:
        self._connection.close()
