"""The PostgreSQL store: the URL's password never shows, an unreachable server is exit 2."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from gates.errors import LedgerError
from gates.ledger import RecordKind, open_ledger

PASSWORD = "S3cr3t-Pa55"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens once the socket is closed


def test_unreachable_url_is_exit_2_in_one_line_without_the_password(
    ledger_project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = ledger_project()
    port = _closed_port()
    monkeypatch.setenv("GATES_LEDGER_URL", f"postgresql://gates:{PASSWORD}@127.0.0.1:{port}/ledger")
    for argv in (("history",), ("ledger", "verify"), ("decide",)):
        code, out, err = project.gates(*argv)
        assert code == 2
        assert out == ""
        assert err.count("\n") == 1
        assert err.startswith(
            f"gates: error: postgresql://gates:***@127.0.0.1:{port}/ledger: cannot connect:"
            f' connection failed: connection to server at "127.0.0.1", port {port} failed:'
        )
        assert PASSWORD not in out + err


def test_driver_messages_are_scrubbed_of_the_password(postgres_server: str) -> None:
    # The database named like the password does not exist: the server's message names it.
    parts = urlsplit(postgres_server)
    netloc = f"{parts.username}:{PASSWORD}@{parts.hostname}:{parts.port}"
    url = urlunsplit(parts._replace(netloc=netloc, path=f"/{PASSWORD}"))
    with pytest.raises(LedgerError) as raised:
        open_ledger(url, environ={})
    message = str(raised.value)
    assert PASSWORD not in message
    assert 'database "***" does not exist' in message


def test_ledger_url_must_be_postgresql(
    ledger_project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = ledger_project()
    monkeypatch.setenv("GATES_LEDGER_URL", "mysql://u:pw@host/db")
    assert project.gates("history") == (
        2,
        "",
        "gates: error: GATES_LEDGER_URL: expected a postgresql:// URL\n",
    )


def test_a_url_in_pyproject_is_refused(ledger_project: Any) -> None:
    project = ledger_project('[tool.gates]\nledger = "postgresql://u:pw@db/x"\n')
    assert project.gates("history") == (
        2,
        "",
        "gates: error: pyproject.toml: tool.gates.ledger: put a database URL in GATES_LEDGER_URL,"
        " not in the file (it would hold the password)\n",
    )


def test_history_and_latest_decision_on_postgres(
    ledger_project: Any, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = ledger_project()
    monkeypatch.setenv("GATES_LEDGER_URL", postgres_url)
    project.record_run(7, 1, 0, 55.5)
    assert project.gates("decide")[0] == 1
    code, out, _ = project.gates("history")
    assert code == 0
    assert out.splitlines()[1].split()[3:9] == ["1.2.0", "NO_GO", "7", "1", "0", "55.5%"]
    with open_ledger(postgres_url, environ={}) as ledger:
        (record,) = ledger.records(RecordKind.DECISION)
        decision = ledger.latest_decision(str(record.payload["tree"]))
    assert decision is not None and decision.hash == record.hash
