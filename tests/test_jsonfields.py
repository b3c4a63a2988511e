"""The checked JSON reader: any JSON read back as a result or a decision either parses or raises
one ValueError naming the key — never a KeyError, TypeError or AttributeError from deep inside."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.checkmark import ChecklistMark
from gates.jsonfields import ByField, Fields, JSONValue, read_by_field
from gates.model import Decision, GateResult, MetricValue, Status, Threshold

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
        GateResult.from_dict(data, "result")
    except ValueError as exc:
        assert str(exc).startswith("result")


@settings(max_examples=150, deadline=None)
@given(_objects(DECISION_KEYS))
def test_any_json_as_a_decision_parses_or_names_the_key(data: object) -> None:
    try:
        Decision.from_dict(data, "decision")
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
        GateResult.from_dict(data, "result")
    assert str(raised.value) == message


def test_a_result_survives_its_json_round_trip() -> None:
    result = GateResult("lint", Status.FAIL, "1 finding", {"findings": 1, "rate": 0.5, "x": None})
    assert GateResult.from_dict(json.loads(json.dumps(result.to_dict())), "result") == result


def test_a_waiver_date_that_is_not_a_date_is_named() -> None:
    data = {"id": "d", "verdict": "GO", "tree": "t", "waivers": [
        {"gate": "lint", "reason": "r", "owner": "o", "expires": "soon"}]}  # fmt: skip
    with pytest.raises(ValueError) as raised:
        Decision.from_dict(data, "decision")
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


@dataclass(frozen=True)
class Every(ByField):
    """A field of each type :func:`read_by_field` reads."""

    name: str
    status: Status
    ratio: float
    count: int
    on: bool
    note: str | None
    limit: float | None
    line: int | None
    until: dt.date | None
    headline: Threshold | None
    thresholds: tuple[Threshold, ...]
    tags: tuple[str, ...]
    tools: Mapping[str, str]
    accept: Mapping[str, float]
    metrics: Mapping[str, MetricValue]
    details: Mapping[str, JSONValue]
    summary: str = "none"
    extra: tuple[str, ...] = field(default_factory=tuple)

    JSON_ABSENT: ClassVar[Mapping[str, object]] = {"on": True}


def test_read_by_field_reads_every_field_as_its_type_declares_and_round_trips() -> None:
    every = Every(
        "n", Status.WARN, 0.5, 3, False, "x", 1.5, 7, dt.date(2026, 1, 2),
        Threshold("total", 80, 70, "%"), (Threshold("a", 1, 2),), ("t",), {"ruff": "0.6"},
        {"min_total": 80.0}, {"n": 1, "r": 0.5, "s": "x", "z": None}, {"any": [1, {"b": None}]},
        "s", ("e",),
    )  # fmt: skip
    assert Every.from_dict(json.loads(json.dumps(every.to_dict())), "every") == every


def test_read_by_field_fills_absent_keys_and_names_a_missing_required_one() -> None:
    read = Every.from_dict({"name": "n", "status": "PASS", "ratio": 1, "count": 0}, "every")
    assert (read.on, read.summary, read.extra, read.note, read.until, read.headline) == (
        True, "none", (), None, None, None)  # fmt: skip
    assert (read.thresholds, read.tags, read.tools, read.metrics, read.details) == (
        (),
        (),
        {},
        {},
        {},
    )
    with pytest.raises(ValueError) as raised:
        Every.from_dict({"name": "n", "status": "PASS", "ratio": 1}, "every")
    assert str(raised.value) == "every.count: expected a whole number, got null"
    null: dict[str, object] = {"summary": None}
    with pytest.raises(ValueError) as raised:  # present but null is read, not defaulted
        Every.from_dict({"name": "n", "status": "PASS", "ratio": 1, "count": 0} | null, "every")
    assert str(raised.value) == "every.summary: expected a string, got null"


def test_read_by_field_reads_an_empty_nested_object_as_none_and_names_a_bad_one() -> None:
    data = {"name": "n", "status": "PASS", "ratio": 1, "count": 0, "headline": {}}
    assert Every.from_dict(data, "every").headline is None
    with pytest.raises(ValueError) as raised:
        Every.from_dict({**data, "headline": {"area": "t", "target": "high"}}, "every")
    assert str(raised.value) == "every.headline.target: expected a number, got a string"


def test_read_by_field_refuses_a_field_type_it_has_no_reader_for() -> None:
    @dataclass(frozen=True)
    class Odd:
        when: dt.datetime

    @dataclass(frozen=True)
    class Nested:
        odd: tuple[dt.datetime, ...]

    with pytest.raises(TypeError) as raised:
        read_by_field(Odd, {"when": "2026-01-02T00:00:00"}, "odd")
    assert str(raised.value) == "no JSON reader for a field of type <class 'datetime.datetime'>"
    with pytest.raises(TypeError) as raised:
        read_by_field(Nested, {"odd": []}, "nested")
    assert str(raised.value) == "no JSON reader for a field of type tuple[datetime.datetime, ...]"
