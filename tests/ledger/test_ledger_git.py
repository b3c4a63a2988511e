"""The git store: records on refs/gates/ledger, one commit each, shared through a bare remote.

Real git everywhere: repositories and bare remotes in tmp_path, ``gates`` run as separate
processes where runners would be separate processes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import git
from git_ledger_support import (
    clone,
    decision_ids,
    environ,
    gates_command,
    git_project,
    ledger_at,
    loaded,
    ref,
    run_gates,
    tree_state,
)

from gates.ledger import RecordKind, open_ledger
from gates.ledger.git import REF, tracking_ref

CLONES, DECIDES = 4, 25

WRITER = """
import sys, time
from pathlib import Path
from gates import config
from gates.ledger import RecordKind, open_ledger

root, worker, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
with open_ledger(config.load(root), environ={}) as ledger:
    (root / ".gates").mkdir(exist_ok=True)
    (root / ".gates" / f"ready-{worker}").touch()
    while not (root / ".gates" / "go").exists():
        time.sleep(0.002)
    for n in range(count):
        ledger.append(RecordKind.RELEASE_STEP, {"worker": worker, "n": n})
"""


def test_records_are_commits_on_the_ref_and_read_back_as_records(tmp_path: Path) -> None:
    root = git_project(tmp_path / "demo", ledger_remote=False)
    with open_ledger(loaded(root), environ={}) as ledger:
        first = ledger.append(RecordKind.SIGNOFF, {"item": "docs reviewed", "by": "ana"})
        result = {"gate": "ok", "tree": "t1", "digest": "d", "workspace": "w1"}
        ledger.append(RecordKind.RESULT, result)
        second = ledger.append(RecordKind.SIGNOFF, {"item": "blog", "by": "bo"})
        assert [r.seq for r in ledger.records()] == [1, 2, 3]
        assert ledger.records(RecordKind.SIGNOFF, limit=1) == [second]
        assert ledger.latest_result("ok", "t1", "w1") == result
        assert ledger.latest_result("ok", "t2", "w1") is None
        assert ledger.latest_result("ok", "t1", "w2") is None  # another checkout's record
        assert ledger.holds(first.hash) and not ledger.holds("0" * 64)
        assert second.prev_hash != first.hash  # the result record is between them
        verified = ledger.verify()
    assert (verified.ok, verified.records, verified.head) == (True, 3, second.hash)
    log = git(root, "log", "--format=%s", REF).splitlines()
    assert log == [
        "gates ledger: record 3 (signoff)",
        "gates ledger: record 2 (result)",
        "gates ledger: record 1 (signoff)",
    ]
    assert git(root, "ls-tree", "--name-only", REF) == "record.json"
    stored = json.loads(git(root, "show", f"{REF}:record.json"))
    assert (stored["seq"], stored["hash"], stored["payload"]) == (3, second.hash, second.payload)


def test_appending_never_touches_the_work_tree_the_index_or_the_tree_id(tmp_path: Path) -> None:
    root = git_project(tmp_path / "demo", ledger_remote=False)
    (root / "untracked.txt").write_text("not added\n")
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + "# edited\n")
    before = tree_state(root)
    assert run_gates(root, "run", "ok")[0] == 0
    code, out, err = run_gates(root, "decide", "--json")
    assert (code, err) == (0, "")
    assert tree_state(root) == before
    assert json.loads(out)["tree"] == before[2]
    assert git(root, "stash", "list") == ""


def test_a_decision_is_found_by_its_tree_and_verify_names_the_ref(tmp_path: Path) -> None:
    root = git_project(tmp_path / "demo", ledger_remote=False)
    assert run_gates(root, "run", "ok")[0] == 0
    code, out, _ = run_gates(root, "decide", "--json")
    decision = json.loads(out)
    assert (code, decision["verdict"]) == (0, "GO")
    with open_ledger(loaded(root), environ={}) as ledger:
        found = ledger.latest_decision(decision["tree"])
    assert found is not None and found.hash == decision["hash"]
    code, out, err = run_gates(root, "ledger", "verify")
    assert (code, err) == (0, "")
    assert out == f"ledger OK: 2 records, chain intact ({root}:{REF})\n"
    code, out, err = run_gates(root, "history", "--json")
    assert (code, err) == (0, "")
    assert [row["decision"] for row in json.loads(out)] == [decision["id"]]
    code, out, _ = run_gates(root, "ledger", "export")
    assert [json.loads(line)["hash"] for line in out.splitlines()][-1] == decision["hash"]


def test_processes_appending_at_once_make_one_chain(tmp_path: Path) -> None:
    root = git_project(tmp_path / "demo", ledger_remote=False)
    workers, count = 4, 15
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(root), str(w), str(count)], env=environ()
        )
        for w in range(workers)
    ]
    deadline = time.monotonic() + 120
    while len(list((root / ".gates").glob("ready-*"))) < workers:
        assert time.monotonic() < deadline, "writers did not start"
        time.sleep(0.01)
    (root / ".gates" / "go").touch()
    assert [p.wait(timeout=300) for p in processes] == [0] * workers
    with ledger_at(root) as ledger:
        records = ledger.records()
        verified = ledger.verify()
    assert verified.ok, verified.problem
    assert [r.seq for r in records] == list(range(1, workers * count + 1))
    written = sorted((r.payload["worker"], r.payload["n"]) for r in records)
    assert written == [(w, n) for w in range(workers) for n in range(count)]


@pytest.mark.slow
def test_four_clones_deciding_25_times_at_once_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    # 100 `gates decide` processes at once: about 45 s of CPU in all (each a Python start-up
    # and a tree id before any git); 30-60 s alone, 140 s under a load of 40 on 2 cores, so
    # `nox -s e2e` runs it.
    clones, decides = CLONES, DECIDES
    remote = tmp_path / "remote.git"
    git_project(tmp_path / "seed", remote=remote)
    runners = [clone(remote, tmp_path / f"runner-{n}") for n in range(clones)]
    for root in runners:
        code, _, err = run_gates(root, "run", "ok")
        assert (code, err) == (0, ""), err
    processes = [
        subprocess.Popen(
            gates_command(root, "decide", "--json"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environ(),
        )
        for _ in range(decides)
        for root in runners
    ]
    decided = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert (process.returncode, err) == (0, ""), out[-3000:] + err
        decided.append(json.loads(out)["id"])

    on_remote = decision_ids(remote)
    assert len(on_remote) == clones * decides
    assert sorted(on_remote) == sorted(decided)  # every decision once: none lost, none twice
    for root in runners:
        code, out, err = run_gates(root, "ledger", "sync")
        assert (code, err) == (0, ""), err
        code, out, err = run_gates(root, "ledger", "verify")
        assert (code, err) == (0, ""), err
        assert out.startswith(f"ledger OK: {clones + clones * decides} records, chain intact")
        assert ref(root) == ref(remote)


def test_runners_sharing_the_ledger_each_trust_their_own_results(tmp_path: Path) -> None:
    """Runner b gates the same tree after a: a's results file is still bound to a's record."""
    remote = tmp_path / "remote.git"
    git_project(tmp_path / "seed", remote=remote)
    a, b = clone(remote, tmp_path / "a"), clone(remote, tmp_path / "b")
    for root in (a, b):
        assert run_gates(root, "run", "ok")[0] == 0
    assert run_gates(a, "ledger", "sync")[0] == 0  # a now holds b's newer record of the tree

    for root in (a, b):
        code, out, err = run_gates(root, "decide", "--json")
        assert (code, err, json.loads(out)["verdict"]) == (0, "", "GO"), out
    workspaces = {record.payload["workspace"] for record in ledger_at(a).records(RecordKind.RESULT)}
    assert len(workspaces) == 2


def test_sync_pulls_and_pushes_and_rechains_what_was_made_offline(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    laptop = git_project(tmp_path / "laptop", remote=remote, ledger_remote=False)
    runner = clone(remote, tmp_path / "runner")
    (runner / "pyproject.toml").write_text(
        (runner / "pyproject.toml")
        .read_text()
        .replace('ledger = "git"', 'ledger = "git"\nledger_remote = "origin"')
    )
    # Offline on the laptop (no remote configured): two sign-offs.
    with open_ledger(loaded(laptop), environ={}) as ledger:
        offline = [ledger.append(RecordKind.SIGNOFF, {"item": f"offline {n}"}) for n in (1, 2)]
    # Meanwhile a runner appends and pushes.
    with open_ledger(loaded(runner), environ={}) as ledger:
        ledger.append(RecordKind.SIGNOFF, {"item": "from the runner"})

    code, out, err = run_gates(
        laptop, "ledger", "sync", "--json", env={**environ(), "GATES_LEDGER_REMOTE": "origin"}
    )
    assert (code, err) == (0, ""), err
    synced = json.loads(out)
    assert synced == {
        "remote": "origin", "records": 3, "pulled": 1, "pushed": 2, "rechained": 2,
        "head": synced["head"],
    }  # fmt: skip
    items = [r.payload["item"] for r in ledger_at(remote).records()]
    assert items == ["from the runner", "offline 1", "offline 2"]
    with ledger_at(laptop) as ledger:
        rechained = ledger.records()[1:]
        assert ledger.verify().ok
    # Same records, new places in the chain: new hashes, same content and time.
    assert [(r.payload, r.created_at) for r in rechained] == [
        (r.payload, r.created_at) for r in offline
    ]
    assert {r.hash for r in rechained}.isdisjoint(r.hash for r in offline)

    code, out, err = run_gates(runner, "ledger", "sync")
    assert (code, err) == (0, "")
    assert out == "ledger synced with origin: 3 records (pulled 2, pushed 0, re-chained 0)\n"
    assert ref(runner) == ref(remote) == ref(laptop)
    assert ref(runner, tracking_ref("origin")) == ref(remote)


def test_the_same_offline_records_synced_from_two_copies_land_once(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    laptop = git_project(tmp_path / "laptop", remote=remote, ledger_remote=False)
    with open_ledger(loaded(laptop), environ={}) as ledger:
        for n in (1, 2):
            ledger.append(RecordKind.SIGNOFF, {"item": f"offline {n}"})
    copy = tmp_path / "copy"
    shutil.copytree(laptop, copy)  # the same records, made once, in two clones
    with ledger_at(clone(remote, tmp_path / "runner"), remote="origin") as runner:
        runner.append(RecordKind.SIGNOFF, {"item": "from the runner"})  # the copies diverge
    env = {**environ(), "GATES_LEDGER_REMOTE": "origin"}
    rechained = []
    for root in (laptop, copy):
        code, out, err = run_gates(root, "ledger", "sync", "--json", env=env)
        assert (code, err) == (0, ""), err
        rechained.append(json.loads(out)["rechained"])
    assert rechained == [2, 0]
    items = [r.payload["item"] for r in ledger_at(remote).records()]
    assert items == ["from the runner", "offline 1", "offline 2"]
    assert ref(copy) == ref(laptop) == ref(remote)
    for root in (laptop, copy):
        assert run_gates(root, "ledger", "verify", env=env)[0] == 0


def test_gates_ledger_remote_picks_the_git_store_over_the_file(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    root = git_project(tmp_path / "demo", remote=remote, ledger_remote=False)
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace('ledger = "git"\n', "")
    )
    env = {**environ(), "GATES_LEDGER_REMOTE": "origin"}
    assert run_gates(root, "run", "ok", env=env)[0] == 0
    code, out, err = run_gates(root, "decide", "--json", env=env)
    assert (code, err) == (0, "")
    assert decision_ids(remote) == [json.loads(out)["id"]]
    assert not (root / ".gates" / "ledger.db").exists()
    code, out, _ = run_gates(root, "ledger", "verify", env=env)
    assert (code, out) == (
        0,
        f"ledger OK: 2 records, chain intact ({root}:{REF} (remote origin))\n",
    )


def test_verify_expect_record_wants_the_record_held_not_the_newest(tmp_path: Path) -> None:
    root = git_project(tmp_path / "demo", ledger_remote=False)
    assert run_gates(root, "run", "ok")[0] == 0
    code, out, _ = run_gates(root, "decide", "--json")
    decision = json.loads(out)["hash"]
    with ledger_at(root) as ledger:
        ledger.append(RecordKind.SIGNOFF, {"item": "after the decision"})
    assert run_gates(root, "ledger", "verify", "--expect-record", decision)[0] == 0
    assert run_gates(root, "ledger", "verify", "--expect-head", decision)[0] == 1
    code, out, err = run_gates(root, "ledger", "verify", "--expect-record", "f" * 64)
    assert (code, err) == (1, "")
    assert out == (
        f"ledger BROKEN: ledger lost or replaced: it does not hold record {'f' * 64}"
        f" (--expect-record) ({root}:{REF})\n"
    )
