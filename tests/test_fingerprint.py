"""Failure signatures and clusters; a suggested rule, pasted into config, catches its cluster."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gates import fingerprint
from gates.cli import main
from gates.junit import Outcome, TestCase
from tests.buckets_support import bind_to_tree, make_project, run_pytest, set_gates_toml


def test_mask_hides_what_varies_between_runs() -> None:
    assert fingerprint.mask(
        "user 42 at 0x7f3a9c with id 'abc' failed at 2026-11-23T17:48:42.5+00:00 "
        "in /srv/app/data.json, request 123e4567-e89b-12d3-a456-426614174000, sha 9f86d081884c"
    ) == ("user <N> at <HEX> with id <STR> failed at <TIME> in <PATH>, request <UUID>, sha <HEX>")


def test_message_pattern_matches_every_message_of_the_shape() -> None:
    pattern = fingerprint.message_pattern(fingerprint.mask("got 3 (expected 'a.b') at 0xff"))
    assert (
        pattern == r"""got \d+(?:\.\d+)? \(expected (?:'[^']*'|"[^"]*")\) at (?:0x)?[0-9a-fA-F]+"""
    )
    assert re.search(pattern, 'got 10 (expected "x") at 0x1')
    assert not re.search(pattern, "got ten (expected 'a') at 0x1")


def case(
    message: str, trace: str = "", kind: str = "ValueError", nodeid: str = "t.py::a"
) -> TestCase:
    return TestCase(nodeid, Outcome.FAILED, message=message, exception_type=kind, traceback=trace)


def test_signature_uses_the_innermost_project_frame() -> None:
    trace = (
        "tests/test_x.py:5: in test_x\n    client.get()\n"
        "/usr/lib/python3.11/site-packages/httpx/_client.py:100: in get\n    ...\n"
        "src/app/api.py:12: in handler\n    raise ValueError\n"
        "/usr/lib/python3.11/site-packages/lib.py:3: ValueError"
    )
    sig = fingerprint.signature(case("ValueError: bad id 7", trace))
    assert (sig.exception_type, sig.message, sig.frame) == (
        "ValueError",
        "bad id <N>",
        "src/app/api.py",
    )
    assert str(sig) == "ValueError: bad id <N> @ src/app/api.py"


CLUSTERED = {
    "tests/test_orders.py": """
        import pytest
        from orders import load

        @pytest.mark.parametrize("order", [17, 256, 4096])
        def test_load_order(order):
            load(order)

        @pytest.mark.parametrize("name", ["alice", "bob"])
        def test_load_customer(name):
            assert name == "carol", f"customer {name!r} not found"

        def test_ok():
            assert True
    """,
    "orders.py": """
        def load(order):
            raise LookupError(f"order {order} missing from shard 0x{order:x}")
    """,
}


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("orders"), CLUSTERED, "[tool.gates.tests]\n")
    # Below the mass-failure line: the clustering, not the breaker, is under test.
    set_gates_toml(root, "[tool.gates.tests]\nmax_failure_ratio = 100\n")
    run_pytest(root, root / ".gates/evidence/junit.xml")
    return root


def buckets_json(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    main(["buckets", "--root", str(root), "--json"])
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def test_failures_differing_only_by_values_form_one_cluster(
    orders: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = buckets_json(orders, capsys)
    clusters = data["details"]["clusters"]  # type: ignore[index]
    summary = [(c["signature"], c["count"]) for c in clusters]
    assert summary == [
        ("LookupError: order <N> missing from shard <HEX> @ orders.py", 3),
        ("AssertionError: customer <STR> not found @ tests/test_orders.py", 2),
    ]
    assert all(c["exact"] for c in clusters)


def test_suggested_rule_pasted_into_config_catches_exactly_its_cluster(
    orders: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_gates_toml(orders, "[tool.gates.tests]\nmax_failure_ratio = 100\n")
    bind_to_tree(orders, orders / ".gates/evidence")
    first = buckets_json(orders, capsys)["details"]["clusters"][0]  # type: ignore[index]
    set_gates_toml(orders, "[tool.gates.tests]\nmax_failure_ratio = 100\n\n" + first["rule"] + "\n")
    bind_to_tree(orders, orders / ".gates/evidence")
    data = buckets_json(orders, capsys)
    buckets = {b["name"]: b for b in data["details"]["buckets"]}  # type: ignore[index]
    assert set(buckets) == {first["rule"].split('"')[1], "uncategorized"}
    pasted = buckets[first["rule"].split('"')[1]]
    assert sorted(t["id"] for t in pasted["tests"]) == sorted(first["tests"])
    assert sorted(t["id"] for t in buckets["uncategorized"]["tests"]) == [
        "tests/test_orders.py::test_load_customer[alice]",
        "tests/test_orders.py::test_load_customer[bob]",
    ]
    assert data["details"]["dead_rules"] == []  # type: ignore[index]


def test_rule_is_narrowed_when_type_and_message_catch_more() -> None:
    same_message_elsewhere = [case("ValueError: bad 1", "a.py:1: ValueError", nodeid="a.py::x")]
    cluster_cases = [
        case("ValueError: bad 2", "b.py:1: ValueError", nodeid="b.py::y"),
        case("ValueError: bad 3", "b.py:1: ValueError", nodeid="b.py::z"),
    ]

    def compile_rule(rule: dict[str, str | list[str]]):  # type: ignore[no-untyped-def]
        globs = rule.get("nodeid", ["*"])
        return lambda c: (
            c.exception_type == rule["type"]
            and any(re.fullmatch(g.replace("*", ".*"), c.nodeid) for g in globs)
        )

    clusters = fingerprint.cluster(cluster_cases, compile_rule, others=same_message_elsewhere)
    assert clusters[0].rule["nodeid"] == ["b.py::*"]
    assert clusters[0].exact
