"""Fault matrix: what ``gates release publish`` trusts. Only the ledger's decision for this tree
says what may ship: a file in ``.gates/`` edited to match altered files, an extra file beside the
gated ones, a decision for another tree, a NO_GO, a ledger record rewritten in place, or an
appended one naming a file outside the gated folder must each stop the release before anything
is uploaded or tagged. A real pypiserver on 127.0.0.1, a bare git remote, the real SQLite
ledger."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from release_support import (
    IndexServer,
    decide,
    gates_cli,
    git,
    ledger_steps,
    prepared_project,
    twine_environment,
)

from gates import config
from gates.cli import main
from gates.ledger import open_ledger, record_decision
from gates.model import Decision

PROJECT = "demo-trust"
WHEEL = "demo_trust-0.2.0-py3-none-any.whl"


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Prepared for 0.2.0 and gated GO; every case puts back what it changed."""
    root = prepared_project(tmp_path_factory.mktemp("trust"), PROJECT)
    assert main(["package", "--root", str(root)]) == 0
    assert decide(root).verdict.value == "GO"
    return root


@pytest.fixture
def go(
    gated: Path, index: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, Decision]]:
    """The gated project and its GO decision, with upload credentials set; afterwards the
    project is checked to still release GO (each case undid its change)."""
    twine_environment(index, monkeypatch)
    decision = _latest(gated)
    assert decision.verdict.value == "GO"
    yield gated, decision
    assert _latest(gated).verdict.value == "GO"


def _latest(root: Path) -> Decision:
    with open_ledger(config.load(root)) as ledger:
        decision = ledger.latest_decision(git(root, "rev-parse", "HEAD^{tree}"))
    assert decision is not None
    return decision


def _wheel(root: Path, decision: Decision) -> Path:
    return root / ".gates" / "dist" / decision.tree / WHEEL


def _alter(path: Path) -> str:
    """Change the file's content; its new sha256."""
    path.write_bytes(path.read_bytes() + b"\0")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit_json(path: Path, edit: dict[str, object]) -> None:
    data = json.loads(path.read_text())
    data.update(edit)
    path.write_text(json.dumps(data, indent=2))


def assert_refused(
    capsys: pytest.CaptureFixture[str], root: Path, index: IndexServer, code: int, error: str
) -> None:
    """Publish is refused with exactly ``error``: nothing on the index, no tag, no step recorded."""
    got, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)
    assert "Traceback" not in err
    assert (got, out, err) == (code, "", f"gates: error: {error}\n")
    assert index.files("demo_trust") == []
    assert git(root, "tag", "--list", "v0.2.0") == ""
    assert git(root, "ls-remote", "--tags", "origin", "v0.2.0") == ""
    assert ledger_steps(root) == []


def _restore(saved: dict[Path, bytes]) -> None:
    for path, content in saved.items():
        path.write_bytes(content)


def test_an_altered_wheel_with_its_package_result_edited_to_match_is_refused(
    capsys: pytest.CaptureFixture[str], go: tuple[Path, Decision], index: IndexServer
) -> None:
    root, decision = go
    wheel, result = _wheel(root, decision), root / ".gates" / "results" / "package.json"
    kept = {path: path.read_bytes() for path in (wheel, result)}
    try:
        altered = _alter(wheel)
        details = json.loads(result.read_text())["details"]
        details["artifacts"][WHEEL] = altered
        _edit_json(result, {"details": details})

        assert_refused(
            capsys,
            root,
            index,
            1,
            f".gates/dist/{decision.tree}/{WHEEL}: sha256 {altered[:12]} is not the gated "
            f"{decision.artifacts[WHEEL][:12]} (decision {decision.id}): re-run the gates chain",
        )

        # Deciding again does not launder the edit: the result no longer matches its ledger digest.
        no_go = decide(root)
        assert_refused(
            capsys,
            root,
            index,
            1,
            f"decision {no_go.id} is NO_GO: package: ERROR (package.json: edited after it was "
            "recorded (its digest does not match the ledger))",
        )
    finally:
        _restore(kept)
        decide(root)


def test_an_altered_wheel_with_decision_json_edited_to_match_is_refused(
    capsys: pytest.CaptureFixture[str], go: tuple[Path, Decision], index: IndexServer
) -> None:
    root, decision = go
    wheel, written = _wheel(root, decision), root / ".gates" / "decision.json"
    kept = {path: path.read_bytes() for path in (wheel, written)}
    try:
        altered = _alter(wheel)
        _edit_json(written, {"artifacts": {**decision.artifacts, WHEEL: altered}})

        assert_refused(
            capsys,
            root,
            index,
            1,
            f".gates/dist/{decision.tree}/{WHEEL}: sha256 {altered[:12]} is not the gated "
            f"{decision.artifacts[WHEEL][:12]} (decision {decision.id}): re-run the gates chain",
        )
    finally:
        _restore(kept)


@pytest.mark.parametrize("extra", ["evil-0.2.0-py3-none-any.whl", "notes.txt"])
def test_an_extra_file_beside_the_gated_ones_is_refused(
    capsys: pytest.CaptureFixture[str], go: tuple[Path, Decision], index: IndexServer, extra: str
) -> None:
    root, decision = go
    stray = _wheel(root, decision).with_name(extra)
    stray.write_bytes(_wheel(root, decision).read_bytes())
    try:
        assert_refused(
            capsys,
            root,
            index,
            1,
            f".gates/dist/{decision.tree}/{extra}: not a file decision {decision.id} gated: "
            "re-run the gates chain",
        )
    finally:
        stray.unlink()


def test_a_decision_for_another_tree_is_refused(
    capsys: pytest.CaptureFixture[str], go: tuple[Path, Decision], index: IndexServer
) -> None:
    root, decision = go
    written = root / ".gates" / "decision.json"
    kept = written.read_bytes()
    (root / "README.md").write_text("# changed after the decision\n")
    git(root, "commit", "-qam", "late change")
    tree = git(root, "rev-parse", "HEAD^{tree}")
    # The gated files and decision.json copied over to the new tree, as if it had been gated.
    dist = root / ".gates" / "dist"
    shutil.copytree(dist / decision.tree, dist / tree)
    _edit_json(written, {"tree": tree})
    try:
        assert_refused(
            capsys,
            root,
            index,
            1,
            f"no decision for this tree {tree[:12]} (the latest decision {decision.id} judged "
            f"tree {decision.tree[:12]}): run the gates chain (nox -s gates)",
        )
    finally:
        git(root, "reset", "-q", "--hard", "HEAD~1")
        shutil.rmtree(dist / tree)
        written.write_bytes(kept)


def test_a_no_go_after_the_go_is_refused(
    capsys: pytest.CaptureFixture[str], go: tuple[Path, Decision], index: IndexServer
) -> None:
    root, _ = go
    no_go = decide(root, "--no-go", "--reason", "security review pending", "--by", "ana")
    try:
        assert_refused(
            capsys,
            root,
            index,
            1,
            f"decision {no_go.id} is NO_GO: turned NO_GO by ana: security review pending",
        )
    finally:
        decide(root)


def test_a_decision_record_rewritten_in_the_ledger_is_refused(
    capsys: pytest.CaptureFixture[str], go: tuple[Path, Decision], index: IndexServer
) -> None:
    root, decision = go
    wheel = _wheel(root, decision)
    kept = wheel.read_bytes()
    altered = _alter(wheel)
    with sqlite3.connect(root / ".gates" / "ledger.db") as db:
        seq, payload = db.execute(
            "SELECT seq, payload FROM ledger_records WHERE kind = 'decision' ORDER BY seq DESC"
        ).fetchone()
        db.execute(
            "UPDATE ledger_records SET payload = ? WHERE seq = ?",
            (payload.replace(decision.artifacts[WHEEL], altered), seq),
        )
    db.close()
    try:
        assert_refused(
            capsys,
            root,
            index,
            1,
            f"the ledger does not verify: record {seq} was altered (hash does not match its "
            "content) (run 'gates ledger verify')",
        )
    finally:
        with sqlite3.connect(root / ".gates" / "ledger.db") as db:
            db.execute("UPDATE ledger_records SET payload = ? WHERE seq = ?", (payload, seq))
        db.close()
        wheel.write_bytes(kept)


def test_a_forged_decision_naming_a_file_outside_the_gated_folder_is_refused(
    capsys: pytest.CaptureFixture[str], go: tuple[Path, Decision], index: IndexServer
) -> None:
    # Appended through the ledger's own API, so the chain verifies: only the name is hostile.
    root, decision = go
    outside = root / "pyproject.toml"
    forged = replace(
        decision,
        id=decision.id + "-forged",
        artifacts={"../../../pyproject.toml": hashlib.sha256(outside.read_bytes()).hexdigest()},
    )
    with open_ledger(config.load(root)) as ledger:
        record_decision(ledger, forged)
    try:
        assert_refused(
            capsys,
            root,
            index,
            1,
            f".gates/dist/{decision.tree}/../../../pyproject.toml: gated by decision "
            f"{forged.id} but missing",
        )
    finally:
        decide(root)
