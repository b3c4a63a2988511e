"""The checked JSON reader: any JSON read back as a result or a decision either parses or raises
one ValueError naming the key — never a KeyError, TypeError or AttributeError from deep inside."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.checkmark import ChecklistMark
from gates.jsonfields import ByField, Fields
from gates.model import Decision, GateResult, Status

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
RESULT_KEYS = ["gate", "status", "summary", "metrics", "findings", "thresholds", "details",
               "tree", "started_at", "duration_s", "tools"]  # fmt: skip
DECISION_KEYS = ["id", "verdict", "tree", "commit", "version", "gates", "waivers", "reasons",
                 "expired_waivers", "artifacts", "prev_hash", "hash"]  # fmt: skip


def _objects(keys: list[str]) -> st.SearchStrategy[object]:
    return json_values | st.fixed_dictionaries({}, optional=dict.fromkeys(keys, json_values))


@settings(max_examples=150, deadline=None)
@given(_objects(RESULT_KEYS))
def test_any_json_as_a_result_parses_or_names_the_key(data: object) -> None:
    try:
        GateResult.from_dict(data)
    except ValueError as exc:
        assert str(exc).startswith("result")


@settings(max_examples=150, deadline=None)
@given(_objects(DECISION_KEYS))
def test_any_json_as_a_decision_parses_or_names_the_key(data: object) -> None:
    try:
        Decision.from_dict(data)
    except ValueError as exc:
        assert str(exc).startswith("decision")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "result: expected an object, got a list"),
        ({"status": "PASS"}, "result.gate: expected a string, got null"),
        ({"gate": "lint", "status": "MAYBE"},
         "result.status: expected one of PASS, WARN, FAIL, ERROR, SKIP, got 'MAYBE'"),
        ({"gate": "lint", "status": "PASS", "metrics": {"n": [1]}},
         "result.metrics.n: expected a number, a string or null, got a list"),
        ({"gate": "lint", "status": "PASS", "thresholds": [{"area": "t", "target": True}]},
         "result.thresholds[0].target: expected a number, got a boolean"),
        ({"gate": "lint", "status": "PASS", "duration_s": float("nan")},
         "result.duration_s: expected a finite number, got nan"),
        ({"gate": "lint", "status": "PASS", "findings": {"message": "x"}},
         "result.findings: expected a list, got an object"),
    ],
)  # fmt: skip
def test_a_malformed_result_names_the_key(data: object, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        GateResult.from_dict(data)
    assert str(raised.value) == message


def test_a_result_survives_its_json_round_trip() -> None:
    result = GateResult("lint", Status.FAIL, "1 finding", {"findings": 1, "rate": 0.5, "x": None})
    assert GateResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_a_waiver_date_that_is_not_a_date_is_named() -> None:
    data = {"id": "d", "verdict": "GO", "tree": "t", "waivers": [
        {"gate": "lint", "reason": "r", "owner": "o", "expires": "soon"}]}  # fmt: skip
    with pytest.raises(ValueError) as raised:
        Decision.from_dict(data)
    assert str(raised.value) == "decision.waivers[0].expires: not a date: 'soon'"


def test_nested_fields_name_their_whole_path() -> None:
    fields = Fields({"a": {"b": [{"c": 1}]}}, "file.json")
    with pytest.raises(ValueError) as raised:
        fields.object("a").objects("b")[0].text("c")
    assert str(raised.value) == "file.json.a.b[0].c: expected a string, got a number"


def test_each_reads_every_object_of_a_list_with_its_place_and_none_when_absent() -> None:
    fields = Fields({"marks": [{"item": "a", "priority": "must"}, {"item": 3}]}, "decision")
    with pytest.raises(ValueError) as raised:
        fields.each("marks", ChecklistMark.from_dict)
    assert str(raised.value) == "decision.marks[1].item: expected a string, got a number"
    one = Fields({"marks": [{"item": "a", "priority": "must"}]}, "decision")
    assert one.each("marks", ChecklistMark.from_dict) == (ChecklistMark("a", "must", False, ""),)
    assert fields.each("absent", ChecklistMark.from_dict) == ()


def test_a_by_field_dataclass_writes_one_key_per_field_through_plain() -> None:
    @dataclass(frozen=True)
    class Row(ByField):
        name: str
        status: Status
        tags: tuple[str, ...] = ()

    assert Row("a", Status.WARN, ("x",)).to_dict() == {"name": "a", "status": "WARN", "tags": ["x"]}
