"""Fault matrix, smoke memory: hostile leftover records in the ledger, and bad dated targets.

A leftover record is untrusted input. Each hostile one is listed as still open with the exact
reason, the run goes on (WARN: exit 0), no traceback, and nothing it asks for is sent: the real
server on 127.0.0.1 logs every request, and only the run's own create and cleanup reach it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from conftest import Project

from gates.ledger import RecordKind, open_ledger
from gates.smoke.memory import MAX_TRIES

PLAN = """
[[steps]]
name = "create thing"
method = "POST"
path = "/things"
expect = { status = 201 }
capture = { thing_id = { json = "id" } }
cleanup = { method = "DELETE", path = "/things/{thing_id}" }

[[steps]]
name = "create by location"
method = "POST"
path = "/things"
expect = { status = 201 }
capture = { where = { header = "Location" } }
cleanup = { method = "DELETE", path = "{where}" }
"""


class _Things(BaseHTTPRequestHandler):
    """Creates a thing (ids from 100, Location /things/<id>); deletes any; logs each request."""

    log: list[str]
    next_id: list[int]

    def do_POST(self) -> None:
        self.log.append(f"POST {self.path}")
        self.next_id[0] += 1
        self.send_response(201)
        self.send_header("Location", f"/things/{self.next_id[0]}")
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": %d}' % self.next_id[0])

    def do_DELETE(self) -> None:
        self.log.append(f"DELETE {self.path}")
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: :attr:`log` is the record."""


@pytest.fixture
def things() -> Iterator[tuple[str, list[str]]]:
    """(base URL, request log) of a real server on 127.0.0.1."""
    handler = type("Handler", (_Things,), {"log": [], "next_id": [99]})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.log
    server.shutdown()
    server.server_close()


OWN_REQUESTS = ["POST /things", "POST /things", "DELETE /things/101", "DELETE /things/100"]
"""What the run itself sends: its two creates and their cleanups (newest first)."""


def _leftover(**changes: Any) -> dict[str, Any]:
    entry = {
        "id": "r0#1",
        "artifact": "create thing (/things/7)",
        "reason": "cleanup DELETE /things/7 answered 500",
        "step": "create thing",
        "values": {"thing_id": "7"},
    }
    return {**entry, **changes}


def _record(target: str, leftovers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "plan": "smoke.toml",
        "target": target,
        "environment": "staging",
        "run_id": "r0",
        "started_at": "2026-12-01T00:00:00+00:00",
        "status": "FAIL",
        "checks": [],
        "leftovers": leftovers,
        "closed": [],
    }


def _run_after(
    make_project: Callable[..., Project], url: str, *payloads: dict[str, Any]
) -> tuple[Project, int, str, str]:
    project = make_project()
    plan = project.write("smoke.toml", PLAN)
    with open_ledger(project.root / ".gates/ledger.db") as ledger:
        for payload in payloads:
            ledger.append(RecordKind.SMOKE, payload)
    code, out, err = project.gates("smoke", str(plan), "--base-url", url)
    return project, code, out, err


def _earlier(out: str) -> list[str]:
    return out.split("Earlier leftovers:\n")[1].splitlines()


SEGMENT = "not cleaned up: recorded {thing_id} is not a single path segment"
NOT_RECORDED = "ledger record 1.leftovers[0].values.thing_id: not a value a run records"


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"thing_id": "../admin"}, SEGMENT),
        ({"thing_id": ".."}, SEGMENT),
        ({"thing_id": "7?all=1"}, SEGMENT),
        ({"thing_id": "7%2F..%2Fadmin"}, SEGMENT),
        ({"thing_id": "7/../../admin"}, SEGMENT),
        ({"thing_id": "7\r\nX-Injected: 1"}, f"not cleaned up: {NOT_RECORDED}"),
        ({"thing_id": "7" * 600}, f"not cleaned up: {NOT_RECORDED}"),
        ({"thing_id": ""}, f"not cleaned up: {NOT_RECORDED}"),
        ({"thing_id": 7}, "not cleaned up: ledger record 1.leftovers[0].values.thing_id:"
                          " expected a string, got a number"),
        ("7", "not cleaned up: ledger record 1.leftovers[0].values: expected an object,"
              " got a string"),
        ({}, "not cleaned up: {thing_id} was not recorded by the run that left it"),
    ],
)  # fmt: skip
def test_a_hostile_value_is_listed_and_never_sent(
    make_project: Callable[..., Project],
    things: tuple[str, list[str]],
    values: Any,
    why: str,
) -> None:
    url, log = things

    _, code, out, err = _run_after(make_project, url, _record(url, [_leftover(values=values)]))

    assert (code, err) == (0, "")
    assert "Traceback" not in out
    assert _earlier(out) == [f"  create thing (/things/7) [r0#1]: open: {why}"]
    assert out.splitlines()[0].startswith(
        "Smoke WARN: 4/4 checks passed, earlier leftovers: 0 closed, 1 still open"
    )
    assert log == OWN_REQUESTS


@pytest.mark.parametrize(
    ("where", "why"),
    [
        ("http://evil.example/things/7", "recorded {where} is on another origin"),
        ("https://127.0.0.1/things/7", "recorded {where} is on another origin"),
        ("//evil.example/things/7", "recorded {where} is not a path on the target"),
        ("/things/../admin", "recorded {where} is not a path on the target"),
        ("things/7", "recorded {where} is not a path on the target"),
    ],
)
def test_a_recorded_location_may_only_name_a_path_on_the_target(
    make_project: Callable[..., Project], things: tuple[str, list[str]], where: str, why: str
) -> None:
    url, log = things
    leftover = _leftover(step="create by location", values={"where": where})

    _, code, out, err = _run_after(make_project, url, _record(url, [leftover]))

    assert (code, err) == (0, "")
    assert _earlier(out) == [f"  create thing (/things/7) [r0#1]: open: not cleaned up: {why}"]
    assert log == OWN_REQUESTS


def test_a_recorded_location_on_the_target_is_removed(
    make_project: Callable[..., Project], things: tuple[str, list[str]]
) -> None:
    url, log = things
    leftover = _leftover(step="create by location", values={"where": f"{url}/things/7"})

    _, code, out, _ = _run_after(make_project, url, _record(url, [leftover]))

    assert code == 0
    assert _earlier(out) == [
        f"  create thing (/things/7) [r0#1]: closed: removed: DELETE {url}/things/7 answered 204"
    ]
    assert log == [*OWN_REQUESTS, "DELETE /things/7"]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"target": 5}, "ledger record 1.target: expected a string, got a number"),
        ({"leftovers": "all"}, "ledger record 1.leftovers: expected a list, got a string"),
        ({"leftovers": ["x"]}, "ledger record 1.leftovers[0]: expected an object, got a string"),
        ({"closed": [{"id": None}]}, "ledger record 1.closed[0].id: expected a string, got null"),
        ({"checks": [{"name": "a", "outcome": "won"}]},
         "ledger record 1.checks[0].outcome: expected one of passed, flaky, failed, skipped,"
         " got 'won'"),
        ({"run_id": None}, "ledger record 1.run_id: expected a string, got null"),
    ],
)  # fmt: skip
def test_an_unreadable_record_is_listed_not_acted_on(
    make_project: Callable[..., Project],
    things: tuple[str, list[str]],
    changes: dict[str, Any],
    problem: str,
) -> None:
    url, log = things

    _, code, out, err = _run_after(make_project, url, _record(url, [_leftover()]) | changes)

    assert (code, err) == (0, "")
    assert _earlier(out) == [
        f"  (unreadable record) [ledger record 1]: open: not cleaned up: {problem}"
    ]
    assert log == OWN_REQUESTS


def test_an_unreadable_leftover_entry_is_listed_by_where_it_is(
    make_project: Callable[..., Project], things: tuple[str, list[str]]
) -> None:
    url, log = things
    entry = _leftover()
    del entry["id"]

    _, code, out, _ = _run_after(make_project, url, _record(url, [entry]))

    assert code == 0
    assert _earlier(out) == [
        "  (unreadable leftover) [ledger record 1.leftovers[0]]: open: not cleaned up:"
        " ledger record 1.leftovers[0].id: expected a string, got null"
    ]
    assert log == OWN_REQUESTS


def test_a_leftover_of_another_target_is_neither_listed_nor_sent(
    make_project: Callable[..., Project], things: tuple[str, list[str]]
) -> None:
    url, log = things
    elsewhere = _record("http://127.0.0.1:9", [_leftover(values={"thing_id": "../admin"})])

    _, code, out, _ = _run_after(make_project, url, elsewhere)

    assert code == 0
    assert "Earlier leftovers: none open" in out
    assert log == OWN_REQUESTS


def test_a_tampered_ledger_lists_leftovers_and_removes_none(
    make_project: Callable[..., Project], things: tuple[str, list[str]]
) -> None:
    url, log = things
    project = make_project()
    with open_ledger(project.root / ".gates/ledger.db") as ledger:
        ledger.append(RecordKind.SMOKE, _record(url, [_leftover()]))
    with sqlite3.connect(project.root / ".gates/ledger.db") as db:  # an edit the chain catches
        db.execute("UPDATE ledger_records SET payload = replace(payload, '\"7\"', '\"8\"')")
    plan = project.write("smoke.toml", PLAN)

    code, out, err = project.gates("smoke", str(plan), "--base-url", url)

    assert (code, err) == (0, "")
    (line,) = _earlier(out)
    assert line.startswith(
        "  create thing (/things/7) [r0#1]: open: not cleaned up: the ledger's chain does not"
        " verify (record 1"
    )
    assert log == OWN_REQUESTS


# Bad targets: one line naming the key, exit 2 (for every command that reads the config). -------

BAD_TARGETS = [
    ('2026-13-01 = { coverage = 80 }', "pyproject.toml:{line}: tool.gates.targets.2026-13-01:"
                                       " not a date: 2026-13-01"),
    ('2026-12-7 = { coverage = 80 }', "pyproject.toml:{line}: tool.gates.targets.2026-12-7:"
                                      " expected a date (YYYY-MM-DD) as the key"),
    ('20261207 = { coverage = 80 }', "pyproject.toml:{line}: tool.gates.targets.20261207:"
                                     " expected a date (YYYY-MM-DD) as the key"),
    ('monday = { coverage = 80 }', "pyproject.toml:{line}: tool.gates.targets.monday:"
                                   " expected a date (YYYY-MM-DD) as the key"),
    ('2026-12-07 = 80', "pyproject.toml:{line}: tool.gates.targets.2026-12-07: expected a table"
                        " (pass_rate, failing, coverage), got an integer"),
    ('2026-12-07 = { pass_rte = 80 }', "pyproject.toml:{line}: tool.gates.targets.2026-12-07"
                                       ".pass_rte: unknown key"),
    ('2026-12-07 = { pass_rate = 120 }', "pyproject.toml:{line}: tool.gates.targets.2026-12-07"
                                         ".pass_rate: must be between 0 and 100, got 120"),
    ('2026-12-07 = { coverage = "80%" }', "pyproject.toml:{line}: tool.gates.targets.2026-12-07"
                                          ".coverage: expected a number, got a string"),
    ('2026-12-07 = { failing = -1 }', "pyproject.toml:{line}: tool.gates.targets.2026-12-07"
                                      ".failing: must be between 0 and 1000000000, got -1"),
    ('2026-12-07 = { failing = 2.5 }', "pyproject.toml:{line}: tool.gates.targets.2026-12-07"
                                       ".failing: expected an integer, got a number"),
    ('2026-12-07 = { failing = true }', "pyproject.toml:{line}: tool.gates.targets.2026-12-07"
                                        ".failing: expected an integer, got true or false"),
    ('2026-12-07 = {}', "pyproject.toml:{line}: tool.gates.targets.2026-12-07: names no target"
                        " (expected pass_rate, failing, coverage)"),
]  # fmt: skip


@pytest.mark.parametrize(("entry", "message"), BAD_TARGETS)
@pytest.mark.parametrize("command", [("history",), ("decide",)])
def test_a_bad_target_is_one_line_naming_the_key(
    make_project: Callable[..., Project], entry: str, message: str, command: tuple[str, ...]
) -> None:
    project = make_project(gates=f"[tool.gates.targets]\n{entry}\n")
    line = project.root.joinpath("pyproject.toml").read_text().splitlines().index(entry) + 1

    code, out, err = project.gates(*command)

    assert (code, out) == (2, "")
    assert err == f"gates: error: {message.format(line=line)}\n"
    assert "Traceback" not in err


def test_targets_that_are_not_a_table_are_one_line(make_project: Callable[..., Project]) -> None:
    project = make_project(gates='[tool.gates]\ntargets = ["2026-12-07"]\n')

    assert project.gates("history") == (
        2,
        "",
        "gates: error: pyproject.toml:10: tool.gates.targets: expected a table, got a list\n",
    )


def test_a_flood_of_leftover_records_is_tried_at_most_max_tries_per_run(
    make_project: Callable[..., Project], things: tuple[str, list[str]]
) -> None:
    url, log = things
    flood = [_leftover(id=f"r0#{n}", values={"thing_id": str(n)}) for n in range(MAX_TRIES + 3)]

    _, code, out, err = _run_after(make_project, url, _record(url, flood))

    assert (code, err) == (0, "")
    lines = _earlier(out)
    assert len(lines) == MAX_TRIES + 3
    assert lines[-1] == (
        f"  create thing (/things/7) [r0#{MAX_TRIES + 2}]: open: not tried in this run"
        f" (at most {MAX_TRIES} earlier leftovers per run)"
    )
    assert len([r for r in log if r.startswith("DELETE")]) == 2 + MAX_TRIES
