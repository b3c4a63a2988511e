"""The release manager: checklist, sign-offs, production decisions, and turning GO into NO_GO."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from gates.ledger import RecordKind, open_ledger, record_decision
from gates.model import Decision, Status, Verdict


def _records(project: Any) -> list[Any]:
    """The ledger's decisions and sign-offs (not the digests of recorded results)."""
    with open_ledger(project.root / ".gates" / "ledger.db", environ={}) as ledger:
        return [r for r in ledger.records() if r.kind is not RecordKind.RESULT]


def test_missing_must_have_signoff_makes_production_no_go_naming_it(ledger_project: Any) -> None:
    project = ledger_project()
    project.record_run(10, 0, 0, 90.0)

    code, out, _ = project.gates("decide", "--environment", "production", "--json")
    decision = json.loads(out)
    assert code == 1
    assert decision["verdict"] == "NO_GO"
    assert decision["reasons"] == [
        "checklist: must-have sign-off missing: CHANGELOG reviewed"
        ' (needs: gates signoff "CHANGELOG reviewed" --by NAME)'
    ]

    code, out, _ = project.gates("signoff", "CHANGELOG reviewed", "--by", "ana", "--note", "ok")
    assert (code, out) == (0, "signed off: CHANGELOG reviewed by ana (ledger record 4)\n")

    code, out, _ = project.gates("decide", "--environment", "production", "--json")
    assert (code, json.loads(out)["verdict"], json.loads(out)["reasons"]) == (0, "GO", [])
    # Should/could items never hold a release back; staging ignores the checklist.
    assert project.gates("decide", "--environment", "staging")[0] == 0


def test_a_signoff_for_another_version_does_not_count(ledger_project: Any) -> None:
    project = ledger_project()
    project.record_run(10, 0, 0, 90.0)
    project.gates("signoff", "CHANGELOG reviewed", "--by", "ana", "--version", "1.1.0")

    code, out, _ = project.gates("decide", "--environment", "production", "--json")

    assert code == 1
    assert "CHANGELOG reviewed" in json.loads(out)["reasons"][0]


def test_a_failing_gate_item_holds_production_back_too(ledger_project: Any) -> None:
    project = ledger_project()
    project.record_run(9, 1, 0, 90.0)
    project.gates("signoff", "CHANGELOG reviewed", "--by", "ana")

    code, out, _ = project.gates("decide", "--environment", "production", "--json")

    assert code == 1
    assert json.loads(out)["reasons"] == [
        "tests: FAIL (tests FAIL)",
        "checklist: must-have gate item missing: All tests pass (gate tests: FAIL)",
    ]


def test_checklist_markdown_checks_gate_items_from_the_latest_decision(
    ledger_project: Any,
) -> None:
    project = ledger_project()
    project.record_run(10, 0, 0, 90.0)
    project.gates("decide")
    project.gates("signoff", "docs reviewed", "--by", "bo", "--note", "read the guide")
    decision_id = _records(project)[0].payload["id"]
    signed_at = _records(project)[1].created_at[:16]

    code, out, err = project.gates("checklist")

    assert (code, err) == (0, "")
    assert out == (
        "# Release checklist: demo 1.2.0\n"
        "\n"
        f"Gate items checked against decision: {decision_id}\n"
        "\n"
        "## Must have\n"
        "\n"
        '- [ ] CHANGELOG reviewed — needs: gates signoff "CHANGELOG reviewed" --by NAME\n'
        "- [x] All tests pass — gate tests: PASS\n"
        "\n"
        "## Should have\n"
        "\n"
        f"- [x] docs reviewed — signed off by bo at {signed_at}: read the guide\n"
        "\n"
        "## Could have\n"
        "\n"
        '- [ ] blog post drafted — needs: gates signoff "blog post drafted" --by NAME\n'
        "\n"
    )


def test_checklist_ticks_gate_items_from_this_projects_decision_on_a_shared_ledger(
    ledger_project: Any,
) -> None:
    """A newer decision of another project on the same tree (one ledger for many) ticks nothing."""
    project = ledger_project()
    project.record_run(9, 1, 0, 90.0)
    project.gates("decide")
    own = Decision.from_dict(_records(project)[0].payload, "decision")
    with open_ledger(project.root / ".gates" / "ledger.db", environ={}) as ledger:
        passed = replace(own.gates[0], status=Status.PASS, result=None)
        neighbour = replace(own, id="neighbour", verdict=Verdict.GO, gates=(passed,), project="x")
        record_decision(ledger, neighbour)

    code, out, err = project.gates("checklist", "--json")

    assert (code, err) == (0, "")
    checklist = json.loads(out)
    assert checklist["decision"] == own.id
    assert {i["item"]: i["checked"] for i in checklist["items"]}["All tests pass"] is False


def test_checklist_for_another_version_and_as_json(ledger_project: Any) -> None:
    project = ledger_project()
    project.gates("signoff", "docs reviewed", "--by", "bo", "--version", "2.0.0")

    _, current, _ = project.gates("checklist", "--json")
    _, other, _ = project.gates("checklist", "--version", "2.0.0", "--json")

    def checked(out: str) -> dict[str, bool]:
        return {i["item"]: i["checked"] for i in json.loads(out)["items"]}

    assert checked(current)["docs reviewed"] is False
    assert checked(other)["docs reviewed"] is True
    assert checked(other)["All tests pass"] is False  # no decision for this tree yet
    assert json.loads(other)["version"] == "2.0.0"


def test_signoff_of_an_unknown_item_is_a_usage_error(ledger_project: Any) -> None:
    project = ledger_project()
    assert project.gates("signoff", "All tests pass", "--by", "ana") == (
        2,
        "",
        "gates: error: pyproject.toml: tool.gates.checklist: no manual item 'All tests pass' to"
        " sign off (items: 'CHANGELOG reviewed', 'docs reviewed', 'blog post drafted')\n",
    )
    assert _records(project) == []


def test_release_manager_can_turn_go_into_no_go_with_a_reason(ledger_project: Any) -> None:
    project = ledger_project()
    project.record_run(10, 0, 0, 90.0)

    code = project.gates("decide", "--no-go", "--by", "rm", "--reason", "bad smell")[0]

    assert code == 1
    decision = _records(project)[0].payload
    assert (decision["verdict"], decision["decided_by"], decision["reason"]) == (
        "NO_GO",
        "rm",
        "bad smell",
    )
    assert decision["reasons"] == ["turned NO_GO by rm: bad smell"]


def test_no_go_needs_a_reason(ledger_project: Any) -> None:
    project = ledger_project()
    project.record_run(10, 0, 0, 90.0)
    assert project.gates("decide", "--no-go", "--by", "rm") == (
        2,
        "",
        "gates: error: decide: --no-go needs --reason (say why the release is stopped)\n",
    )
    assert _records(project) == []


def test_no_flag_turns_a_no_go_into_go(ledger_project: Any) -> None:
    project = ledger_project()
    project.record_run(9, 1, 0, 90.0)
    code, out, _ = project.gates("decide", "--by", "boss", "--reason", "ship it anyway", "--json")
    assert (code, json.loads(out)["verdict"]) == (1, "NO_GO")
    assert project.gates("decide", "--go")[0] == 2  # there is no such flag


def test_the_decision_carries_its_ledger_hashes_and_who_decided(
    ledger_project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = ledger_project()
    project.record_run(10, 0, 0, 90.0)
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/demo")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")

    project.gates("decide")
    project.gates("decide")

    first, second = _records(project)
    written = json.loads((project.root / ".gates" / "decision.json").read_text())
    assert (written["prev_hash"], written["hash"]) == (first.hash, second.hash)
    assert written["decided_by"] == "https://github.example/acme/demo/actions/runs/42"
    assert second.kind is RecordKind.DECISION


@pytest.mark.parametrize(
    ("checklist", "message"),
    [
        (
            'must = [{ item = "Tests pass", gate = "nope" }]',
            "pyproject.toml:5: tool.gates.checklist.must[0].gate: unknown gate 'nope' (known:"
            " lint, typecheck, tests, coverage, buckets, package, smoke)",
        ),
        (
            'must = [{ gate = "tests" }]',
            "pyproject.toml:5: tool.gates.checklist.must[0].item: required: what the item checks",
        ),
        (
            'should = [{ item = "x", gate = "tests", owner = "me" }]',
            "pyproject.toml:5: tool.gates.checklist.should[0].owner: unknown key",
        ),
        (
            'must = ["docs"]\ncould = ["docs"]',
            "pyproject.toml:6: tool.gates.checklist.could: item 'docs' is listed twice",
        ),
        ("must = [3]", "pyproject.toml:5: tool.gates.checklist.must: item 0: expected an item"
         " name or a table"),
        ("must = \"docs\"", "pyproject.toml:5: tool.gates.checklist.must: expected a list, got a"
         " string"),
        ("wont = []", "pyproject.toml:5: tool.gates.checklist.wont: unknown key"),
    ],
)  # fmt: skip
def test_bad_checklist_config_names_file_key_and_line(
    ledger_project: Any, checklist: str, message: str
) -> None:
    project = ledger_project(
        f'[tool.gates]\nrequired = ["tests"]\n\n[tool.gates.checklist]\n{checklist}\n'
    )
    assert project.gates("checklist") == (2, "", f"gates: error: {message}\n")


def test_decision_md_and_the_step_summary_say_who_why_where_and_the_checklist(
    ledger_project: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output.txt"))
    project = ledger_project()
    project.record_run(10, 0, 0, 90.0)
    project.gates("signoff", "CHANGELOG reviewed", "--by", "ana", "--note", "read it twice")

    code, _, _ = project.gates(
        "decide", "--environment", "staging", "--by", "bo", "--reason", "nightly\nrelease train"
    )

    assert code == 0
    written = (project.root / ".gates/decision.md").read_text()
    assert summary.read_text() == written + "\n"
    signed = next(r for r in _records(project) if r.kind is RecordKind.SIGNOFF)
    assert (
        "- Decided by: bo\n- Reason: nightly release train\n- Environment: staging\n"
    ) in written
    assert written.endswith(
        "### Checklist (2 of 4 checked)\n\n"
        f"- [x] CHANGELOG reviewed (must) — signed off by ana at {signed.created_at[:16]}:"
        " read it twice\n"
        "- [x] All tests pass (must) — gate tests: PASS\n"
        '- [ ] docs reviewed (should) — needs: gates signoff "docs reviewed" --by NAME\n'
        '- [ ] blog post drafted (could) — needs: gates signoff "blog post drafted" --by NAME\n'
    )
    recorded = _records(project)[-1].payload
    assert [(mark["item"], mark["checked"]) for mark in recorded["checklist"]] == [
        ("CHANGELOG reviewed", True),
        ("All tests pass", True),
        ("docs reviewed", False),
        ("blog post drafted", False),
    ]
    assert (recorded["decided_by"], recorded["reason"]) == ("bo", "nightly\nrelease train")
