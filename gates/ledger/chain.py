"""The hash chain both stores keep: canonical JSON, record hashes, and re-computing the chain.

A record's hash is the sha256 of the canonical JSON of ``{"created_at", "kind", "payload",
"prev_hash", "seq", "tree"}``: keys sorted, no insignificant whitespace, UTF-8, no NaN. ``tree`` is
a decision's tree id (``null`` for other kinds): the stores index decisions by it, and hashing it
means an edited index is caught like an edited payload. The payload is stored as its canonical
text, so the hashed form is assembled around the stored text without parsing it again, and any
edit to a stored character changes the hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring as _string

from gates.errors import LedgerError
from gates.ledger.interface import RecordKind, Verification
from gates.model import JSONValue

GENESIS = "0" * 64
"""The ``prev_hash`` of the first record."""


def canonical(value: JSONValue) -> str:
    """The one JSON text of ``value`` that is hashed (raises ValueError for NaN/inf)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def stored_payload(location: str, kind: RecordKind, payload: Mapping[str, JSONValue]) -> str:
    """The canonical text a store keeps for a new record's payload; a payload that cannot be
    stored or hashed (NaN, a lone surrogate) is a LedgerError naming the ledger."""
    try:
        text = canonical(dict(payload))
        text.encode("utf-8")  # a lone surrogate cannot be stored or hashed
    except (TypeError, ValueError) as exc:
        raise LedgerError(f"{location}: cannot append {kind.value}: {exc}") from None
    return text


def record_hash(
    seq: int, kind: str, created_at: str, tree: str | None, payload_text: str, prev_hash: str
) -> str:
    """sha256 over the canonical record, given the payload's canonical text."""
    # Keys in sorted order, exactly as canonical() would write the whole record. A JSON string
    # is what encode_basestring writes (json.dumps with ensure_ascii=False), minus its overhead:
    # this runs once per record in verify.
    text = (
        f'{{"created_at":{_string(created_at)},"kind":{_string(kind)},'
        f'"payload":{payload_text},"prev_hash":{_string(prev_hash)},"seq":{seq},'
        f'"tree":{"null" if tree is None else _string(tree)}}}'
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def payload_tree(kind: str, payload: Mapping[str, JSONValue]) -> str | None:
    """The tree id a record is indexed by: a decision's or result's ``tree``, else None."""
    if kind not in (RecordKind.DECISION, RecordKind.RESULT):
        return None
    tree = payload.get("tree")
    return tree if isinstance(tree, str) else None


@dataclass(frozen=True)
class StoredRow:
    """A record as a store holds it, before the payload is parsed."""

    seq: int
    kind: str
    created_at: str
    tree: str | None
    payload_text: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class BadRow:
    """A stored row with a cell of the wrong SQL type (``seq = 'x'``, a payload blob): it cannot
    be hashed, so it is reported as what is wrong with it rather than read."""

    seq: int | None
    """None when the seq cell itself is the wrong one."""
    problem: str
    """E.g. ``has a payload of the wrong type (integer, expected text)``."""


@dataclass(frozen=True)
class Head:
    """The newest record the store says it has (kept beside the chain to detect a cut-off tail)."""

    seq: int
    hash: str


def verify_rows(rows: Iterable[StoredRow | BadRow], head: Head | BadRow | None) -> Verification:
    """Re-compute the chain over ``rows`` (ordered by seq) and check it ends at ``head``.

    Names the first record that does not check out: an edited record fails its own hash, a
    deleted one leaves a gap in ``seq`` (or a tail shorter than the head), a cell of the wrong
    type is named as such.
    """
    expected_seq, prev_hash, count = 1, GENESIS, 0
    for row in rows:
        count += 1
        seq = expected_seq if row.seq is None else row.seq
        if seq != expected_seq:
            return Verification(count, expected_seq, f"record {expected_seq} is missing")
        if isinstance(row, BadRow):
            return Verification(count, seq, f"record {seq} {row.problem}")
        problem = _row_problem(row, prev_hash)
        if problem is not None:
            return Verification(count, seq, f"record {seq} {problem}")
        expected_seq, prev_hash = seq + 1, row.hash
    last = expected_seq - 1
    if isinstance(head, BadRow):
        return Verification(count, None, f"the head marker {head.problem}")
    if head is None:
        if last:
            return Verification(count, None, "the head marker is missing")
    elif head.seq != last:
        bad = last + 1 if head.seq > last else head.seq + 1
        what = "is missing" if head.seq > last else "is not covered by the head marker"
        return Verification(count, bad, f"record {bad} {what} (head is record {head.seq})")
    elif head.hash != prev_hash:
        return Verification(count, last, f"record {last} does not match the head marker")
    return Verification(count, head=prev_hash if count else None)


def _row_problem(row: StoredRow, prev_hash: str) -> str | None:
    if row.prev_hash != prev_hash:
        return "does not follow the previous record (prev_hash differs)"
    digest = record_hash(
        row.seq, row.kind, row.created_at, row.tree, row.payload_text, row.prev_hash
    )
    if digest != row.hash:
        return "was altered (hash does not match its content)"
    if row.kind not in _KINDS:
        return f"has an unknown kind {row.kind!r}"
    return None


_KINDS = frozenset(kind.value for kind in RecordKind)
