"""The git plumbing of the git store, on real repositories: compare-and-swap, reflog, batches."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, init_repo

from gates.errors import LedgerError
from gates.ledger.gitrepo import GitRepo, last_line

REF = "refs/gates/test"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    init_repo(tmp_path)
    return GitRepo(tmp_path)


def _commit(repo: GitRepo, text: str, parent: str | None = None) -> str:
    return repo.commit_file(
        "f", text.encode(), parent=parent, message=text, date="2026-12-05T10:00:00+00:00"
    )


def test_swap_ref_moves_the_ref_only_from_the_value_expected(repo: GitRepo) -> None:
    one = _commit(repo, "one")
    two = _commit(repo, "two", one)
    assert repo.swap_ref(REF, one, None, "create")
    assert not repo.swap_ref(REF, two, None, "create again")  # it exists now
    assert not repo.swap_ref(REF, two, two, "from the wrong value")
    assert repo.resolve(REF) == one
    assert repo.swap_ref(REF, two, one, "forward")
    assert repo.resolve(REF) == two
    assert [(e.old[:4], e.new, e.message) for e in repo.reflog(REF)] == [
        ("0000", one, "create"),
        (one[:4], two, "forward"),
    ]


def test_a_commit_holds_one_file_by_its_fixed_author_and_touches_no_work_tree(
    repo: GitRepo,
) -> None:
    commit = _commit(repo, "hello")
    assert git(repo.root, "ls-tree", "--name-only", commit) == "f"
    assert git(repo.root, "log", "-1", "--format=%an <%ae> %aI", commit) == (
        "release-gates <release-gates@localhost> 2026-12-05T10:00:00+00:00"
    )
    assert git(repo.root, "status", "--porcelain") == ""
    assert not (repo.root / ".git" / "index").exists()


def test_a_line_being_written_to_the_reflog_is_not_read(repo: GitRepo) -> None:
    one = _commit(repo, "one")
    assert repo.swap_ref(REF, one, None, "create")
    log = repo.root / ".git" / "logs" / REF
    log.write_text(log.read_text() + f"{one} {'b' * 40} half a li")
    assert [e.message for e in repo.reflog(REF)] == ["create"]
    assert repo.reflog("refs/gates/none") == []


def test_blobs_are_read_in_one_batch_with_none_for_what_is_missing(repo: GitRepo) -> None:
    one = _commit(repo, "one")
    assert list(repo.blobs([f"{one}:f", f"{one}:nope", one, f"{one}:f"])) == [
        b"one",
        None,
        None,
        b"one",
    ]
    assert list(repo.blobs([])) == []


def test_ancestry_remotes_and_object_format(repo: GitRepo, tmp_path: Path) -> None:
    one = _commit(repo, "one")
    two = _commit(repo, "two", one)
    assert repo.is_ancestor(one, two) and not repo.is_ancestor(two, one)
    assert repo.has_commit(two) and not repo.has_commit("f" * 40)
    assert repo.object_format() == "sha1"
    assert not repo.has_remote("origin")
    git(repo.root, "remote", "add", "origin", str(tmp_path / "elsewhere.git"))
    assert repo.has_remote("origin")
    assert repo.is_repository()
    plain = tmp_path.parent / f"{tmp_path.name}-plain"
    plain.mkdir()
    assert not GitRepo(plain).is_repository()


def test_a_failing_git_call_is_one_line(repo: GitRepo) -> None:
    with pytest.raises(LedgerError) as raised:
        repo.out("cat-file", "-p", "f" * 40)
    assert str(raised.value) == f"git cat-file: fatal: Not a valid object name {'f' * 40}"


def test_the_lock_is_held_by_one_process_at_a_time(repo: GitRepo, tmp_path: Path) -> None:
    done = tmp_path / "holder-done"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, pathlib, sys, time; f = open(sys.argv[1], 'a+b');"
            " fcntl.flock(f.fileno(), fcntl.LOCK_EX); print('held', flush=True); time.sleep(1);"
            " pathlib.Path(sys.argv[2]).touch()",
            str(repo.root / ".git" / "gates-test.lock"),
            str(done),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    with repo.lock("gates-test.lock"):
        assert done.exists()  # the lock came free only when the holder was done
    holder.wait()
    holder.stdout.close()


@pytest.mark.parametrize(
    ("stderr", "line"),
    [
        (
            "To ../r.git\n ! [remote rejected] abc -> refs/gates/ledger (pre-receive hook declined)"
            "\nerror: failed to push some refs to '../r.git'\n",
            "[remote rejected] abc -> refs/gates/ledger (pre-receive hook declined)",
        ),
        (
            "fatal: '/x' does not appear to be a git repository\n"
            "fatal: Could not read from remote repository.\n\nPlease make sure you have the correct"
            " access rights\n",
            "fatal: '/x' does not appear to be a git repository",
        ),
        (
            "remote: Permission denied\nfatal: unable to access"
            " 'https://x-access-token:ghs_secret@github.com/o/r/': 403\n",
            "fatal: unable to access 'https://***@github.com/o/r/': 403",
        ),
        ("hint: only a hint\nsomething odd\n", "something odd"),
        ("", "failed"),
    ],
    ids=["refused", "first-fatal", "token-masked", "last-line", "empty"],
)
def test_the_telling_line_of_gits_stderr(stderr: str, line: str) -> None:
    assert last_line(stderr.encode()) == line
