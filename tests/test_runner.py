"""run_gate: a result stands again while its inputs are unchanged and it matches its ledger record.

Real gates (ruff, pytest under coverage, a smoke plan against a real HTTP server) on real git
projects, and a counting fake of the Gate interface for each input the runner compares.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import Project

from gates.cli import main
from gates.config import GatesConfig
from gates.gate import Gate
from gates.ledger import RecordKind, open_ledger
from gates.model import GateResult, JSONValue, Status
from gates.project import Project as LoadedProject
from gates.reuse import FRESH_ENV, Inputs
from gates.runner import GateRun, run_gate

TODAY = dt.date(2026, 12, 5)
TESTED = {
    "demo/__init__.py": "def add(a: int, b: int) -> int:\n    return a + b\n",
    "tests/test_demo.py": "from demo import add\n\n\ndef test_add() -> None:\n"
    "    assert add(1, 2) == 3\n",
}


@dataclass
class CountingGate(Gate[int]):
    """A gate that counts its runs; each field is one kind of input the runner compares."""

    config: object = "v1"
    files: tuple[Path, ...] = ()
    left: tuple[Path, ...] = ()
    status: Status = Status.PASS
    reusable: bool = True
    name: str = "counting"
    runs: int = field(default=0)

    def collect(self, project: LoadedProject, tree: str) -> int:
        self.runs += 1
        for path in self.left:
            path.write_text(f"run {self.runs}", encoding="utf-8")
        return self.runs

    def judge(self, evidence: int, config: GatesConfig, today: dt.date) -> GateResult:
        return GateResult(self.name, self.status, f"run {evidence}", metrics={"target": 1})

    def inputs(self, project: LoadedProject, tree: str) -> Inputs | None:
        return Inputs(config=self.config, files=self.files, dated=True) if self.reusable else None

    def outputs(self, project: LoadedProject, tree: str) -> tuple[Path, ...]:
        return self.left


def run(root: Path, gate: Gate[int], *, today: dt.date = TODAY, fresh: bool = False) -> GateRun:
    with LoadedProject.load(root) as project:
        return run_gate(project, gate, today=today, fresh=fresh)


def results(root: Path, gate: str) -> list[dict[str, JSONValue]]:
    """The payloads of ``gate``'s RESULT records, oldest first."""
    with open_ledger(root / ".gates" / "ledger.db") as ledger:
        found = [dict(r.payload) for r in ledger.records(RecordKind.RESULT)]
    return [payload for payload in found if payload["gate"] == gate]


def test_an_unchanged_lint_is_reused_and_the_ledger_says_so(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates='[tool.gates]\nrequired = ["lint"]\n')
    code, first, err = project.gates("lint")
    assert (code, err) == (0, "")
    assert "reused" not in first
    written = (project.root / ".gates" / "results" / "lint.json").read_bytes()
    started = json.loads(written)["started_at"]

    code, second, err = project.gates("lint")

    assert (code, err) == (0, "")
    assert second.endswith(f"lint: reused result from {started} (--fresh runs it again)\n")
    assert (project.root / ".gates" / "results" / "lint.json").read_bytes() == written
    ran, reused = results(project.root, "lint")
    assert "reused" not in ran
    assert reused == {**ran, "reused": True}  # the same digest, inputs and run time
    assert isinstance(ran["inputs"], dict)
    assert ran["inputs"]["ruff"] == json.loads(written)["tools"]["ruff"]
    # A third run still finds the reuse record matching the file: reuse is stable.
    assert project.gates("lint")[1].endswith("(--fresh runs it again)\n")
    code, decision = project.gates_json("decide")
    assert code == 0
    assert decision["verdict"] == "GO"
    assert decision["gates"][0]["summary"] == json.loads(written)["summary"]  # type: ignore[index]


@pytest.mark.parametrize("how", ["--fresh", "GATES_FRESH=1"])
def test_fresh_runs_the_gate_again(
    how: str, make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project()
    assert project.gates("lint")[0] == 0
    if how == "--fresh":
        code, out, err = project.gates("lint", "--fresh")
    else:
        monkeypatch.setenv(FRESH_ENV, "1")
        code, out, err = project.gates("lint")
    assert (code, err) == (0, "")
    assert "reused" not in out
    assert ["reused" in payload for payload in results(project.root, "lint")] == [False, False]
    # Its inputs are recorded all the same: the next plain run reuses the fresh result.
    monkeypatch.delenv(FRESH_ENV, raising=False)
    assert "reused result" in project.gates("lint")[1]


def test_an_edit_in_the_tree_runs_the_gate_again(make_project: Callable[..., Project]) -> None:
    project = make_project()
    assert project.gates("lint")[0] == 0
    project.write("demo/extra.py", "import os\n")
    code, out, err = project.gates("lint")
    assert code == 1
    assert "reused" not in out
    assert err == ""  # a new tree: nothing recorded for it, nothing to explain


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("config", "its inputs changed (config)"),
        ("evidence", "its inputs changed (evidence)"),
        ("day", "its inputs changed (date 2026-12-05 -> 2026-12-06)"),
        ("left", "the files its run left changed"),
        ("results", "counting.json does not match its ledger record"),
        ("results gone", "counting.json is missing"),
        ("results garbage", ".gates/results/counting.json: unreadable result ("),
    ],
)
def test_a_changed_input_runs_the_gate_again_and_says_why(
    change: str, why: str, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    evidence, left = project.root / ".gates" / "evidence.txt", project.root / ".gates" / "left.txt"
    evidence.parent.mkdir()
    evidence.write_text("junit", encoding="utf-8")
    gate = CountingGate(files=(evidence,), left=(left,))
    assert run(project.root, gate).reused_from is None
    again = run(project.root, gate)
    assert (gate.runs, again.reused_from) == (1, again.result.started_at)
    result_file = project.root / ".gates" / "results" / "counting.json"
    today = TODAY
    if change == "config":
        gate.config = "v2"
    elif change == "evidence":
        evidence.write_text("junit, edited", encoding="utf-8")
    elif change == "day":
        today = TODAY + dt.timedelta(days=1)
    elif change == "left":
        left.write_text("replaced", encoding="utf-8")
    elif change == "results":
        result_file.write_text(result_file.read_text().replace("run 1", "run 9"))
    elif change == "results gone":
        result_file.unlink()
    else:
        result_file.write_text("{", encoding="utf-8")

    third = run(project.root, gate, today=today)

    assert gate.runs == 2
    assert third.reused_from is None
    assert why in third.why_ran
    assert third.result.summary == "run 2"


def test_an_error_is_run_again_and_a_gate_without_inputs_always_runs(
    make_project: Callable[..., Project],
) -> None:
    project = make_project()
    failing = CountingGate(status=Status.ERROR)
    run(project.root, failing)
    assert run(project.root, failing).why_ran == "its last result was an ERROR"
    assert failing.runs == 2
    live = CountingGate(reusable=False)
    assert [run(project.root, live).reused_from for _ in range(2)] == [None, None]
    assert live.runs == 2


def test_a_fail_is_reused_like_a_pass(make_project: Callable[..., Project]) -> None:
    project = make_project()
    gate = CountingGate(status=Status.FAIL)
    run(project.root, gate)
    assert run(project.root, gate).result.status is Status.FAIL
    assert gate.runs == 1


def run_tests_with(project: Project, *pytest_args: str) -> tuple[int, str, str]:
    """``gates tests --root ROOT -- PYTEST_ARGS`` (``project.gates`` puts --root last)."""
    project.capsys.readouterr()
    code = main(["tests", "--root", str(project.root), "--", *pytest_args])
    out, err = project.capsys.readouterr()
    return code, out, err


def test_unchanged_tests_are_reused_until_their_evidence_changes(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(
        files=TESTED,
        gates='[tool.gates]\nrequired = ["tests", "coverage"]\n\n'
        "[tool.gates.coverage]\nmin_total = 50\n",
    )
    assert project.gates("tests")[0] == 0
    assert project.gates("coverage")[0] == 0
    assert "tests: reused result" in project.gates("tests")[1]
    assert "coverage: reused result" in project.gates("coverage")[1]
    # pytest's arguments are an input: a run with other options is a different run.
    code, out, err = run_tests_with(project, "-q")
    assert (code, "reused" in out) == (0, False)
    assert err.startswith("gates: tests: not reused: its inputs changed (arguments)")
    # The coverage data it judges was rewritten by that run (same tree, new files).
    code, out, err = project.gates("coverage")
    assert (code, "reused" in out) == (0, False)
    assert err.startswith("gates: coverage: not reused: its inputs changed (evidence)")
    # Evidence the coverage and buckets gates read must be as the tests run left it.
    (project.root / ".gates" / "evidence" / "junit.xml").unlink()
    code, out, err = run_tests_with(project, "-q")
    assert (code, "reused" in out) == (0, False)
    assert err == "gates: tests: not reused: the files its run left changed\n"


class CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    requests: list[str] = []
    handler = type("Handler", (CountingHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def test_smoke_is_never_reused_a_live_target_can_change_under_an_unchanged_tree(
    make_project: Callable[..., Project], counting_server: tuple[str, list[str]]
) -> None:
    url, requests = counting_server
    project = make_project()
    project.write(
        "smoke.toml",
        '[[steps]]\nname = "health"\nmethod = "GET"\npath = "/health"\nexpect = { status = 200 }\n',
    )
    for _ in range(2):
        code, out, err = project.gates("smoke", str(project.root / "smoke.toml"), "--base-url", url)
        assert (code, err) == (0, "")
        assert "reused result" not in out
    assert requests == ["/health", "/health"]
