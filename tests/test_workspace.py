"""The tree id covers every byte of the working tree, and nothing else; ``.gates`` is a real folder;
results and ``decision.json`` are read back with every value checked. Real git repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import git, init_repo

from gates.errors import EvidenceError, WorkspaceError
from gates.workspace import Workspace


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed repository: two modules, a README, and ``*.log`` ignored."""
    root = tmp_path / "repo"
    root.mkdir()
    init_repo(root)
    for relative, text in {
        "pkg/a.py": "A = 1\n",
        "pkg/b.py": "B = 2\n",
        "docs/README.md": "# demo\n",
        ".gitignore": "*.log\n",
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def tree(root: Path) -> str:
    return Workspace.at(root).tree_id()


def committed(root: Path) -> str:
    return git(root, "rev-parse", "HEAD^{tree}")


def test_an_unchanged_checkout_has_its_commits_tree(repo: Path) -> None:
    assert tree(repo) == committed(repo)


def test_a_tracked_edit_changes_the_id_and_undoing_it_restores_it(repo: Path) -> None:
    (repo / "pkg/a.py").write_text("A = 10\n")
    edited = tree(repo)
    assert edited != committed(repo)
    git(repo, "commit", "-qam", "edit")
    assert committed(repo) == edited  # the id is the tree git would commit
    git(repo, "checkout", "-q", "HEAD~1")
    assert tree(repo) != edited


def test_an_untracked_file_counts_as_if_added(repo: Path) -> None:
    (repo / "pkg/new.py").write_text("NEW = 1\n")
    with_new = tree(repo)
    assert with_new != committed(repo)
    git(repo, "add", "pkg/new.py")
    git(repo, "commit", "-qm", "new")
    assert committed(repo) == with_new


def test_an_ignored_file_does_not_count(repo: Path) -> None:
    (repo / "debug.log").write_text("noise\n")
    (repo / "pkg/run.log").write_text("noise\n")
    assert tree(repo) == committed(repo)


def test_excludes_from_info_exclude_and_the_configured_excludes_file_do_not_count(
    repo: Path, tmp_path: Path
) -> None:
    (repo / ".git/info/exclude").write_text("local-notes.txt\n")
    excludes = tmp_path / "my-excludes"
    excludes.write_text("*.swp\n")
    git(repo, "config", "core.excludesFile", str(excludes))
    (repo / "local-notes.txt").write_text("mine\n")
    (repo / "pkg/.a.py.swp").write_text("editor state\n")
    assert tree(repo) == committed(repo)
    (repo / "other.txt").write_text("not excluded\n")
    assert tree(repo) != committed(repo)


def test_the_global_excludes_file_still_counts_when_none_is_configured(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_home = tmp_path / "xdg"
    (config_home / "git").mkdir(parents=True)
    (config_home / "git/ignore").write_text(".idea/\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    (repo / ".idea").mkdir()
    (repo / ".idea/workspace.xml").write_text("<ide/>\n")
    assert tree(repo) == committed(repo)


@pytest.mark.parametrize(
    "output",
    [
        ".gates/results/lint.json",
        ".gates/evidence/junit.xml",
        ".nox/tests/bin/python",
        "pkg/__pycache__/a.cpython-311.pyc",
        ".pytest_cache/v/cache/nodeids",
        ".mypy_cache/3.11/a.meta.json",
        ".ruff_cache/content",
        ".coverage",
        ".coverage.host.1234.XyZ",
        "jaraco.functools.egg-info/SOURCES.txt",  # setuptools' editable install, flat layout
        "src/pkg.egg-info/PKG-INFO",
    ],
)
def test_tool_output_does_not_count_even_when_the_project_does_not_ignore_it(
    repo: Path, output: str
) -> None:
    (repo / output).parent.mkdir(parents=True, exist_ok=True)
    (repo / output).write_text("written by a tool\n")
    assert tree(repo) == committed(repo)


def test_tool_output_that_is_tracked_is_left_out_too(repo: Path) -> None:
    (repo / ".gates").mkdir()
    (repo / ".gates/notes.json").write_text("{}\n")
    git(repo, "add", "-f", ".gates/notes.json")
    git(repo, "commit", "-qm", "track tool output")
    before = tree(repo)
    (repo / ".gates/notes.json").write_text('{"edited": true}\n')
    assert tree(repo) == before


# Files git is told not to look at: the tree id looks anyway. ---------------------------------


def _edit_with_flag(repo: Path, flag: str) -> tuple[str, str]:
    """(the tree id with pkg/a.py edited under ``flag``, the same edit with no flag)."""
    git(repo, "update-index", flag, "pkg/a.py")
    (repo / "pkg/a.py").write_text("A = 'edited'\n")
    assert git(repo, "status", "--porcelain") == ""  # git itself no longer sees the edit
    flagged = tree(repo)
    assert git(repo, "ls-files", "-v", "pkg/a.py")[0] in "hS"  # the real index is untouched
    git(repo, "update-index", flag.replace("--", "--no-", 1), "pkg/a.py")
    return flagged, tree(repo)


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_an_edit_to_a_flagged_file_changes_the_id(repo: Path, flag: str) -> None:
    flagged, unflagged = _edit_with_flag(repo, flag)
    assert flagged != committed(repo)
    assert flagged == unflagged


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_a_flagged_file_deleted_from_disk_counts_as_deleted(repo: Path, flag: str) -> None:
    git(repo, "update-index", flag, "pkg/b.py")
    (repo / "pkg/b.py").unlink()
    flagged = tree(repo)
    git(repo, "update-index", flag.replace("--", "--no-", 1), "pkg/b.py")
    assert flagged == tree(repo) != committed(repo)


def test_a_flagged_file_whose_name_is_not_utf8_is_hashed_from_disk(repo: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    (repo / name).write_text("1\n")
    git(repo, "add", "--", name)
    git(repo, "commit", "-qm", "latin-1 name")
    git(repo, "update-index", "--assume-unchanged", "--", name)
    before = tree(repo)
    (repo / name).write_text("2\n")
    assert tree(repo) != before


@pytest.mark.parametrize("sparse_index", [False, True], ids=["sparse-checkout", "sparse-index"])
def test_a_sparse_checkout_is_judged_as_the_files_it_has(repo: Path, sparse_index: bool) -> None:
    full_tree_without_docs = _tree_without(repo, "docs/README.md")
    options = ["--sparse-index"] if sparse_index else []
    git(repo, "sparse-checkout", "init", "--cone", *options)
    git(repo, "sparse-checkout", "set", "pkg")
    assert not (repo / "docs").exists()
    # What the gates see is what is on disk: docs/ is not there, so the id is not the commit's.
    assert tree(repo) == full_tree_without_docs
    (repo / "docs").mkdir()
    (repo / "docs/README.md").write_text("# edited outside the cone\n")
    assert tree(repo) not in (committed(repo), full_tree_without_docs)


def _tree_without(repo: Path, relative: str) -> str:
    """The commit's tree with ``relative`` deleted (plumbing in a scratch index: disk untouched)."""
    env = {**os.environ, "GIT_INDEX_FILE": str(repo / ".git" / "scratch-index")}
    for args in (["read-tree", "HEAD"], ["rm", "-q", "--cached", relative]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    return subprocess.run(
        ["git", "write-tree"], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


# Workspace.at: the project folder and its .gates ----------------------------------------------


def test_a_symlink_loop_as_the_root_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(WorkspaceError) as raised:
        Workspace.at(tmp_path / "a")
    assert str(raised.value) == f"{tmp_path / 'a'}: symlink loop"


def test_a_folder_outside_git_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError) as raised:
        Workspace.at(tmp_path)
    assert str(raised.value) == (
        f"{tmp_path}: not a git repository (results are bound to the git tree; run 'git init')"
    )


@pytest.mark.parametrize("target", ["outside", "repo/inside"])
def test_a_gates_symlink_is_refused(repo: Path, tmp_path: Path, target: str) -> None:
    (tmp_path / target).mkdir()
    (repo / ".gates").symlink_to(tmp_path / target)
    with pytest.raises(WorkspaceError) as raised:
        Workspace.at(repo)
    assert str(raised.value) == (
        f"{repo / '.gates'}: is a symlink (to {tmp_path / target}): release-gates writes and"
        " deletes only inside a real .gates folder; replace the link with a folder"
    )


@pytest.mark.parametrize("dangling", [False, True])
def test_a_folder_symlink_inside_gates_is_refused(
    repo: Path, tmp_path: Path, dangling: bool
) -> None:
    (repo / ".gates").mkdir()
    target = tmp_path / "elsewhere"
    if not dangling:
        target.mkdir()
    (repo / ".gates/evidence").symlink_to(target)
    with pytest.raises(WorkspaceError) as raised:
        Workspace.at(repo)
    assert str(raised.value).startswith(f"{repo / '.gates/evidence'}: is a symlink (to {target}):")


def test_a_file_symlink_inside_gates_is_allowed(repo: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared-ledger.db"
    shared.write_bytes(b"")
    (repo / ".gates").mkdir()
    (repo / ".gates/ledger.db").symlink_to(shared)
    assert Workspace.at(repo).gates_dir == repo / ".gates"


def test_a_gates_file_is_refused(repo: Path) -> None:
    (repo / ".gates").write_text("not a folder\n")
    with pytest.raises(WorkspaceError) as raised:
        Workspace.at(repo)
    assert str(raised.value) == f"{repo / '.gates'}: is not a folder (.gates is where results go)"


# Reading results and decision.json back -------------------------------------------------------

RESULT = {"gate": "lint", "status": "PASS", "summary": "clean", "tree": "t"}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            "{not json",
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        ("[1, 2]", "result: expected an object, got a list"),
        (json.dumps({"status": "PASS"}), "result.gate: expected a string, got null"),
        (
            json.dumps(RESULT | {"status": "MAYBE"}),
            "result.status: expected one of PASS, WARN, FAIL, ERROR, SKIP, got 'MAYBE'",
        ),
        (json.dumps(RESULT | {"gate": None}), "result.gate: expected a string, got null"),
        (json.dumps(RESULT | {"findings": {}}), "result.findings: expected a list, got an object"),
        (
            json.dumps(RESULT | {"findings": [None]}),
            "result.findings[0]: expected an object, got null",
        ),
        (
            json.dumps(RESULT | {"thresholds": [{"area": "total", "target": None, "current": 1}]}),
            "result.thresholds[0].target: expected a number, got null",
        ),
        (
            json.dumps(RESULT | {"metrics": {"passed": [1]}}),
            ("result.metrics.passed: expected a number, a string or null, got a list"),
        ),
        (
            json.dumps(RESULT | {"duration_s": True}),
            "result.duration_s: expected a number, got a boolean",
        ),
        (
            json.dumps(RESULT | {"tools": {"ruff": None}}),
            "result.tools.ruff: expected a string, got null",
        ),
    ],
    ids=[
        "not-json",
        "list",
        "missing-gate",
        "status-maybe",
        "null-gate",
        "findings-object",
        "null-finding",
        "null-target",
        "metric-list",
        "bool-duration",
        "null-tool-version",
    ],
)
def test_a_malformed_result_is_an_evidence_error_naming_file_and_key(
    repo: Path, content: str, problem: str
) -> None:
    workspace = Workspace.at(repo)
    path = workspace.result_path("lint")
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(EvidenceError) as raised:
        workspace.read_result("lint")
    assert str(raised.value) == f"{path}: unreadable result ({problem})"


def test_a_result_nested_too_deeply_is_one_line(repo: Path) -> None:
    workspace = Workspace.at(repo)
    path = workspace.result_path("lint")
    path.parent.mkdir(parents=True)
    path.write_text("[" * 100_000)
    with pytest.raises(EvidenceError) as raised:
        workspace.read_result("lint")
    assert str(raised.value).startswith(f"{path}: unreadable result (maximum recursion depth")


def test_a_result_that_is_not_utf8_is_named(repo: Path) -> None:
    workspace = Workspace.at(repo)
    path = workspace.result_path("lint")
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"gate": "\xff"}')
    with pytest.raises(EvidenceError) as raised:
        workspace.read_result("lint")
    assert str(raised.value) == (
        f"{path}: unreadable result ('utf-8' codec can't decode byte 0xff in position 10:"
        " invalid start byte)"
    )


DECISION = {"id": "d1", "verdict": "GO", "tree": "t", "gates": [], "hash": "h"}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"verdict": "GO", "tree": "t"}, "decision.id: expected a string, got null"),
        (
            DECISION | {"verdict": "MAYBE"},
            "decision.verdict: expected one of GO, GO_WITH_WAIVERS, NO_GO, got 'MAYBE'",
        ),
        (DECISION | {"gates": "lint"}, "decision.gates: expected a list, got a string"),
        (DECISION | {"gates": [None]}, "decision.gates[0]: expected an object, got null"),
        (
            DECISION | {"gates": [{"name": "lint", "status": "MAYBE"}]},
            "decision.gates[0].status: expected one of PASS, WARN, FAIL, ERROR, SKIP, got 'MAYBE'",
        ),
        (
            DECISION
            | {"gates": [{"name": "lint", "status": "PASS", "result": RESULT | {"findings": [7]}}]},
            "decision.gates[0].result.findings[0]: expected an object, got a number",
        ),
        (
            DECISION | {"reasons": [None]},
            "decision.reasons: expected a list of strings, got a list",
        ),
        (
            DECISION | {"waivers": [{"gate": "x", "reason": "r", "owner": "o", "expires": "soon"}]},
            "decision.waivers[0].expires: not a date: 'soon'",
        ),
        (DECISION | {"hash": 7}, "decision.hash: expected a string or null, got a number"),
    ],
    ids=[
        "missing-id",
        "verdict-maybe",
        "gates-text",
        "null-gate",
        "gate-status-maybe",
        "nested-finding",
        "null-reason",
        "bad-expiry",
        "hash-int",
    ],
)
def test_a_malformed_decision_is_an_evidence_error_naming_file_and_key(
    repo: Path, data: object, problem: str
) -> None:
    workspace = Workspace.at(repo)
    workspace.gates_dir.mkdir()
    workspace.decision_path.write_text(json.dumps(data))
    with pytest.raises(EvidenceError) as raised:
        workspace.read_decision()
    assert str(raised.value) == f"{workspace.decision_path}: unreadable decision ({problem})"


def test_no_decision_yet_reads_as_none(repo: Path) -> None:
    assert Workspace.at(repo).read_decision() is None
