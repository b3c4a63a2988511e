"""Smoke runs remembered in the ledger, end to end against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import Project

from gates.ledger import RecordKind, open_ledger
from gates.redact import Redactor
from gates.smoke.evidence import Check, Outcome, SinceLastRun
from gates.smoke.memory import Memory, plan_key, remembered_values, since
from gates.smoke.plan import Capture, Cleanup, HttpExpect, HttpStep, Plan, Request

from .service import CREATE_LEAD, LOGIN, Service, write_plan


def smoke(project: Project, plan: str, url: str) -> tuple[int, str, str]:
    return project.gates("smoke", plan, "--base-url", url)


def smoke_records(project: Project) -> list[dict[str, object]]:
    with open_ledger(project.root / ".gates/ledger.db") as ledger:
        return [dict(r.payload) for r in ledger.records(RecordKind.SMOKE)]


def test_a_leftover_of_run_1_is_listed_and_closed_by_run_2(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty(SERVICE_FAULTS="delete-fails=1")
    plan = write_plan(project, LOGIN + CREATE_LEAD)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1
    assert "  create lead (/api/v1/workspaces/1/leads/1): cleanup DELETE" in out
    assert "Earlier leftovers: none open" in out
    assert service.rows("SELECT id FROM leads") == [(1,)]
    first = smoke_records(project)[-1]
    run_1 = first["run_id"]
    assert first["leftovers"] == [
        {
            "id": f"{run_1}#1",
            "artifact": "create lead (/api/v1/workspaces/1/leads/1)",
            "reason": "cleanup DELETE /api/v1/workspaces/1/leads/1 answered 500",
            "step": "create lead",
            "values": {"lead_id": "1", "run_id": run_1},
        }
    ]

    code, out, err = smoke(project, plan, service.url)

    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith(
        "Smoke PASS: 3/3 checks passed, earlier leftovers: 1 closed, 0 still open, p95 "
    )
    earlier = out.split("Earlier leftovers:\n")[1].splitlines()
    assert earlier[0] == (
        f"  create lead (/api/v1/workspaces/1/leads/1) [{run_1}#1]: closed:"
        " removed: DELETE /api/v1/workspaces/1/leads/1 answered 204"
    )
    assert service.rows("SELECT id FROM leads") == []
    second = smoke_records(project)[-1]
    assert second["closed"] == [
        {"id": f"{run_1}#1", "why": "removed: DELETE /api/v1/workspaces/1/leads/1 answered 204"}
    ]
    assert second["leftovers"] == []
    markdown = (project.root / ".gates/evidence/smoke/report.md").read_text()
    assert f"- create lead (/api/v1/workspaces/1/leads/1) [{run_1}#1]: closed:" in markdown

    code, out, _ = smoke(project, plan, service.url)

    assert code == 0
    assert "Earlier leftovers: none open" in out


def test_a_leftover_already_gone_is_closed_and_one_the_plan_cannot_clean_stays_open(
    project: Project, faulty: Callable[..., Service]
) -> None:
    service = faulty(SERVICE_FAULTS="delete-fails=1")
    plan = write_plan(project, LOGIN + CREATE_LEAD)
    assert smoke(project, plan, service.url)[0] == 1
    without_cleanup = LOGIN + CREATE_LEAD.split("[steps.cleanup]")[0]
    write_plan(project, without_cleanup.replace('"create lead"', '"create a lead"'))

    code, out, _ = smoke(project, plan, service.url)

    assert code == 1  # this run's own lead has no cleanup either
    run_1 = smoke_records(project)[0]["run_id"]
    assert (
        f"  create lead (/api/v1/workspaces/1/leads/1) [{run_1}#1]: open: not cleaned up:"
        " the plan has no cleanup for step 'create lead'"
    ) in out
    service.rows("DELETE FROM leads WHERE id = 1")  # removed by hand meanwhile
    write_plan(project, LOGIN + CREATE_LEAD)

    code, out, _ = smoke(project, plan, service.url)

    assert code == 0
    gone = "closed: already gone: DELETE /api/v1/workspaces/1/leads/1 answered 404"
    assert f"[{run_1}#1]: {gone}" in out


def test_since_the_last_run_names_newly_failing_and_fixed_checks(
    project: Project, service: Service
) -> None:
    def plan(health: int, ready: int) -> str:
        return write_plan(
            project,
            f"""
            [[steps]]
            name = "health"
            method = "GET"
            path = "/health"
            expect = {{ status = {health} }}

            [[steps]]
            name = "ready"
            method = "GET"
            path = "/ready"
            expect = {{ status = {ready} }}
            """,
        )

    code, out, _ = smoke(project, plan(500, 200), service.url)
    assert code == 1
    assert "Since the last run: no earlier run of this plan on this target in the ledger" in out
    run_1 = smoke_records(project)[-1]["run_id"]

    code, out, _ = smoke(project, plan(200, 418), service.url)

    assert code == 1
    lines = out.split("\n\nSince the last run")[1].split("\n\n")[0].splitlines()
    assert lines == [
        f" ({run_1}): 1 newly failing, 1 fixed, 0 still failing",
        "  newly failing: ready",
        "  fixed since the last run: health",
    ]
    details = json.loads((project.root / ".gates/results/smoke.json").read_text())["details"]
    assert details["since_last_run"] == {
        "previous_run": run_1,
        "newly_failing": ["ready"],
        "fixed": ["health"],
        "still_failing": [],
    }
    markdown = (project.root / ".gates/evidence/smoke/report.md").read_text()
    assert "- newly failing: ready\n- fixed since the last run: health" in markdown


def test_the_previous_run_is_the_same_plans_on_the_same_target(
    project: Project, service: Service, faulty: Callable[..., Service]
) -> None:
    health = '[[steps]]\nname = "health"\nmethod = "GET"\npath = "/health"\n'
    plan = write_plan(project, health)
    other = write_plan(project, health, "other.toml")
    assert smoke(project, other, service.url)[0] == 0
    assert smoke(project, plan, faulty().url)[0] == 0

    code, out, _ = smoke(project, plan, service.url)

    assert code == 0
    assert "Since the last run: no earlier run of this plan on this target" in out
    assert [r["plan"] for r in smoke_records(project)] == ["other.toml", "smoke.toml", "smoke.toml"]


class _TokenisingTarget(BaseHTTPRequestHandler):
    """Creates answer a Location carrying credentials and a session header; deletes fail."""

    def do_POST(self) -> None:
        port = self.server.server_address[1]
        self.send_response(201)
        self.send_header(
            "Location",
            f"http://robot:pw-in-location-1@127.0.0.1:{port}/things/7?token=tok-in-location-99&v=2",
        )
        self.send_header("X-Session", "session-in-header-42")
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": 7}')

    def do_DELETE(self) -> None:
        self.send_response(500)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def tokenising() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenisingTarget)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


SECRETS = ("pw-in-location-1", "tok-in-location-99", "session-in-header-42", "api-key-0123456789")


def test_credentials_in_a_location_or_a_header_never_reach_the_ledger(
    make_project: Callable[..., Project],
    credentials: None,
    tokenising: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = make_project(gates='[tool.gates]\nrequired = ["smoke"]\n')
    monkeypatch.setenv("API_KEY", SECRETS[3])
    plan = write_plan(
        project,
        """
        [[steps]]
        name = "create thing"
        method = "POST"
        path = "/things"
        headers = { X-Api-Key = "${secret:API_KEY}" }
        json = { name = "smoke" }
        expect = { status = 201 }
        capture = { thing = { header = "Location" }, session = { header = "X-Session" } }

        [steps.cleanup]
        method = "DELETE"
        path = "{thing}"
        headers = { X-Api-Key = "${secret:API_KEY}", X-Session = "{session}" }
        """,
    )
    assert smoke(project, plan, tokenising)[0] == 1
    code, out, _ = smoke(project, plan, tokenising)
    assert project.gates("decide")[0] == 1

    assert code == 1
    records = smoke_records(project)
    run_1 = records[0]["run_id"]
    # Run 2 captured a Location of its own: it must not stand in for the one run 1 withheld.
    assert (
        f"[{run_1}#1]: open: not cleaned up: {{thing}} was not recorded by the run that left it"
    ) in out
    assert records[0]["leftovers"][0]["values"] == {"run_id": run_1}
    port = tokenising.rsplit(":", 1)[1]
    assert records[0]["leftovers"][0]["artifact"] == (
        f"create thing (http://robot:***@127.0.0.1:{port}/things/7?token=***&v=2)"
    )
    exported = project.gates("ledger", "export")[1]
    assert '"kind": "decision"' in exported and "create thing" in exported
    redactor = Redactor()
    for secret in SECRETS:
        redactor.add(secret, "test")
    assert exported not in redactor  # no spelling of any of them (escaped, encoded, base64)
    assert not any(secret in exported for secret in SECRETS)


def test_plan_key_is_the_path_in_the_project_else_the_name(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    assert plan_key(tmp_path / "plans" / "smoke.toml", tmp_path) == "plans/smoke.toml"
    assert plan_key(Path("/elsewhere/smoke.toml"), tmp_path) == "smoke.toml"


def _check(name: str, outcome: Outcome) -> Check:
    return Check(name, "http", "GET", "/", "200", "200", 1.0, outcome)


def test_since_sorts_each_check_by_its_outcome_then_and_now() -> None:
    before = {"a": Outcome.PASSED, "b": Outcome.FAILED, "c": Outcome.FAILED, "d": Outcome.SKIPPED}
    memory = Memory("r1", before)
    now = [
        _check("a", Outcome.FAILED),  # newly failing
        _check("b", Outcome.FLAKY),  # fixed (passed on a retry)
        _check("c", Outcome.FAILED),  # still failing
        _check("d", Outcome.FAILED),  # was not run: newly failing
        _check("e", Outcome.FAILED),  # new check: newly failing
        _check("f", Outcome.SKIPPED),
    ]

    assert since(memory, now) == SinceLastRun("r1", ("a", "d", "e"), ("b",), ("c",))
    assert since(Memory(), now) == SinceLastRun(None)


def test_remembered_values_are_what_the_cleanup_needs_and_never_a_secret() -> None:
    request = Request("DELETE", "/w/{workspace}/things/{thing}", headers={"X-S": "{session}"})
    step = HttpStep(
        "create",
        Request("POST", "/things"),
        HttpExpect(),
        captures=(Capture("thing", json=object()), Capture("session", header="X-Session")),
        cleanup=Cleanup(request, (204,)),
    )
    login = HttpStep(
        "login", Request("POST", "/login"), HttpExpect(), (Capture("token", json=1, secret=True),)
    )
    plan = Plan(Path("p.toml"), "http://h", (login, step))
    values = {
        "workspace": "3",
        "thing": "17",
        "session": "s-abcdef",
        "token": "t-abcdef",
        "run_id": "r9",
        "unused": "x",
    }

    assert remembered_values(step, values, plan) == {
        "run_id": "r9",
        "thing": "17",
        "workspace": "3",
    }
    assert remembered_values(step, values | {"thing": "/t/1?sig=x"}, plan) == {
        "run_id": "r9",
        "workspace": "3",
    }


def test_a_decision_keeps_the_smoke_outcomes_and_history_shows_rate_and_p95(
    make_project: Callable[..., Project], credentials: None, service: Service
) -> None:
    project = make_project(gates='[tool.gates]\nrequired = ["smoke"]\n')
    plan = write_plan(project, LOGIN + CREATE_LEAD)
    assert smoke(project, plan, service.url)[0] == 0
    assert project.gates("decide")[0] == 0

    code, rows = project.gates_json("history")

    assert code == 0
    (row,) = rows
    smoke_row = row["smoke"]
    assert (smoke_row["checks"], smoke_row["passed"], smoke_row["pass_rate"]) == (3, 3, 100.0)
    assert isinstance(smoke_row["p95_ms"], float) and smoke_row["p95_ms"] > 0
    _, out, _ = project.gates("history")
    assert "  3/3  " in out.splitlines()[1]
    with open_ledger(project.root / ".gates/ledger.db") as ledger:
        (decision,) = ledger.records(RecordKind.DECISION)
    (gate,) = decision.payload["gates"]
    checks = gate["result"]["details"]["checks"]
    assert [(c["name"], c["outcome"]) for c in checks] == [
        ("login", "passed"),
        ("create lead", "passed"),
    ]
    assert gate["result"]["metrics"]["p95_ms"] == smoke_row["p95_ms"]
