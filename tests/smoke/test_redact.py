"""Redaction catches a secret in the spellings it comes back in."""

from __future__ import annotations

from gates.smoke.redact import Redactor


def test_every_spelling_of_a_secret_is_masked() -> None:
    redactor = Redactor({'p@ss "word"/1'})

    text = redactor.text(
        'raw p@ss "word"/1, json "p@ss \\"word\\"/1", url p%40ss%20%22word%22%2F1, '
        "form p%40ss+%22word%22%2F1"
    )

    assert text == 'raw ***, json "***", url ***, form ***'


def test_longer_secret_is_masked_whole_and_nested_values_are_redacted() -> None:
    redactor = Redactor({"abc"})
    redactor.add("abcdef")
    redactor.add("")

    assert redactor.deep({"k-abc": ["abcdef", 1, ("abc",)]}) == {"k-***": ["***", 1, ["***"]]}


def test_nothing_to_redact_leaves_text_alone() -> None:
    assert Redactor().text("token abc") == "token abc"
    assert "abc" not in Redactor()
