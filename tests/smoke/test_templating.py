"""Placeholders: ``{name}`` filled at run time, ``{{name}}`` literal, environment values inert."""

from __future__ import annotations

from gates.smoke.templating import literal, missing, placeholders, render, render_value


def test_render_fills_placeholders_and_keeps_literal_braces() -> None:
    values = {"id": "7", "run_id": "r1"}

    assert render("/leads/{id}?run={run_id}&x={{id}}", values) == "/leads/7?run=r1&x={id}"
    assert render('{"raw": {1, 2}}', values) == '{"raw": {1, 2}}'


def test_render_value_fills_keys_and_nested_values() -> None:
    document = {"name-{id}": ["{id}", 3, {"deep": "{run_id}"}], "flag": True}

    assert render_value(document, {"id": "7", "run_id": "r1"}) == {
        "name-7": ["7", 3, {"deep": "r1"}],
        "flag": True,
    }


def test_placeholders_and_the_first_one_missing() -> None:
    assert placeholders("/a/{x}/{{y}}/{z}") == ["x", "z"]
    assert missing("/a/{x}/{{y}}/{z}", {"x": "1"}) == "z"
    assert missing("/a/{x}", {"x": "1"}) is None


def test_an_environment_value_never_becomes_a_placeholder() -> None:
    text = literal("pw{run_id}")

    assert placeholders(text) == []
    assert render(text, {"run_id": "r1"}) == "pw{run_id}"
