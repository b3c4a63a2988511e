"""Records as the git store keeps them: one ``record.json`` per commit, read back in one batch.

A record file is the canonical JSON of ``{"created_at", "hash", "kind", "payload", "prev_hash",
"seq", "tree"}`` and a newline, byte for byte as :func:`record_blob` writes it: a file that parses
to the same values but differs in a single byte was edited, and is named as such. A commit must
hold that file alone and have at most one parent; anything else is reported as what it is, never
read as a record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from json.encoder import encode_basestring as _string

from gates.ledger.chain import BadRow, StoredRow, canonical
from gates.ledger.gitrepo import CommitInfo, GitRepo
from gates.ledger.interface import Record, RecordKind

_FIELDS = ("created_at", "hash", "kind", "payload", "prev_hash", "seq", "tree")


@dataclass(frozen=True)
class Entry:
    """One commit of the ledger ref and the record it holds (or what is wrong with it)."""

    commit: str
    row: StoredRow | BadRow


@dataclass(frozen=True)
class LoadedChain:
    """The records of the ref at ``tip``, oldest first."""

    tip: str | None
    entries: tuple[Entry, ...]


def record_blob(row: StoredRow) -> bytes:
    """The bytes of ``record.json`` for ``row`` (keys sorted; the payload's canonical text)."""
    tree = "null" if row.tree is None else _string(row.tree)
    text = (
        f'{{"created_at":{_string(row.created_at)},"hash":{_string(row.hash)},'
        f'"kind":{_string(row.kind)},"payload":{row.payload_text},'
        f'"prev_hash":{_string(row.prev_hash)},"seq":{row.seq},"tree":{tree}}}\n'
    )
    return text.encode("utf-8")


def record_of(row: StoredRow | BadRow) -> Record | None:
    """The record ``row`` holds; None when it cannot be read as one."""
    if isinstance(row, BadRow):
        return None
    try:
        payload = json.loads(row.payload_text)
        kind = RecordKind(row.kind)
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict):
        return None
    return Record(row.seq, kind, row.created_at, payload, row.prev_hash, row.hash)


def load_chain(
    repo: GitRepo, tip: str, name: str, object_format: str, known: LoadedChain | None
) -> LoadedChain:
    """The chain ending at ``tip``; only the commits past ``known`` (a chain read before) are read
    when ``tip`` extends it."""
    if known is not None and known.tip is not None:
        commits = [entry.commit for entry in known.entries]
        if tip in commits:  # an older tip of the same chain
            return LoadedChain(tip, known.entries[: commits.index(tip) + 1])
        newer = repo.first_parent_log(tip, since=known.tip)
        if newer and newer[-1].parents[:1] == (known.tip,):
            return LoadedChain(tip, known.entries + _entries(repo, newer, name, object_format))
    return LoadedChain(tip, _entries(repo, repo.first_parent_log(tip), name, object_format))


def _entries(
    repo: GitRepo, newest_first: list[CommitInfo], name: str, object_format: str
) -> tuple[Entry, ...]:
    infos = newest_first[::-1]
    blobs = repo.blobs([f"{info.commit}:{name}" for info in infos])
    return tuple(
        Entry(info.commit, _row(info, blob, name, object_format))
        for info, blob in zip(infos, blobs, strict=True)
    )


def _row(info: CommitInfo, blob: bytes | None, name: str, object_format: str) -> StoredRow | BadRow:
    where = f"commit {info.commit[:12]}"
    if blob is None:
        return BadRow(None, f"({where}) holds no {name}: it is not a ledger record")
    row = _parsed(blob)
    if isinstance(row, str):
        return BadRow(None, f"({where}) has a {name} that is not a ledger record ({row})")
    if record_blob(row) != blob:
        return BadRow(row.seq, f"was altered ({where}: {name} is not as gates wrote it)")
    if len(info.parents) > 1:
        return BadRow(row.seq, f"({where}) is a merge: the chain was forked and joined")
    if _tree_id(name, blob, object_format) != info.tree:
        return BadRow(row.seq, f"({where}) holds other files beside {name}")
    return row


def _parsed(blob: bytes) -> StoredRow | str:
    """The row ``blob`` holds, or why it holds none.

    The payload is not parsed (as the SQL stores never parse it to verify): it is the text between
    the top-level ``"payload":`` and ``,"prev_hash":`` keys, and the hash is over that text. Those
    keys cannot occur unescaped inside a JSON string, and a nested ``"prev_hash"`` key of the
    payload comes before the top-level one, so the first and the last occurrences are the ones.
    A file not laid out as gates writes it is read whole: an edit that kept the values (say,
    pretty-printing) is then named as an edit by the caller, not as a file that is no record.
    """
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    start, end = text.find(_PAYLOAD_KEY), text.rfind(_AFTER_PAYLOAD)
    payload_text: str | None = None
    if 0 <= start < end:
        payload_text = text[start + len(_PAYLOAD_KEY) : end]
        text = text[:start] + _PAYLOAD_KEY + "{}" + text[end:]
    # else: not laid out as gates writes it; read whole, to name it as edited if it is a record
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return "not JSON"
    if not isinstance(data, dict) or sorted(data) != list(_FIELDS):
        return f"expected the fields {', '.join(_FIELDS)}"
    seq, tree = data["seq"], data["tree"]
    texts = [data[key] for key in ("kind", "created_at", "prev_hash", "hash")]
    if not isinstance(seq, int) or isinstance(seq, bool):
        return "seq must be a number"
    if payload_text is None and isinstance(data["payload"], dict):
        try:
            payload_text = canonical(data["payload"])
        except ValueError as exc:  # NaN, which json.loads accepts and canonical JSON does not
            return str(exc)
    if payload_text is None or not (payload_text.startswith("{") and payload_text.endswith("}")):
        return "payload must be an object"
    if not all(isinstance(text, str) for text in texts) or not isinstance(tree, str | None):
        return "kind, created_at, prev_hash, hash and tree must be strings"
    kind, created_at, prev_hash, digest = texts
    return StoredRow(seq, kind, created_at, tree, payload_text, prev_hash, digest)


_PAYLOAD_KEY = '"payload":'
_AFTER_PAYLOAD = ',"prev_hash":'


def _tree_id(name: str, blob: bytes, object_format: str) -> str:
    """The id git gives a tree holding only ``name`` with ``blob`` (sha1 or sha256 repos)."""
    blob_id = hashlib.new(object_format, b"blob %d\0" % len(blob) + blob).digest()
    entry = b"100644 " + name.encode() + b"\0" + blob_id
    return hashlib.new(object_format, b"tree %d\0" % len(entry) + entry).hexdigest()
