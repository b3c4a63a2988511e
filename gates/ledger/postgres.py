"""The shared store for many CI runners: PostgreSQL via psycopg 3 (extra ``postgres``).

Same schema and chain as SQLite. Every append (and every migration) runs in a transaction that first
takes one transaction-scoped advisory lock, so concurrent runners append strictly one after the
other and the chain never forks. The URL's password never appears in a message: every location
shown is the URL with the password replaced, and driver messages are scrubbed of it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from gates.errors import LedgerError
from gates.ledger.store import SqlLedger

LOCK_KEY = 0x6761746573_4C44  # "gates" "LD": the advisory lock every writer takes
CONNECT_TIMEOUT_S = 10


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***`` (all of it hidden if it cannot be parsed)."""
    try:
        parts = urlsplit(url)
        password = parts.password
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "GATES_LEDGER_URL (unparsable URL)"
    if password is None:
        return url
    user = parts.username or ""
    netloc = f"{user}:***@{host or ''}" + (f":{port}" if port is not None else "")
    shown = urlunsplit(parts._replace(netloc=netloc))
    # Even where the password also appears elsewhere (say, as the database name).
    return _scrub(shown, _password_forms(url))


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


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
        super().__init__(redact(url), (psycopg.Error,))
        self._secrets = _password_forms(url)
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
        return _scrub(super()._message(error), self._secrets)

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


def _password_forms(url: str) -> tuple[str, ...]:
    try:
        password = urlsplit(url).password
    except ValueError:
        return ()
    if not password:
        return ()
    return tuple({password, unquote(password)})
