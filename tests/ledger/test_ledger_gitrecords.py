"""record.json as the git store writes and reads it: byte for byte, payload text untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, init_repo
from git_ledger_support import record_tree

from gates.ledger.chain import BadRow, StoredRow, canonical, record_hash
from gates.ledger.gitrecords import load_chain, record_blob, record_of
from gates.ledger.gitrepo import CommitInfo, GitRepo
from gates.ledger.interface import RecordKind


def _row(payload: dict[str, object], *, tree: str | None = "t" * 40) -> StoredRow:
    text = canonical(payload)  # type: ignore[arg-type]
    digest = record_hash(3, "decision", "2026-12-05T10:00:00.000001+00:00", tree, text, "a" * 64)
    return StoredRow(
        3, "decision", "2026-12-05T10:00:00.000001+00:00", tree, text, "a" * 64, digest
    )


def _read(root: Path, blob: bytes) -> StoredRow | BadRow:
    """``blob`` committed as record.json and read back through load_chain."""
    tree = record_tree(root, blob)
    commit = git(root, "commit-tree", tree, "-m", "r")
    [entry] = load_chain(GitRepo(root), commit, "record.json", "sha1", None).entries
    return entry.row


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    init_repo(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "payload",
    [
        {"id": "d1", "verdict": "GO"},
        # Keys that the reader looks for, nested in the payload or inside its strings.
        {"nested": {"prev_hash": "x", "payload": {"seq": 1}}, "z": ',"prev_hash":"'},
        {"text": 'a "payload": {} ,"prev_hash": here', "unicode": "é ✓ \u2028"},
        {},
    ],
    ids=["plain", "nested-keys", "keys-in-strings", "empty"],
)
def test_a_written_record_reads_back_as_the_same_row_and_record(
    repo: Path, payload: dict[str, object]
) -> None:
    row = _row(payload)
    assert _read(repo, record_blob(row)) == row
    record = record_of(row)
    assert record is not None
    assert (record.kind, record.payload, record.hash) == (RecordKind.DECISION, payload, row.hash)


def test_the_tree_id_is_the_one_git_gives_a_record_commit(repo: Path) -> None:
    row = _row({"id": "d1"}, tree=None)
    assert _read(repo, record_blob(row)) == row  # a wrong tree id would be a BadRow


def test_a_reformatted_record_reads_as_the_same_values_and_is_named_an_edit(repo: Path) -> None:
    row = _row({"id": "d1"})
    pretty = json.dumps(json.loads(record_blob(row)), indent=2).encode()
    read = _read(repo, pretty)
    assert isinstance(read, BadRow)
    assert read.seq == 3
    assert read.problem.startswith("was altered (commit ")
    assert read.problem.endswith(": record.json is not as gates wrote it)")


@pytest.mark.parametrize(
    ("blob", "why"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "expected the fields created_at, hash, kind, payload, prev_hash, seq, tree"),
        (b"{not json", "not JSON"),
        (
            b'{"created_at":"c","hash":"h","kind":"k","payload":[1],"prev_hash":"p","seq":1,'
            b'"tree":null}\n',
            "payload must be an object",
        ),
        (
            b'{"created_at":"c","hash":"h","kind":"k","payload":{},"prev_hash":"p","seq":"1",'
            b'"tree":null}\n',
            "seq must be a number",
        ),
        (
            b'{"created_at":"c","hash":1,"kind":"k","payload":{},"prev_hash":"p","seq":1,'
            b'"tree":null}\n',
            "kind, created_at, prev_hash, hash and tree must be strings",
        ),
        (b'{"created_at":"c","hash":"h","kind":"k","payload":{"x":NaN},"prev_hash":"p",'
         b'"seq":1,"tree":null,"more":1}', "expected the fields created_at, hash, kind, payload,"
         " prev_hash, seq, tree"),
        (b'{"tree":null,"seq":1,"prev_hash":"p","payload":{"x":NaN},"kind":"k","hash":"h",'
         b'"created_at":"c"}', "Out of range float values are not JSON compliant"),
    ],
    ids=["binary", "a-list", "not-json", "payload-list", "seq-text", "hash-number", "extra-key",
         "nan-reordered"],
)  # fmt: skip
def test_a_file_that_is_no_record_is_named_never_read(repo: Path, blob: bytes, why: str) -> None:
    read = _read(repo, blob)
    assert isinstance(read, BadRow)
    assert read.problem.endswith(f"has a record.json that is not a ledger record ({why})")
    assert record_of(read) is None


def test_an_unreadable_payload_with_a_matching_hash_is_no_record(repo: Path) -> None:
    row = StoredRow(1, "decision", "c", None, '{"x":', "p", "h")
    assert record_of(row) is None
    assert record_of(StoredRow(1, "nonsense", "c", None, "{}", "p", "h")) is None


def test_a_chain_is_read_incrementally_from_one_read_before(repo: Path) -> None:
    gitrepo = GitRepo(repo)
    tips = []
    parent: str | None = None
    for seq in (1, 2, 3):
        row = StoredRow(seq, "signoff", "c", None, "{}", "p", "h")
        parent = gitrepo.commit_file(
            "record.json",
            record_blob(row),
            parent=parent,
            message="r",
            date="2026-12-05T10:00:00+00:00",
        )
        tips.append(parent)
    first = load_chain(gitrepo, tips[1], "record.json", "sha1", None)
    assert [e.commit for e in first.entries] == tips[:2]
    grown = load_chain(gitrepo, tips[2], "record.json", "sha1", first)
    assert [e.commit for e in grown.entries] == tips
    assert grown.entries[:2] == first.entries
    older = load_chain(gitrepo, tips[0], "record.json", "sha1", grown)
    assert [e.commit for e in older.entries] == tips[:1]
    info = gitrepo.first_parent_log(tips[2])
    assert info[0] == CommitInfo(tips[2], info[0].tree, (tips[1],))
