"""Failures into buckets: the first matching rule wins; a bucket's verdict from its severity,
budget, quarantine and waivers."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from gates.bucket_rules import BucketRule, bucket_rules
from gates.bucket_sort import matches, sort_into_buckets, verdict
from gates.junit import Outcome, TestCase
from gates.model import Waiver
from gates.toml_table import Table

TODAY = dt.date(2026, 12, 5)
RULES = """
[[tool.gates.buckets]]
name = "network"
severity = "high"
match = { type = "ConnectionError" }

[[tool.gates.buckets]]
name = "api"
severity = "low"
max_failures = 1
match = { nodeid = "tests/test_api.py::*" }

[[tool.gates.buckets]]
name = "quarantined"
severity = "medium"
blocking = false
expires = 2026-12-01
match = { message = "flaky" }
"""


@pytest.fixture
def rules(tmp_path: Path) -> tuple[BucketRule, ...]:
    file = tmp_path / "pyproject.toml"
    file.write_text(RULES, encoding="utf-8")
    gates = Table(tomllib.loads(RULES), [], file).table("tool").table("gates")
    return bucket_rules(gates.tables("buckets"))


def failing(nodeid: str, kind: str, message: str = "") -> TestCase:
    return TestCase(nodeid, Outcome.FAILED, message=message, exception_type=kind)


def test_the_first_matching_rule_wins_and_the_rest_is_uncategorized(
    rules: tuple[BucketRule, ...],
) -> None:
    both = failing("tests/test_api.py::test_get", "requests.ConnectionError")
    api = failing("tests/test_api.py::test_post", "KeyError")
    other = failing("tests/test_db.py::test_x", "KeyError")
    caught, rest = sort_into_buckets([both, api, other], rules)
    assert caught == {"network": [both], "api": [api], "quarantined": []}
    assert rest == [other]
    assert matches(rules[0].match, both) and not matches(rules[0].match, api)


def test_a_budget_blocks_only_past_it_and_an_expired_quarantine_blocks(
    rules: tuple[BucketRule, ...],
) -> None:
    _, api, quarantined = rules
    assert verdict(api, 1, waivers=(), today=TODAY, version="1.0") == (
        False,
        "1 failing, within its budget of 1",
        None,
    )
    assert verdict(api, 2, waivers=(), today=TODAY, version="1.0") == (
        True,
        "2 failing, over its budget of 1",
        None,
    )
    assert verdict(quarantined, 1, waivers=(), today=TODAY, version="1.0") == (
        True,
        "quarantine expired on 2026-12-01",
        None,
    )


def test_a_waiver_for_the_bucket_lets_it_pass_until_it_expires(
    rules: tuple[BucketRule, ...],
) -> None:
    network = rules[0]
    waiver = Waiver("buckets", "proxy down", "ops", expires=TODAY, bucket="network")
    assert verdict(network, 3, waivers=[waiver], today=TODAY, version="1.0") == (
        False,
        "high bucket; waived by ops: proxy down",
        waiver,
    )
    tomorrow = TODAY + dt.timedelta(days=1)
    assert verdict(network, 3, waivers=[waiver], today=tomorrow, version="1.0") == (
        True,
        "high bucket; waiver expired on 2026-12-05",
        None,
    )
