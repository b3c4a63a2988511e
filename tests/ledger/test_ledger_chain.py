"""The canonical form and record hash: a contract, so that any tool can re-compute the chain."""

from __future__ import annotations

import hashlib

import pytest

from gates.ledger.chain import GENESIS, Head, StoredRow, canonical, record_hash, verify_rows


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_utf8() -> None:
    assert canonical({"b": "ü", "a": [1, 2.5, None, True]}) == '{"a":[1,2.5,null,true],"b":"ü"}'
    with pytest.raises(ValueError):
        canonical({"x": float("inf")})


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
