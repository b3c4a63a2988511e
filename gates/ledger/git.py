"""The git store: the ledger on the ref ``refs/gates/ledger`` of the project's own repository.

One commit per record, each holding one file, ``record.json``: the record's canonical JSON with
its ``prev_hash`` and ``hash`` (the chain of :mod:`gates.ledger.chain`), its commit's parent the
previous record's commit. So the commit chain is the hash chain, and ``verify`` re-computes both.
Only git plumbing is used: the working tree, the index and the tree id gates judges are never
touched.

Appends move the ref with compare-and-swap and retry (with jitter) when another process moved it
first. With a remote (``ledger_remote``, or ``GATES_LEDGER_REMOTE``) each append fetches the
remote's ref, appends on top of it and pushes as a fast-forward; a rejected push means another
runner appended first, so the record is chained again on the new tip and pushed again. Records
appended here that the remote lacks (made offline) are re-chained on top of the remote's, never
dropped.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from gates.errors import LedgerError
from gates.jsonfields import ByField
from gates.ledger.chain import (
    GENESIS,
    BadRow,
    Head,
    StoredRow,
    canonical,
    payload_tree,
    record_hash,
    stored_payload,
    verify_rows,
)
from gates.ledger.gitrecords import Entry, LoadedChain, load_chain, record_blob, record_of
from gates.ledger.gitrepo import GitRepo, ReflogEntry
from gates.ledger.interface import ClosedOnExit, Record, RecordKind, Verification
from gates.ledger.store import decision_of
from gates.model import Decision, JSONValue, utcnow

REF = "refs/gates/ledger"
RECORD_FILE = "record.json"
RECHAIN = "gates ledger: re-chain"
"""Reflog message prefix of the one legitimate move that drops commits from the ref: local-only
records chained again on top of the remote's (their old commits are replaced, not lost)."""
LOCK_FILE = "gates-ledger.lock"
"""In the git folder: the processes of one clone append one at a time, so only one per clone
races the other clones for the remote (a loser waits on the lock, it burns no attempts)."""
ATTEMPTS = 200
"""Compare-and-swap attempts before an append gives up (each loser waits, then tries again)."""
BACKOFF_S = (0.005, 0.05, 2.0)
"""Jittered exponential backoff: first wait locally, first wait with a remote, longest wait."""

T = TypeVar("T")


def tracking_ref(remote: str) -> str:
    """Where the remote's ref was last seen: it may only move forward."""
    return f"refs/gates/remotes/{remote}/ledger"


@dataclass(frozen=True)
class SyncResult(ByField):
    """What ``gates ledger sync`` did."""

    remote: str
    records: int
    """Records in the chain afterwards (local and remote alike)."""
    pulled: int
    """Records that were on the remote only."""
    pushed: int
    """Records that were here only, now on the remote too."""
    rechained: int
    """Of those, records chained again on top of the remote's (their hashes changed)."""
    head: str | None


class GitLedger(ClosedOnExit):
    """A ledger on ``refs/gates/ledger`` (see :class:`gates.ledger.interface.Ledger`)."""

    def __init__(self, repo: GitRepo, *, remote: str | None) -> None:
        self.repo = repo
        self.remote = remote
        self.location = f"{repo.root}:{REF}" + (f" (remote {remote})" if remote else "")
        self._format = repo.object_format()
        self._cache: LoadedChain | None = None
        self._seen: str | None = None
        """The remote's tip as last seen by this clone (its tracking ref), when last read."""

    # Reading -----------------------------------------------------------------------------------

    def _chain(self, tip: str | None) -> LoadedChain:
        """The chain ending at ``tip``, read incrementally from the last one read."""
        if tip is None:
            return LoadedChain(None, ())
        if self._cache is None or self._cache.tip != tip:
            self._cache = load_chain(self.repo, tip, RECORD_FILE, self._format, self._cache)
        return self._cache

    def _local(self) -> LoadedChain:
        return self._chain(self.repo.resolve(REF))

    def records(
        self, kind: RecordKind | None = None, *, limit: int | None = None
    ) -> Sequence[Record]:
        wanted = None if kind is None else RecordKind(kind).value
        found: list[Record] = []
        for entry in reversed(self._local().entries):
            if limit is not None and len(found) >= max(limit, 0):
                break
            if wanted is None or isinstance(entry.row, BadRow) or entry.row.kind == wanted:
                found.append(self._record(entry))  # an unreadable record is refused, not skipped
        return found[::-1]

    def _of_tree(self, kind: RecordKind, tree: str) -> Iterator[Record]:
        """The records of ``kind`` for ``tree``, newest first; an unreadable one on the way is
        refused, not skipped."""
        for entry in reversed(self._local().entries):
            row = entry.row
            if isinstance(row, BadRow) or (row.kind == kind and row.tree == tree):
                yield self._record(entry)

    def latest_decision(self, tree: str, project: str | None = None) -> Decision | None:
        decisions = map(decision_of, self._of_tree(RecordKind.DECISION, tree))
        return next((d for d in decisions if d.stands_for(project)), None)

    def latest_result(self, gate: str, tree: str, workspace: str) -> Mapping[str, JSONValue] | None:
        for record in self._of_tree(RecordKind.RESULT, tree):
            if record.payload.get("gate") == gate and record.payload.get("workspace") == workspace:
                return record.payload
        return None

    def holds(self, record_hash: str) -> bool:
        entries = self._local().entries
        return any(isinstance(e.row, StoredRow) and e.row.hash == record_hash for e in entries)

    def _record(self, entry: Entry) -> Record:
        record = record_of(entry.row)
        if record is None:
            seq = f"record {entry.row.seq}" if entry.row.seq is not None else "a record"
            raise LedgerError(
                f"{self.location}: {seq} (commit {entry.commit[:12]}) is unreadable"
                " (run 'gates ledger verify')"
            )
        return record

    def verify(self) -> Verification:
        """Re-compute the chain; then check the ref only ever moved forward (its reflog)."""
        reflog = self.repo.reflog(REF)  # before the tip: a move logged later is not yet in it
        chain = self._local()
        result = _verified(chain)
        if not result.ok:
            return result
        problem = _rewritten(reflog, chain)
        return result if problem is None else Verification(result.records, None, problem)

    # Appending ---------------------------------------------------------------------------------

    def append(self, kind: RecordKind, payload: Mapping[str, JSONValue]) -> Record:
        kind = RecordKind(kind)
        payload_text = stored_payload(self.location, kind, payload)
        new = _Pending(kind.value, utcnow().isoformat(timespec="microseconds"), payload_text)
        done = self._retrying(lambda: self._attempt([new]), f"append a {kind.value} record")
        chain = self._chain(done.tip)
        mine = next(e for e in reversed(chain.entries) if _identity(e.row) == _identity(new))
        return self._record(mine)

    def sync(self) -> SyncResult:
        """Pull the remote's records and push this clone's, re-chaining those it lacks."""
        if self.remote is None:
            raise LedgerError(
                "ledger sync: no remote: set tool.gates.ledger_remote or GATES_LEDGER_REMOTE"
            )
        before = {entry.commit for entry in self._local().entries}
        done = self._retrying(lambda: self._attempt([]), "sync")
        theirs = self._chain(done.remote_tip).entries
        pulled = sum(1 for entry in theirs if entry.commit not in before)
        chain = self._chain(done.tip)
        return SyncResult(
            self.remote,
            records=len(chain.entries),
            pulled=pulled,
            pushed=done.pushed,
            rechained=done.rechained,
            head=_hash_of(chain),
        )

    def _attempt(self, new: Sequence[_Pending]) -> _Written | None:
        """One try: the chain written, or None when another writer moved a ref first."""
        local = self.repo.resolve(REF)
        try:
            remote_tip = self._fetch() if self.remote is not None else local
        except _Moved:
            return None
        base, replay = self._plan(local, remote_tip)
        chain = self._chain(base)
        last = chain.entries[-1].row if chain.entries else None
        if isinstance(last, BadRow):
            raise LedgerError(
                f"{self.location}: cannot append after record {last.seq}: {last.problem}"
                " (run 'gates ledger verify')"
            )
        # A record already there is not written twice: a push that failed after it landed,
        # another process of this clone that re-chained the same offline records first.
        present = {_identity(entry.row) for entry in chain.entries}
        tip, head = base, (last.seq, last.hash) if last else (0, GENESIS)
        # The ref leaves this clone's own records behind even when all are there already.
        message = f"{RECHAIN} {len(replay)} records" if replay else "gates ledger: append"
        replay = [pending for pending in replay if _identity(pending) not in present]
        for pending in (*replay, *new):
            if _identity(pending) not in present:
                tip, head = self._write(pending, tip, head)
        # Records only here: chained again (replay), or already on top of the remote's (base).
        ahead = 0
        if base == local and local != remote_tip and local is not None:
            ahead = len(self.repo.first_parent_log(local, since=remote_tip))
        written = _Written(remote_tip, ahead + len(replay), len(replay), tip)
        if tip is None or tip == (local if self.remote is None else remote_tip):
            if tip is not None:
                self._pulled(tip, local, message.replace("append", "pull"))
            return written
        if self.remote is None:
            return written if self.repo.swap_ref(REF, tip, local, message) else None
        why = self.repo.push(self.remote, tip, REF)
        if why is not None:
            if self.repo.remote_tip(self.remote, REF) != remote_tip:
                return None  # another runner appended first: chain again on its tip
            raise LedgerError(f"{self.remote}: cannot push {REF}: {why}")
        self._pulled(tip, local, message)
        return written

    def _pulled(self, tip: str, local: str | None, message: str) -> None:
        """``tip`` is on the remote (or, without one, here): this clone's refs move to it."""
        if self.remote is not None:
            seen = "gates ledger: seen on the remote"
            self._advance(tracking_ref(self.remote), tip, self._seen, seen)
        self._advance(REF, tip, local, message)

    def _write(
        self, pending: _Pending, parent: str | None, head: tuple[int, str]
    ) -> tuple[str, tuple[int, str]]:
        seq, prev_hash = head[0] + 1, head[1]
        tree = payload_tree(pending.kind, _payload(pending.payload_text))
        digest = record_hash(
            seq, pending.kind, pending.created_at, tree, pending.payload_text, prev_hash
        )
        row = StoredRow(seq, pending.kind, pending.created_at, tree, pending.payload_text,
                        prev_hash, digest)  # fmt: skip
        commit = self.repo.commit_file(
            RECORD_FILE,
            record_blob(row),
            parent=parent,
            message=f"gates ledger: record {seq} ({pending.kind})\n\nhash {digest}\n",
            date=pending.created_at,
        )
        return commit, (seq, digest)

    def _fetch(self) -> str | None:
        """The remote's tip, its commits fetched; refused when the remote's ref was rewritten."""
        assert self.remote is not None
        tip = self.repo.remote_tip(self.remote, REF)
        if tip is not None and not self.repo.has_commit(tip):
            self.repo.fetch_objects(self.remote, REF)
            if not self.repo.has_commit(tip):
                raise _Moved  # the ref moved between reading it and fetching it
        # Only this process moves the tracking ref now (the clone's lock): an older tip than
        # the one seen is the remote set back, never a stale read.
        seen = self._seen = self.repo.resolve(tracking_ref(self.remote))
        if seen is not None and (tip is None or not self.repo.is_ancestor(seen, tip)):
            shown = "deleted" if tip is None else f"rewritten: it no longer holds {seen[:12]}"
            raise LedgerError(
                f"{self.remote}: {REF} was {shown}, seen there before; records may have been"
                f" dropped (to accept it: git update-ref -d {tracking_ref(self.remote)})"
            )
        return tip

    def _plan(self, local: str | None, remote: str | None) -> tuple[str | None, list[_Pending]]:
        """Where to append, and this clone's records the remote lacks to re-chain first."""
        if local is None or local == remote:
            return remote, []
        if remote is not None and self.repo.is_ancestor(local, remote):
            return remote, []
        # Records only here go to the remote: only a chain that checks out, or a broken one
        # would break every clone's, and re-chaining (fresh hashes) would launder an edit.
        mine = self._chain(local)
        check = _verified(mine)
        if not check.ok:
            raise LedgerError(
                f"{self.location}: cannot push this clone's records: {check.problem}"
                " (run 'gates ledger verify')"
            )
        if remote is None or self.repo.is_ancestor(remote, local):
            return local, []
        kept = {info.commit for info in self.repo.first_parent_log(local, since=remote)}
        replay = [_Pending.of(self._record(e)) for e in mine.entries if e.commit in kept]
        return remote, replay

    def _advance(self, ref: str, tip: str, last_read: str | None, message: str) -> None:
        """Move ``ref`` forward to ``tip`` unless another process already moved it past it."""
        if last_read != tip and self.repo.swap_ref(ref, tip, last_read, message):
            return  # the usual case: nobody moved it since it was read
        for _ in range(ATTEMPTS):
            current = self.repo.resolve(ref)
            if current == tip or (current and self.repo.is_ancestor(tip, current)):
                return
            rewrite = current is not None and not self.repo.is_ancestor(current, tip)
            if rewrite and not message.startswith(RECHAIN):
                return  # records appended here meanwhile: the next append re-chains them
            if self.repo.swap_ref(ref, tip, current, message):
                return

    def _retrying(self, attempt: Callable[[], T | None], action: str) -> T:
        first = BACKOFF_S[0] if self.remote is None else BACKOFF_S[1]
        started = time.monotonic()
        with self.repo.lock(LOCK_FILE):
            for tries in range(ATTEMPTS):
                done = attempt()
                if done is not None:
                    return done
                # Full jitter: losers spread out instead of colliding again in step.
                time.sleep(random.uniform(0, min(BACKOFF_S[2], first * 2 ** min(tries, 16))))
        raise LedgerError(
            f"{self.location}: cannot {action}: other writers moved {REF} first"
            f" {ATTEMPTS} times in {time.monotonic() - started:.0f} s"
        )

    def close(self) -> None:
        self._cache = None


class _Moved(Exception):
    """The remote's ref moved while it was being read: try again."""


@dataclass(frozen=True)
class _Written:
    """What one successful attempt left: the remote's tip it built on, and the new tip."""

    remote_tip: str | None
    pushed: int
    rechained: int
    tip: str | None


@dataclass(frozen=True)
class _Pending:
    """A record to chain: what it says, not yet where it goes."""

    kind: str
    created_at: str
    payload_text: str

    @classmethod
    def of(cls, record: Record) -> _Pending:
        return cls(record.kind.value, record.created_at, canonical(dict(record.payload)))


def _payload(text: str) -> Mapping[str, JSONValue]:
    value = json.loads(text)
    assert isinstance(value, dict)
    return value


def _identity(row: StoredRow | BadRow | _Pending) -> tuple[str, str, str] | None:
    """What makes a record the same record wherever it is chained: kind, time and payload."""
    if isinstance(row, BadRow):
        return None
    return (row.kind, row.created_at, row.payload_text)


def _verified(chain: LoadedChain) -> Verification:
    """The hash chain re-computed; the ref itself is the head (no marker beside it)."""
    rows = [entry.row for entry in chain.entries]
    last = rows[-1] if rows else None
    return verify_rows(rows, Head(last.seq, last.hash) if isinstance(last, StoredRow) else None)


def _hash_of(chain: LoadedChain) -> str | None:
    last = chain.entries[-1].row if chain.entries else None
    return last.hash if isinstance(last, StoredRow) else None


def _rewritten(entries: Sequence[ReflogEntry], chain: LoadedChain) -> str | None:
    """A value the ref held that its chain no longer holds (after the last re-chain), if any."""
    starts = [i for i, e in enumerate(entries) if e.message.startswith(RECHAIN)]
    commits = {e.commit for e in chain.entries}
    checked = entries[starts[-1] :] if starts else entries
    for index, entry in enumerate(checked):
        if entry.new in commits:
            continue
        if index == len(checked) - 1 and entry.old == chain.tip:
            continue  # being appended right now: logged, the ref not yet moved
        return (
            f"{REF} was rewritten: it no longer holds commit {entry.new[:12]}, which it was set"
            f" to here ({entry.message or 'no message'})"
        )
    return None
