"""Fault matrix, git ledger: a tampered ref, a rewritten remote, a refused push, bad settings.

Each case: the exit code, the exact one-line message, no traceback, and never a GO. ``gates
ledger verify`` names what is wrong with exit 1 (as for the SQLite and PostgreSQL stores: a check
that found a problem); ``gates decide`` refuses a broken git ledger with exit 2.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import git
from git_ledger_support import (
    clone,
    environ,
    git_project,
    ledger_at,
    pyproject,
    record_tree,
    ref,
    run_gates,
)

from gates.errors import LedgerError
from gates.ledger.chain import StoredRow
from gates.ledger.git import REF, tracking_ref
from gates.ledger.gitrecords import record_blob
from gates.ledger.interface import RecordKind

# Tampering with the ref behind the ledger's back ---------------------------------------------


@pytest.fixture(scope="module")
def decided_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose ledger holds 3 records: the ok result and two decisions (three gates
    processes, made once for the module: each test tampers with a copy of its own)."""
    root = git_project(tmp_path_factory.mktemp("decided") / "demo", ledger_remote=False)
    assert run_gates(root, "run", "ok")[0] == 0
    for _ in range(2):
        assert run_gates(root, "decide")[0] == 0
    return root


@pytest.fixture
def decided(decided_once: Path, tmp_path: Path) -> Path:
    """A copy of ``decided_once``, its ref, reflog and results included."""
    return Path(shutil.copytree(decided_once, tmp_path / "demo", symlinks=True))


def _commits(root: Path) -> list[str]:
    """The ledger's commits, oldest first."""
    return git(root, "rev-list", "--reverse", REF).splitlines()


def _commit(root: Path, blob: bytes, parent: str | None, *, parents: tuple[str, ...] = ()) -> str:
    """A commit holding ``blob`` as record.json, made by hand as a tamperer would."""
    tree = record_tree(root, blob)
    args = ["commit-tree", tree, "-m", "edited"]
    for each in (parent, *parents) if parent else parents:
        args += ["-p", each]
    return git(root, *args)


def _blob(root: Path, commit: str) -> bytes:
    return subprocess.run(
        ["git", "show", f"{commit}:record.json"], cwd=root, capture_output=True, check=True
    ).stdout


def _replace(root: Path, index: int, blob: bytes) -> None:
    """Rewrite the chain with record ``index`` (from 0) holding ``blob``, later ones re-parented."""
    commits = _commits(root)
    parent = commits[index - 1] if index else None
    tip = _commit(root, blob, parent)
    for later in commits[index + 1 :]:
        tip = _commit(root, _blob(root, later), tip)
    git(root, "update-ref", REF, tip)


def _edit_payload(root: Path) -> None:
    # Record 2 says NO_GO where it said GO; its hash is left as it was.
    record = json.loads(_blob(root, _commits(root)[1]))
    record["payload"]["verdict"] = "NO_GO"
    row = StoredRow(
        record["seq"], record["kind"], record["created_at"], record["tree"],
        json.dumps(record["payload"], sort_keys=True, separators=(",", ":"), ensure_ascii=False),
        record["prev_hash"], record["hash"],
    )  # fmt: skip
    _replace(root, 1, record_blob(row))


def _reformat(root: Path) -> None:
    # The same values, pretty-printed: not the bytes gates wrote.
    record = json.loads(_blob(root, _commits(root)[1]))
    _replace(root, 1, json.dumps(record, indent=2).encode())


def _drop(root: Path) -> None:
    # Record 2 taken out, record 3 re-parented onto record 1.
    first, _, third = _commits(root)
    git(root, "update-ref", REF, _commit(root, _blob(root, third), first))


def _cut(root: Path) -> None:
    # The newest record cut off: the ref set back to record 2.
    git(root, "update-ref", REF, _commits(root)[1])


def _head(root: Path) -> None:
    # The ref pointed at the project's own history.
    git(root, "update-ref", REF, "HEAD")


def _merge(root: Path) -> None:
    # Record 3 made a merge of record 2 and the project's HEAD.
    _first, second, third = _commits(root)
    head = git(root, "rev-parse", "HEAD")
    git(root, "update-ref", REF, _commit(root, _blob(root, third), second, parents=(head,)))


def _short(root: Path, index: int) -> str:
    return _commits(root)[index][:12]


TAMPERING: list[tuple[str, Callable[[Path], None], Callable[[Path], str]]] = [
    (
        "edited-blob",
        _edit_payload,
        lambda root: "record 2 was altered (hash does not match its content)",
    ),
    (
        "reformatted-blob",
        _reformat,
        lambda root: (
            f"record 2 was altered (commit {_short(root, 1)}: record.json is not as gates wrote it)"
        ),
    ),
    ("dropped-commit", _drop, lambda root: "record 2 is missing"),
    (
        "merge-commit",
        _merge,
        lambda root: (
            f"record 3 (commit {git(root, 'rev-parse', REF)[:12]}) is a merge:"
            " the chain was forked and joined"
        ),
    ),
]


@pytest.mark.parametrize(("tamper", "problem"), [(t, p) for _, t, p in TAMPERING],
                         ids=[name for name, _, _ in TAMPERING])  # fmt: skip
def test_a_tampered_chain_fails_verify_naming_the_record_and_decide_refuses_it(
    decided: Path, tamper: Callable[[Path], None], problem: Callable[[Path], str]
) -> None:
    root = decided
    tamper(root)
    expected = problem(root)

    code, out, err = run_gates(root, "ledger", "verify")
    assert (code, out, err) == (1, f"ledger BROKEN: {expected} ({root}:{REF})\n", "")

    code, out, err = run_gates(root, "decide")
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {root}:{REF}: ledger BROKEN: {expected}: results bound to it cannot be"
        " trusted (run 'gates ledger verify')\n"
    )
    assert "Traceback" not in err


def test_a_ref_set_back_is_caught_by_its_reflog(decided: Path) -> None:
    root = decided
    newest = git(root, "rev-parse", REF)
    _cut(root)
    code, out, err = run_gates(root, "ledger", "verify")
    assert (code, err) == (1, "")
    assert out == (
        f"ledger BROKEN: {REF} was rewritten: it no longer holds commit {newest[:12]}, which it"
        f" was set to here (gates ledger: append) ({root}:{REF})\n"
    )


def test_a_ref_pointed_at_the_projects_history_holds_no_record(decided: Path) -> None:
    root = decided
    _head(root)
    head = git(root, "rev-parse", "HEAD")
    code, out, err = run_gates(root, "ledger", "verify")
    assert (code, err) == (1, "")
    assert out == (
        f"ledger BROKEN: record 1 (commit {head[:12]}) holds no record.json: it is not a ledger"
        f" record ({root}:{REF})\n"
    )
    code, out, err = run_gates(root, "history")
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {root}:{REF}: ledger BROKEN: record 1 (commit {head[:12]}) holds no"
        " record.json: it is not a ledger record: records not shown (run 'gates ledger verify')\n"
    )
    with ledger_at(root) as ledger, pytest.raises(LedgerError) as unread:
        ledger.records()  # read without verifying: refused all the same, never skipped
    assert str(unread.value) == (
        f"{root}:{REF}: a record (commit {head[:12]}) is unreadable (run 'gates ledger verify')"
    )


# The remote ---------------------------------------------------------------------------------


def _shared(tmp_path: Path) -> tuple[Path, Path]:
    remote = tmp_path / "remote.git"
    git_project(tmp_path / "seed", remote=remote)
    runner = clone(remote, tmp_path / "runner")
    assert run_gates(runner, "run", "ok")[0] == 0
    assert run_gates(runner, "decide")[0] == 0
    return remote, runner


def test_a_remote_ref_set_back_is_refused_by_the_next_append(tmp_path: Path) -> None:
    remote, runner = _shared(tmp_path)
    seen = ref(runner, tracking_ref("origin"))
    git(remote, "update-ref", REF, f"{REF}~1")  # someone force-pushed an older ledger
    code, out, err = run_gates(runner, "decide")
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: origin: {REF} was rewritten: it no longer holds {seen[:12]}, seen there"
        f" before; records may have been dropped (to accept it: git update-ref -d"
        f" {tracking_ref('origin')})\n"
    )
    assert len(git(remote, "rev-list", REF).splitlines()) == 1  # nothing appended to it


def test_a_deleted_remote_ref_is_refused_by_sync(tmp_path: Path) -> None:
    remote, runner = _shared(tmp_path)
    git(remote, "update-ref", "-d", REF)
    code, out, err = run_gates(runner, "ledger", "sync")
    assert (code, out) == (2, "")
    assert err.startswith(f"gates: error: origin: {REF} was deleted, seen there before;")
    assert "Traceback" not in err


def test_a_push_the_remote_refuses_is_one_line_and_records_nothing_here(tmp_path: Path) -> None:
    remote, runner = _shared(tmp_path)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'ledger is read-only' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = ref(runner)
    code, out, err = run_gates(runner, "decide")
    assert (code, out) == (2, "")
    pushed = re.fullmatch(
        rf"gates: error: origin: cannot push {REF}: \[remote rejected\] ([0-9a-f]{{40}}) -> {REF}"
        r" \(pre-receive hook declined\)\n",
        err,
    )
    assert pushed is not None, err
    assert ref(runner) == before


def test_an_unreachable_remote_is_one_line(tmp_path: Path) -> None:
    _remote, runner = _shared(tmp_path)
    git(runner, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    code, out, err = run_gates(runner, "ledger", "sync")
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: git ls-remote origin: fatal: '{tmp_path / 'gone.git'}' does not appear"
        " to be a git repository\n"
    )


# Settings -----------------------------------------------------------------------------------


NOT_A_REMOTE = "tool.gates.ledger_remote: expected the name of a git remote, got"


@pytest.mark.parametrize(
    ("gates_toml", "line", "message"),
    [
        (
            'ledger_remote = "origin"',
            6,
            "tool.gates.ledger_remote: needs ledger = \"git\" (the ledger is '.gates/ledger.db')",
        ),
        ('ledger = "git"\nledger_remote = ""', 7, f"{NOT_A_REMOTE} ''"),
        (
            'ledger = "git"\nledger_remote = "--upload-pack=x"',
            7,
            f"{NOT_A_REMOTE} '--upload-pack=x'",
        ),
        (
            'ledger = "git"\nledger_remote = "../../elsewhere"',
            7,
            f"{NOT_A_REMOTE} '../../elsewhere'",
        ),
        (
            'ledger = "git"\nledger_remote = 1',
            7,
            "tool.gates.ledger_remote: expected a string, got an integer",
        ),
    ],
    ids=["remote-without-git", "blank", "an-option", "a-path", "a-number"],
)
def test_a_bad_ledger_remote_is_one_line_naming_the_key(
    tmp_path: Path, gates_toml: str, line: int, message: str
) -> None:
    root = git_project(tmp_path / "demo", ledger_remote=False)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "1.0.0"\n\n[tool.gates]\n{gates_toml}\n'
    )
    code, out, err = run_gates(root, "history")
    assert (code, out, err) == (2, "", f"gates: error: pyproject.toml:{line}: {message}\n")


def test_a_remote_that_does_not_exist_is_named_with_its_setting(tmp_path: Path) -> None:
    root = git_project(tmp_path / "demo", ledger_remote=True)  # no remote added
    code, out, err = run_gates(root, "history")
    assert (code, out) == (2, "")
    assert err == (
        "gates: error: pyproject.toml: tool.gates.ledger_remote: no git remote named 'origin'"
        f" in {root}\n"
    )
    code, out, err = run_gates(root, "decide", env={**environ(), "GATES_LEDGER_REMOTE": "nope"})
    assert (code, out) == (2, "")
    assert err == f"gates: error: GATES_LEDGER_REMOTE: no git remote named 'nope' in {root}\n"


def test_the_git_ledger_outside_a_repository_is_one_line(tmp_path: Path) -> None:
    from gates import config
    from gates.errors import ConfigError
    from gates.ledger import open_ledger

    root = tmp_path / "plain"
    root.mkdir()
    (root / "pyproject.toml").write_text(pyproject(remote=None))
    settings = config.load(root)
    with pytest.raises(ConfigError) as raised:
        open_ledger(settings, environ={})
    assert str(raised.value) == (
        "pyproject.toml: tool.gates.ledger: the git ledger lives in the project's repository;"
        f" {root} is not in one"
    )


def test_sync_needs_the_git_ledger_and_a_remote(tmp_path: Path) -> None:
    root = git_project(tmp_path / "demo", ledger_remote=False)
    code, out, err = run_gates(root, "ledger", "sync")
    assert (code, out) == (2, "")
    assert err == (
        "gates: error: ledger sync: no remote:"
        " set tool.gates.ledger_remote or GATES_LEDGER_REMOTE\n"
    )
    (root / "pyproject.toml").write_text(pyproject(remote=None).replace('ledger = "git"\n', ""))
    code, out, err = run_gates(root, "ledger", "sync")
    assert (code, out) == (2, "")
    assert err == (
        "gates: error: ledger sync: only the git ledger syncs (tool.gates.ledger = 'git');"
        f" this one is {root / '.gates/ledger.db'}\n"
    )


def test_nothing_in_a_tampered_ledger_is_ever_read_as_a_go(decided: Path) -> None:
    root = decided
    _edit_payload(root)
    with ledger_at(root) as ledger:
        assert not ledger.verify().ok
    code, out, err = run_gates(root, "release", "publish", "--dry-run")
    assert (code, out) == (1, "")
    assert err == (
        "gates: error: the ledger does not verify: record 2 was altered (hash does not match its"
        " content) (run 'gates ledger verify')\n"
    )


@pytest.mark.parametrize("diverged", [False, True], ids=["ahead", "diverged"])
def test_records_edited_offline_are_never_pushed_nor_laundered(
    tmp_path: Path, diverged: bool
) -> None:
    remote = tmp_path / "remote.git"
    laptop = git_project(tmp_path / "laptop", remote=remote, ledger_remote=False)
    for command in (("run", "ok"), ("decide",), ("decide",)):
        assert run_gates(laptop, *command)[0] == 0
    _edit_payload(laptop)  # record 2 of 3, edited offline
    if diverged:
        with ledger_at(clone(remote, tmp_path / "runner"), remote="origin") as runner:
            runner.append(RecordKind.SIGNOFF, {"item": "from the runner"})
    before = git(remote, "for-each-ref", "refs/gates")
    code, out, err = run_gates(
        laptop, "ledger", "sync", env={**environ(), "GATES_LEDGER_REMOTE": "origin"}
    )
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {laptop}:{REF} (remote origin): cannot push this clone's records:"
        " record 2 was altered (hash does not match its content) (run 'gates ledger verify')\n"
    )
    assert git(remote, "for-each-ref", "refs/gates") == before
