"""The public Python API: which store open_ledger picks, and decisions in and out."""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path

import pytest

from gates.config import GatesConfig, parse
from gates.errors import LedgerError
from gates.ledger import RecordKind, decision_of, open_ledger, record_decision
from gates.model import Decision, Verdict


def _config(root: Path, gates_toml: str = "") -> GatesConfig:
    return parse(tomllib.loads(gates_toml), root=root, file=root / "pyproject.toml")


def test_config_ledger_setting_is_relative_to_the_project_root(tmp_path: Path) -> None:
    config = _config(tmp_path, '[tool.gates]\nledger = "state/decisions.db"\n')
    with open_ledger(config, environ={}) as ledger:
        ledger.append(RecordKind.SIGNOFF, {"item": "x"})
        assert ledger.location == str(tmp_path / "state" / "decisions.db")
    assert (tmp_path / "state" / "decisions.db").is_file()


def test_default_is_gates_ledger_db_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_ledger(environ={}) as ledger:
        assert ledger.records() == []
    assert (tmp_path / ".gates" / "ledger.db").is_file()


def test_gates_ledger_url_overrides_the_config(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environ = {"GATES_LEDGER_URL": f"postgresql://u:pw-xyz@127.0.0.1:{port}/db"}
    with pytest.raises(LedgerError) as raised:
        open_ledger(_config(tmp_path), environ=environ)
    assert str(raised.value).startswith(f"postgresql://u:***@127.0.0.1:{port}/db: cannot connect:")
    assert not (tmp_path / ".gates").exists()


def test_record_decision_fills_in_the_chain_hashes(tmp_path: Path) -> None:
    decision = Decision("d1", Verdict.GO, "tree-1", None, "1.0", "2026-01-01T00:00:00+00:00", ())
    with open_ledger(tmp_path / "l.db", environ={}) as ledger:
        first = record_decision(ledger, decision)
        second = record_decision(ledger, decision)
        (_, record) = ledger.records(RecordKind.DECISION)
        latest = ledger.latest_decision("tree-1")
    assert "hash" not in record.payload and "prev_hash" not in record.payload
    assert second.prev_hash == first.hash
    assert latest == second == decision_of(record)
