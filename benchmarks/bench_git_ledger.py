"""Issue 15 figures: the git ledger under contention, and verify over 10,000 records.

Baseline, same run: the SQLite store (one file, the default) doing the same work.

- Appends under contention: 4 writer processes start together and each appends the same
  realistic decision payload (about 6 KB); appends/s is all records over the wall time from the
  start signal to the last writer done. Rows: SQLite (4 processes, one file); git with no remote
  (4 processes, one repository); git with a remote (4 clones of one bare repository, one writer
  each: 4 CI runners sharing `refs/gates/ledger`, every append a fetch, a commit and a push).
- Verify: 10,000 decision records, then ``ledger.verify()`` on a freshly opened ledger (nothing
  cached), best of 3. The git chain is written with ``git fast-import`` (10,000 appends one by one
  would take minutes), byte for byte the records the store writes; the SQLite one by
  ``ledger.append``.

Run by `nox -s bench` (or `python benchmarks/bench_git_ledger.py`); prints a Markdown table.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_ledger import decision_payload  # noqa: E402

from gates.config import load  # noqa: E402
from gates.ledger import RecordKind, open_ledger  # noqa: E402
from gates.ledger.chain import GENESIS, StoredRow, canonical, payload_tree, record_hash  # noqa: E402
from gates.ledger.git import RECORD_FILE, REF, GitLedger  # noqa: E402
from gates.ledger.gitrecords import record_blob  # noqa: E402
from gates.ledger.gitrepo import GitRepo  # noqa: E402
from gates.ledger.sqlite import SqliteLedger  # noqa: E402

WRITERS = 4
PER_WRITER = {"sqlite": 100, "git": 50, "git-remote": 25}
RECORDS = 10_000

WRITER = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[5])
from bench_ledger import decision_payload
from gates.config import load
from gates.ledger import RecordKind, open_ledger

store, root, flag, count = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
where = load(root) if store != "sqlite" else root / ".gates" / "ledger.db"
payload = decision_payload(0)
with open_ledger(where, environ={}) as ledger:
    (flag.parent / f"ready-{root.name}-{time.monotonic_ns()}").touch()
    while not flag.exists():
        time.sleep(0.001)
    for n in range(count):
        ledger.append(RecordKind.DECISION, payload)
"""

PYPROJECT = '[project]\nname = "demo"\nversion = "1.0.0"\n\n[tool.gates]\nledger = "git"\n'


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def project(root: Path, *, remote: Path | None = None) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "pyproject.toml").write_text(
        PYPROJECT + ('ledger_remote = "origin"\n' if remote else "")
    )
    git(root, "add", "-A")
    git(root, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "init")
    if remote is not None:
        git(root, "remote", "add", "origin", str(remote))
    return root


def contended(store: str, roots: list[Path], scratch: Path) -> float:
    """Appends/s of WRITERS processes appending at once, one per root (roots may repeat)."""
    flag = scratch / f"go-{store}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GATES_LEDGER_URL", None)
    env.pop("GATES_LEDGER_REMOTE", None)
    count = PER_WRITER[store]
    here = str(Path(__file__).resolve().parent)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, store, str(root), str(flag), str(count), here], env=env
        )
        for root in roots
    ]
    while len(list(scratch.glob("ready-*"))) < len(roots):
        time.sleep(0.01)
    start = time.perf_counter()
    flag.touch()
    if any(w.wait() != 0 for w in writers):
        raise SystemExit(f"{store}: a writer failed")
    elapsed = time.perf_counter() - start
    for ready in scratch.glob("ready-*"):
        ready.unlink()
    return len(roots) * count / elapsed


def check(ledger_records: int, verified_ok: bool, expected: int, store: str) -> None:
    if not verified_ok or ledger_records != expected:
        raise SystemExit(f"{store}: {ledger_records} records, verify ok={verified_ok}")


def fast_import_chain(root: Path, count: int) -> None:
    """``count`` decision records on REF, exactly as GitLedger.append writes them."""
    payload_text = canonical(decision_payload(0))
    tree = payload_tree(RecordKind.DECISION, decision_payload(0))
    lines: list[bytes] = [b"feature done\n"]
    prev_hash = GENESIS
    for seq in range(1, count + 1):
        created_at = f"2026-12-05T10:{seq // 60000 % 60:02d}:{seq // 1000 % 60:02d}.{seq:06d}+00:00"
        digest = record_hash(seq, "decision", created_at, tree, payload_text, prev_hash)
        blob = record_blob(
            StoredRow(seq, "decision", created_at, tree, payload_text, prev_hash, digest)
        )
        message = f"gates ledger: record {seq} (decision)\n".encode()
        lines += [
            f"commit {REF}\nmark :{seq}\n".encode(),
            b"committer release-gates <release-gates@localhost> 1764928800 +0000\n",
            b"data %d\n" % len(message) + message,
            (f"from :{seq - 1}\n" if seq > 1 else "").encode(),
            f"M 100644 inline {RECORD_FILE}\n".encode(),
            b"data %d\n" % len(blob) + blob + b"\n",
        ]
        prev_hash = digest
    lines.append(b"done\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(lines), check=True)


def best_of_3(action: object) -> float:
    assert callable(action)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rows = ["| Store | What | Figure |", "|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="bench-git-ledger-") as temp:
        scratch = Path(temp)

        # Appends under contention ----------------------------------------------------------
        sqlite_root = scratch / "sqlite"
        (sqlite_root / ".gates").mkdir(parents=True)
        sqlite_rate = contended("sqlite", [sqlite_root] * WRITERS, scratch)
        with SqliteLedger(sqlite_root / ".gates" / "ledger.db") as ledger:
            check(len(ledger.records()), ledger.verify().ok, WRITERS * 100, "sqlite")

        local = project(scratch / "git-local")
        git_rate = contended("git", [local] * WRITERS, scratch)
        with GitLedger(GitRepo(local), remote=None) as ledger:
            check(len(ledger.records()), ledger.verify().ok, WRITERS * 50, "git")

        remote = scratch / "remote.git"
        git(scratch, "init", "-q", "--bare", "-b", "main", str(remote))
        clones = [project(scratch / f"runner-{n}", remote=remote) for n in range(WRITERS)]
        remote_rate = contended("git-remote", clones, scratch)
        with GitLedger(GitRepo(remote), remote=None) as ledger:
            check(len(ledger.records()), ledger.verify().ok, WRITERS * 25, "git-remote")

        rows += [
            f"| SQLite (baseline) | appends/s, {WRITERS} processes on one file"
            f" ({WRITERS}x{PER_WRITER['sqlite']}) | {sqlite_rate:,.1f} /s |",
            f"| git, no remote | appends/s, {WRITERS} processes on one repository"
            f" ({WRITERS}x{PER_WRITER['git']}) | {git_rate:,.1f} /s"
            f" ({sqlite_rate / git_rate:.0f}x slower) |",
            f"| git, remote | appends/s, {WRITERS} clones of one bare remote, fetch + push each"
            f" ({WRITERS}x{PER_WRITER['git-remote']}) | {remote_rate:,.1f} /s"
            f" ({sqlite_rate / remote_rate:.0f}x slower) |",
        ]

        # Verify over 10,000 records --------------------------------------------------------
        big_sqlite = scratch / "big" / "ledger.db"
        with open_ledger(big_sqlite, environ={}) as ledger:
            payload = decision_payload(0)
            for _ in range(RECORDS):
                ledger.append(RecordKind.DECISION, payload)

        def verify_sqlite() -> None:
            with SqliteLedger(big_sqlite) as ledger:
                check(ledger.verify().records, True, RECORDS, "sqlite verify")

        big_git = project(scratch / "big-git")
        fast_import_chain(big_git, RECORDS)

        def verify_git() -> None:
            with open_ledger(load(big_git), environ={}) as ledger:
                result = ledger.verify()
                check(result.records, result.ok, RECORDS, "git verify")

        sqlite_s, git_s = best_of_3(verify_sqlite), best_of_3(verify_git)
        rows += [
            f"| SQLite (baseline) | `ledger.verify()` over {RECORDS:,} records, fresh open"
            f" | {sqlite_s:.2f} s |",
            f"| git | `ledger.verify()` over {RECORDS:,} records (6 KB each), fresh open"
            f" | {git_s:.2f} s ({git_s / sqlite_s:.1f}x) |",
        ]
    print("\n".join(rows))


if __name__ == "__main__":
    main()
