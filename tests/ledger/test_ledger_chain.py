"""The canonical form and record hash: a contract, so that any tool can re-compute the chain."""

from __future__ import annotations

import hashlib

import pytest

from gates.errors import LedgerError
from gates.ledger.chain import (
    GENESIS,
    BadRow,
    Head,
    StoredRow,
    canonical,
    record_hash,
    stored_payload,
    verify_rows,
)
from gates.ledger.interface import RecordKind


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_utf8() -> None:
    assert canonical({"b": "ü", "a": [1, 2.5, None, True]}) == '{"a":[1,2.5,null,true],"b":"ü"}'
    with pytest.raises(ValueError):
        canonical({"x": float("inf")})


def test_a_payload_no_store_can_keep_is_a_ledger_error_naming_the_ledger() -> None:
    assert stored_payload("l.db", RecordKind.SIGNOFF, {"b": 1, "a": "ü"}) == '{"a":"ü","b":1}'
    with pytest.raises(LedgerError) as raised:
        stored_payload("l.db", RecordKind.SIGNOFF, {"x": "\ud800"})  # a lone surrogate
    assert str(raised.value).startswith("l.db: cannot append signoff: 'utf-8' codec can't encode")


def test_record_hash_is_sha256_of_the_canonical_record() -> None:
    payload = canonical({"verdict": "GO", "tree": "t1", "note": 'say "hi"'})
    whole = canonical(
        {
            "seq": 1,
            "kind": "decision",
            "created_at": "2026-01-01T00:00:00+00:00",
            "prev_hash": GENESIS,
            "payload": {"verdict": "GO", "tree": "t1", "note": 'say "hi"'},
            "tree": "t1",
        }
    )
    expected = hashlib.sha256(whole.encode("utf-8")).hexdigest()
    created = "2026-01-01T00:00:00+00:00"
    assert record_hash(1, "decision", created, "t1", payload, GENESIS) == expected
    assert record_hash(1, "decision", created, "t2", payload, GENESIS) != expected


def _chain(count: int) -> list[StoredRow]:
    rows, prev = [], GENESIS
    for seq in range(1, count + 1):
        text = canonical({"n": seq})
        digest = record_hash(seq, "signoff", "2026-01-01T00:00:00+00:00", None, text, prev)
        rows.append(
            StoredRow(seq, "signoff", "2026-01-01T00:00:00+00:00", None, text, prev, digest)
        )
        prev = digest
    return rows


def test_verify_rows_names_a_reordered_or_relinked_record() -> None:
    rows = _chain(3)
    head = Head(3, rows[2].hash)
    assert verify_rows(rows, head).ok
    swapped = [rows[0], rows[2], rows[1]]
    assert verify_rows(swapped, head).problem == "record 2 is missing"
    assert verify_rows(rows[:2], Head(2, rows[2].hash)).problem == (
        "record 2 does not match the head marker"
    )
    assert verify_rows(rows, None).problem == "the head marker is missing"
    assert verify_rows(rows, Head(2, rows[1].hash)).problem == (
        "record 3 is not covered by the head marker (head is record 2)"
    )
    assert verify_rows([], None).ok


def test_verify_rows_names_the_first_bad_row_in_chain_order_and_reports_the_head() -> None:
    rows = _chain(4)
    head = Head(4, rows[3].hash)
    assert verify_rows(rows, head).head == rows[3].hash
    assert verify_rows([], None).head is None
    unreadable = BadRow(3, "has a payload of the wrong type (blob, expected text)")
    found = verify_rows([rows[0], rows[1], unreadable, rows[3]], head)
    assert (found.first_bad, found.problem, found.head) == (
        3,
        "record 3 has a payload of the wrong type (blob, expected text)",
        None,
    )
    # A bad seq cell is named at the position it holds in the chain.
    assert verify_rows([rows[0], BadRow(None, "has a seq ...")], head).first_bad == 2
    broken_head = BadRow(None, "has a seq of the wrong type (text, expected integer)")
    assert verify_rows(rows, broken_head).problem == (
        "the head marker has a seq of the wrong type (text, expected integer)"
    )
