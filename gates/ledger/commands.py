"""The ledger as the ``gates`` command uses it: each function opens the project's ledger, does one
thing and closes it (``gates history``, ``gates ledger verify``, ``gates ledger export``)."""

from __future__ import annotations

from typing import TextIO

from gates.config import GatesConfig
from gates.ledger import export as export_records
from gates.ledger import open_ledger
from gates.ledger.history import HistoryRow
from gates.ledger.history import history as history_rows
from gates.ledger.interface import Verification


def history(config: GatesConfig, *, limit: int | None) -> list[HistoryRow]:
    with open_ledger(config) as ledger:
        return history_rows(ledger, limit=limit)


def verify(config: GatesConfig) -> tuple[str, Verification]:
    """Where the ledger is (safe to print) and what re-computing its chain found."""
    with open_ledger(config) as ledger:
        return ledger.location, ledger.verify()


def export(config: GatesConfig, out: TextIO) -> int:
    with open_ledger(config) as ledger:
        return export_records(ledger, out)
