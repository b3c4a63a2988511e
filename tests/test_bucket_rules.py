"""``[[tool.gates.buckets]]`` rules: ids, severities, budgets and match tables, one-line errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gates.bucket_rules import BucketRule, Severity, bucket_rules
from gates.errors import ConfigError
from gates.toml_table import Table


def rules_of(tmp_path: Path, text: str) -> tuple[BucketRule, ...]:
    file = tmp_path / "pyproject.toml"
    file.write_text(text, encoding="utf-8")
    gates = Table(tomllib.loads(text), [], file).table("tool").table("gates")
    return bucket_rules(gates.tables("buckets"))


def test_a_rule_reads_back_with_its_defaults(tmp_path: Path) -> None:
    (rule,) = rules_of(
        tmp_path,
        '[[tool.gates.buckets]]\nname = "Server Init!"\nseverity = "high"\n'
        'match = { nodeid = "tests/test_server.py::*", outcome = "error" }\nmax_failures = 2\n',
    )
    assert (rule.id, rule.severity, rule.blocking, rule.max_failures) == (
        "server-init",
        Severity.HIGH,
        True,
        2,
    )
    assert rule.match.nodeid_pattern is not None
    assert rule.match.nodeid_pattern.match("tests/test_server.py::test_routes")
    assert rule.match.outcome == ("error",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'name = "a"\nseverity = "low"\nmatch = { type = "E" }\nmax_failures = -2\n',
            "pyproject.toml:5: tool.gates.buckets[0].max_failures: must be between 0 and "
            "1000000000, got -2",
        ),
        (
            'name = "a"\nseverity = "low"\nmatch = { type = "E" }\nmax_failures = 1.5\n',
            "pyproject.toml:5: tool.gates.buckets[0].max_failures: expected an integer, got a "
            "number",
        ),
        (
            'name = "a"\nseverity = "urgent"\nmatch = { type = "E" }\n',
            "pyproject.toml:3: tool.gates.buckets[0].severity: expected one of critical, high, "
            "medium, low, trivial, got 'urgent'",
        ),
        (
            'name = "Uncategorized"\nseverity = "low"\nmatch = { type = "E" }\n',
            "pyproject.toml:2: tool.gates.buckets[0].name: 'Uncategorized' cannot be used: give "
            "the bucket another name or an id",
        ),
        (
            'name = "a"\nseverity = "low"\nmatch = { outcome = "passed" }\n',
            "pyproject.toml:4: tool.gates.buckets[0].match.outcome: expected failed or error, "
            "got 'passed'",
        ),
        (
            'name = "a"\nseverity = "low"\nmatch = { message = "(" }\n',
            "pyproject.toml:4: tool.gates.buckets[0].match.message: invalid regex '(': missing ), "
            "unterminated subpattern at position 0",
        ),
    ],
)
def test_bad_rules_are_one_line_errors(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        rules_of(tmp_path, f"[[tool.gates.buckets]]\n{body}")
    assert str(caught.value) == message


def test_two_rules_with_one_id_are_refused(tmp_path: Path) -> None:
    rule = 'severity = "low"\nmatch = { type = "E" }\n'
    text = f'[[tool.gates.buckets]]\nname = "DB down"\n{rule}\n[[tool.gates.buckets]]\n'
    text += f'name = "db-down"\n{rule}'
    with pytest.raises(ConfigError) as caught:
        rules_of(tmp_path, text)
    assert str(caught.value) == (
        "pyproject.toml:7: tool.gates.buckets[1].name: bucket id 'db-down' is already used by "
        "'DB down'"
    )
