"""The buckets gate end to end: real pytest runs in fixture projects, judged by the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gates.cli import main
from tests.buckets_support import (
    bind_to_tree,
    commit_on,
    make_project,
    run_pytest,
    set_gates_toml,
)

THREE_KINDS = {
    "tests/test_shop.py": """
        import pytest
        from shop import total

        def test_total_adds_up():
            assert total([1, 2]) == 3

        def test_total_with_tax():
            assert total([1, 2], 0.2) == 3.6

        def test_empty():
            assert total([]) == 0

        @pytest.mark.parametrize("n", range(6))
        def test_passes(n):
            assert total([n]) == n
    """,
    "tests/test_broken_import.py": "import shop_v2\n",
    "shop.py": """
        def total(items):
            return sum(items) + (1 if len(items) == 2 else 0)
    """,
}

TWO_RULES = """
[[tool.gates.buckets]]
name = "API signature changed"
severity = "critical"
match = { type = "TypeError", message = 'takes \\d+ positional argument' }
hypothesis = "total() lost its tax parameter"
owner = "shop-team"
files = ["shop.py"]
estimate = "1h"

[[tool.gates.buckets]]
name = "Totals off by one"
severity = "trivial"
max_failures = BUDGET
match = { nodeid = ["tests/test_shop.py::test_total_*"], type = "AssertionError" }
"""


def gates(root: Path, *args: str) -> int:
    return main(["buckets", "--root", str(root), *args])


def result_of(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, Any]:
    code = gates(root, "--json", *args)
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rules = TWO_RULES.replace("BUDGET", "0")
    root = make_project(tmp_path_factory.mktemp("shop"), THREE_KINDS, rules)
    run_pytest(root, root / ".gates/evidence/junit.xml")
    return root


def rules(root: Path, budget: int) -> None:
    set_gates_toml(root, TWO_RULES.replace("BUDGET", str(budget)))
    bind_to_tree(root, root / ".gates/evidence")


def buckets_by_name(data: Any) -> dict[str, Any]:
    return {b["name"]: b for b in data["details"]["buckets"]}


def ids_of(bucket: Any) -> list[str]:
    return [t["id"] for t in bucket["tests"]]


def test_each_failure_lands_in_its_bucket_and_uncategorized_blocks(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules(shop, budget=0)
    code, data = result_of(capsys, shop)
    assert code == 1
    assert data["status"] == "FAIL"
    found = buckets_by_name(data)
    assert ids_of(found["API signature changed"]) == ["tests/test_shop.py::test_total_with_tax"]
    assert ids_of(found["Totals off by one"]) == ["tests/test_shop.py::test_total_adds_up"]
    uncategorized = found["uncategorized"]
    assert ids_of(uncategorized) == ["tests/test_broken_import.py"]
    assert uncategorized["tests"][0]["type"] == "ModuleNotFoundError"
    assert (uncategorized["blocks"], uncategorized["why"]) == (
        True,
        "no rule catches these failures",
    )
    assert found["API signature changed"]["blocks"] is True
    assert found["API signature changed"]["id"] == "api-signature-changed"
    assert data["metrics"]["blocking_failures"] == 3


def test_trivial_bucket_over_budget_blocks_under_it_warns(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules(shop, budget=0)
    _, data = result_of(capsys, shop)
    trivial = buckets_by_name(data)["Totals off by one"]
    assert (trivial["blocks"], trivial["why"]) == (True, "1 failing, over its budget of 0")
    rules(shop, budget=1)
    _, data = result_of(capsys, shop)
    trivial = buckets_by_name(data)["Totals off by one"]
    assert (trivial["blocks"], trivial["why"]) == (False, "1 failing, within its budget of 1")
    assert (
        "Totals off by one: 1 failing (1 failing, within its budget of 1)"
        in (data["details"]["warnings"])
    )


def test_markdown_report_has_the_seed_shape(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules(shop, budget=0)
    assert gates(shop) == 1
    out = capsys.readouterr().out
    assert "**Totals:** 7 passed, 2 failed, 1 errors, 0 skipped, 0 flaky" in out
    assert "### 1. API signature changed — CRITICAL — 1 test(s) — BLOCKING" in out
    assert "- Hypothesis: total() lost its tax parameter" in out
    assert "- Files: `shop.py`" in out
    assert "- Owner: shop-team" in out
    assert "### 3. uncategorized — CRITICAL — 1 test(s) — BLOCKING" in out
    assert out.index("**Totals:**") < out.index("### 1. ")


def test_expired_quarantine_blocks_and_says_when(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_gates_toml(
        shop,
        """
        [[tool.gates.buckets]]
        name = "quarantined"
        severity = "low"
        expires = 2020-01-31
        match = { outcome = ["failed", "error"] }
        """,
    )
    bind_to_tree(shop, shop / ".gates/evidence")
    code, data = result_of(capsys, shop)
    assert code == 1
    bucket = buckets_by_name(data)["quarantined"]
    assert (bucket["blocks"], bucket["why"]) == (True, "quarantine expired on 2020-01-31")


def test_bucket_waiver_is_reported_as_used(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_gates_toml(
        shop,
        """
        [[tool.gates.buckets]]
        name = "everything"
        severity = "high"
        match = { outcome = ["failed", "error"] }

        [[tool.gates.waivers]]
        gate = "buckets"
        bucket = "everything"
        reason = "fixing in 1.0.1"
        owner = "release-manager"
        expires = 2999-01-01
        """,
    )
    bind_to_tree(shop, shop / ".gates/evidence")
    code, data = result_of(capsys, shop)
    assert (code, data["status"]) == (0, "WARN")
    (used,) = data["details"]["waivers_used"]
    assert (used["bucket"], used["owner"]) == ("everything", "release-manager")
    assert buckets_by_name(data)["everything"]["why"] == (
        "high bucket; waived by release-manager: fixing in 1.0.1"
    )


def test_waiver_for_an_unknown_bucket_is_reported(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules(shop, budget=0)
    set_gates_toml(
        shop,
        TWO_RULES.replace("BUDGET", "0")
        + """
        [[tool.gates.waivers]]
        gate = "buckets"
        bucket = "typo"
        reason = "r"
        owner = "qa"
        expires = 2999-01-01
        """,
    )
    bind_to_tree(shop, shop / ".gates/evidence")
    _, data = result_of(capsys, shop)
    assert "waiver for unknown bucket 'typo' (qa)" in data["details"]["warnings"]
    assert data["details"]["waivers_used"] == []


def test_dead_rule_is_reported(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_gates_toml(
        shop,
        TWO_RULES.replace("BUDGET", "5")
        + """
        [[tool.gates.buckets]]
        name = "gone"
        severity = "low"
        match = { nodeid = "tests/test_removed.py::*" }
        """,
    )
    bind_to_tree(shop, shop / ".gates/evidence")
    _, data = result_of(capsys, shop)
    assert data["details"]["dead_rules"] == ["gone"]
    assert "1 rule(s) matched nothing (dead): gone" in data["details"]["warnings"]


MOSTLY_BROKEN = {
    "tests/test_service.py": """
        import socket
        import pytest

        @pytest.mark.parametrize("port", range(8))
        def test_service(port):
            socket.create_connection(("127.0.0.1", 1), timeout=1)

        def test_local_one():
            assert True

        def test_local_two():
            assert True
    """
}


def test_mass_failure_is_called_a_broken_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path, MOSTLY_BROKEN)
    run_pytest(root, root / ".gates/evidence/junit.xml")
    code, data = result_of(capsys, root)
    assert code == 1
    mass = data["details"]["mass_failure"]
    assert mass["percent"] == 80.0
    assert mass["count"] == 8
    assert mass["signature"].startswith("ConnectionRefusedError: [Errno <N>] Connection refused")
    assert "the environment is likely broken" in data["summary"]
    assert gates(root) == 1
    assert "**Likely broken environment:** 80.0% of executed tests fail" in capsys.readouterr().out


RISKY = {
    "tests/test_risky.py": """
        def test_checks():
            assert 2 + 2 == 4

        def test_checks_nothing():
            sum([1, 2])
    """
}


@pytest.mark.parametrize(("max_risky", "code", "status"), [(0, 1, "FAIL"), (1, 0, "WARN")])
def test_risky_tests_are_listed_and_gated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], max_risky: int, code: int, status: str
) -> None:
    root = make_project(tmp_path, RISKY, f"[tool.gates.tests]\nmax_risky = {max_risky}\n")
    evidence = root / ".gates/evidence"
    plugin = ("-p", "gates.pytest_plugin", "-o", "enable_assertion_pass_hook=true")
    run_pytest(root, evidence / "junit.xml", *plugin)
    assert result_of(capsys, root)[0] == code
    _, data = result_of(capsys, root)
    assert data["status"] == status
    assert data["details"]["risky"] == ["tests/test_risky.py::test_checks_nothing"]
    assert data["thresholds"][-1]["area"] == "risky tests"


def test_max_risky_without_the_plugin_record_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path, RISKY, "[tool.gates.tests]\nmax_risky = 0\n")
    run_pytest(root, root / ".gates/evidence/junit.xml")
    assert gates(root) == 2
    assert capsys.readouterr().err == (
        "gates: error: max_risky is set but no risky-test record (risky*.json) was found beside "
        "the JUnit files: run the tests with 'gates tests'\n"
    )
    recorded = json.loads((root / ".gates/results/buckets.json").read_text())
    assert recorded["status"] == "ERROR"


def test_pass_and_skip_rate_thresholds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = {
        "tests/test_rates.py": """
            import pytest

            def test_a():
                assert True

            @pytest.mark.skip(reason="later")
            def test_b():
                pass
        """
    }
    toml = "[tool.gates.tests]\nmin_pass_rate = 100\nmax_skip_rate = 10\n"
    root = make_project(tmp_path, suite, toml)
    run_pytest(root, root / ".gates/evidence/junit.xml")
    code, data = result_of(capsys, root)
    assert code == 1
    assert data["details"]["problems"] == ["skip rate 50% misses 10%"]
    areas = {t["area"]: (t["current"], t["met"]) for t in data["thresholds"]}
    assert areas["pass rate"] == (100.0, True)
    assert areas["skip rate"] == (50.0, False)


def test_evidence_from_another_tree_is_an_error(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules(shop, budget=0)
    bind_to_tree(shop, shop / ".gates/evidence", tree="0" * 40)
    assert gates(shop) == 2
    assert capsys.readouterr().err.startswith(
        f"gates: error: {shop / '.gates/evidence/meta.json'}: JUnit from another tree "
        "(000000000000, current tree is "
    )
    recorded = json.loads((shop / ".gates/results/buckets.json").read_text())
    assert recorded["status"] == "ERROR"
    bind_to_tree(shop, shop / ".gates/evidence")


def test_missing_evidence_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path, {})
    assert gates(root) == 2
    assert capsys.readouterr().err == (
        "gates: error: .gates/evidence/junit*.xml: no JUnit file matches "
        "(run 'gates tests' or pass --junit)\n"
    )


def test_comparison_with_a_baseline(
    shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules(shop, budget=0)
    _, before = result_of(capsys, shop)
    before["details"]["failing"] = ["tests/test_shop.py::test_empty", "tests/test_gone.py::x"]
    before["details"]["flaky"] = []
    baseline = tmp_path / "previous.json"
    baseline.write_text(json.dumps(before))
    _, data = result_of(capsys, shop, "--baseline", str(baseline))
    comparison = data["details"]["comparison"]
    assert comparison["new"] == [
        "tests/test_broken_import.py",
        "tests/test_shop.py::test_total_adds_up",
        "tests/test_shop.py::test_total_with_tax",
    ]
    assert comparison["fixed"] == ["tests/test_shop.py::test_empty"]
    assert comparison["still_failing"] == []
    assert gates(shop, "--baseline", str(baseline)) == 1
    out = capsys.readouterr().out
    assert out.index("### Since the previous run") < out.index("### 1. ")


def test_shard_folders_merge_and_rerun_success_is_flaky(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = {
        "tests/test_net.py": """
            import os

            def test_sometimes():
                assert os.environ["SHARD"] == "2"

            def test_always():
                assert True
        """
    }
    root = make_project(tmp_path, suite)
    (root / ".gitignore").write_text(".gates/\nshards/\n")  # CI downloads shard artifacts here
    run_pytest(root, root / "shards/1/junit.xml", env={"SHARD": "1"})
    run_pytest(root, root / "shards/2/junit.xml", env={"SHARD": "2"})
    code, data = result_of(capsys, root, "--junit", "shards/1", "shards/2")
    assert (code, data["status"]) == (0, "WARN")
    assert data["details"]["flaky"] == ["tests/test_net.py::test_sometimes"]
    assert data["metrics"]["failed"] == 0


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[[tool.gates.buckets]]\nname = "x"\nseverity = "high"\nmatch = { message = "(" }\n',
            "pyproject.toml:10: tool.gates.buckets[0].match.message: invalid regex '(': "
            "missing ), unterminated subpattern at position 0",
        ),
        (
            '[[tool.gates.buckets]]\nname = "x"\nseverity = "urgent"\nmatch = { type = "E" }\n',
            "pyproject.toml:9: tool.gates.buckets[0].severity: expected one of critical, high, "
            "medium, low, trivial, got 'urgent'",
        ),
        (
            '[[tool.gates.buckets]]\nname = "x"\nseverity = "low"\nmatch = { typ = "E" }\n',
            "pyproject.toml:10: tool.gates.buckets[0].match.typ: unknown key",
        ),
        (
            '[[tool.gates.buckets]]\nname = "x"\nseverity = "low"\n',
            "pyproject.toml:7: tool.gates.buckets[0].match: required: a table of nodeid, type, "
            "message, trace and/or outcome",
        ),
        (
            "[tool.gates.tests]\nmax_failure_ratio = 150\n",
            "pyproject.toml:8: tool.gates.tests.max_failure_ratio: must be between 0 and 100, "
            "got 150",
        ),
        (
            '[[tool.gates.buckets]]\nname = "x"\nmatch = { type = "E" }\n',
            "pyproject.toml:7: tool.gates.buckets[0].severity: required: one of critical, high, "
            "medium, low, trivial",
        ),
    ],
    ids=["bad-regex", "bad-severity", "unknown-match-key", "no-match", "ratio", "no-severity"],
)
def test_config_errors_name_file_key_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str
) -> None:
    root = make_project(tmp_path, {}, toml)
    assert gates(root) == 2
    assert capsys.readouterr().err == f"gates: error: {message}\n"


def test_bucket_waiver_gives_go_with_waivers_and_the_decision_is_the_next_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = {
        "tests/test_app.py": """
            import os

            def test_stable():
                assert True

            def test_known_bug():
                assert os.environ.get("FIXED") == "1", "known bug 12"
        """
    }
    waived = """
        [[tool.gates.buckets]]
        name = "known-bug"
        severity = "high"
        match = { message = 'known bug \\d+' }

        [[tool.gates.waivers]]
        gate = "buckets"
        bucket = "known-bug"
        reason = "fix in 1.0.1"
        owner = "release-manager"
        expires = 2999-12-31
    """
    root = make_project(tmp_path, suite, waived)
    commit_on(root, "main")
    run_pytest(root, root / ".gates/evidence/junit.xml")
    assert gates(root) == 0
    capsys.readouterr()
    assert main(["decide", "--root", str(root), "--json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["verdict"] == "GO_WITH_WAIVERS"
    assert [(w["gate"], w["bucket"]) for w in decision["waivers"]] == [("buckets", "known-bug")]

    run_pytest(root, root / ".gates/evidence/junit.xml", env={"FIXED": "1"})
    _, data = result_of(capsys, root)
    comparison = data["details"]["comparison"]
    when = decision["created_at"][:16].replace("T", " ")
    assert comparison["baseline"] == f"decision {decision['id']} on main (GO_WITH_WAIVERS, {when})"
    assert comparison["fixed"] == ["tests/test_app.py::test_known_bug"]
    assert comparison["new"] == []


def test_gates_tests_then_buckets_lists_risky_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path, RISKY, "[tool.gates.tests]\nmax_risky = 0\n")
    assert main(["tests", "--root", str(root), "--evidence"]) == 0
    capsys.readouterr()
    code, data = result_of(capsys, root)
    assert (code, data["status"]) == (1, "FAIL")
    assert data["details"]["risky"] == ["tests/test_risky.py::test_checks_nothing"]
    assert data["details"]["warnings"] == ["1 risky test(s) passed without a single assertion"]


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + ']><testsuite><testcase classname="x" name="y"><failure message="&i;"/></testcase>'
    "</testsuite>"
)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            LAUGHS,
            "refused unsafe XML (EntitiesForbidden: entity declarations and external "
            "references are not allowed in test reports)",
        ),
        ("", "empty file (the test run wrote no report)"),
        (
            '<testsuite name="pytest"><testcase classname="a" name="b">',
            "not well-formed XML (truncated?): no element found: line 1, column 58",
        ),
        (
            '<testsuite name="pytest" tests="0"/>',
            "no test cases (the run collected nothing or was aborted)",
        ),
    ],
    ids=["billion-laughs", "empty", "truncated", "zero-testcases"],
)
def test_unusable_evidence_is_recorded_as_error_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, reason: str
) -> None:
    root = make_project(tmp_path, {})
    junit = root / ".gates/evidence/junit.xml"
    junit.parent.mkdir(parents=True)
    junit.write_text(content)
    bind_to_tree(root, junit.parent)
    assert gates(root) == 2
    assert capsys.readouterr().err == f"gates: error: {junit}: {reason}\n"
    recorded = json.loads((root / ".gates/results/buckets.json").read_text())
    assert (recorded["status"], recorded["summary"]) == ("ERROR", f"{junit}: {reason}")
    assert main(["decide", "--root", str(root), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["verdict"] == "NO_GO"


def test_baseline_can_be_a_previous_junit_file_and_a_bad_one_is_an_error(
    shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules(shop, budget=0)
    previous = tmp_path / "previous-junit.xml"
    previous.write_bytes((shop / ".gates/evidence/junit.xml").read_bytes())
    _, data = result_of(capsys, shop, "--baseline", str(previous))
    comparison = data["details"]["comparison"]
    assert (comparison["new"], comparison["fixed"]) == ([], [])
    assert len(comparison["still_failing"]) == 3
    bad = tmp_path / "previous.json"
    bad.write_text('{"gate": "lint"}')
    assert gates(shop, "--baseline", str(bad)) == 2
    assert capsys.readouterr().err == (
        f"gates: error: {bad}: no buckets result with a 'failing' list to compare with\n"
    )
