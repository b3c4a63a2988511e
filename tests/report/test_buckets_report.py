"""Golden file for the buckets report, from a pure ``judge`` over fixed evidence.

Regenerate after an intended change with ``GATES_UPDATE_GOLD=1 nox -s tests``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from gold_support import check_gold

from gates import buckets, config, junit
from gates.junit import Outcome, Phase, TestCase
from gates.model import GateResult
from gates.report import buckets as buckets_report

RULES = """
[tool.gates]
required = ["buckets"]

[tool.gates.tests]
min_pass_rate = 90

[[tool.gates.buckets]]
name = "server-init"
severity = "critical"
match = { nodeid = ["tests/http/test_server.py::*"] }
hypothesis = "routes not registered when the app starts under test"
owner = "api-team"
files = ["app/server.py"]
estimate = "4-6h"
issue = "https://example.org/issues/12"

[[tool.gates.buckets]]
name = "cosmetic"
severity = "trivial"
max_failures = 5
expires = 2030-01-01
match = { type = "AssertionError", message = 'colour' }

[[tool.gates.buckets]]
name = "retired"
severity = "low"
match = { nodeid = "tests/old/*" }
"""


def failure(nodeid: str, message: str, kind: str, trace: str = "", **extra: object) -> TestCase:
    return TestCase(
        nodeid,
        Outcome.FAILED,
        file=nodeid.split("::")[0],
        line=10,
        duration_s=0.25,
        message=message,
        exception_type=kind,
        traceback=trace,
        **extra,  # type: ignore[arg-type]
    )


def sample_result() -> GateResult:
    cases = [
        *(
            failure(
                f"tests/http/test_server.py::TestRoutes::test_{name}",
                "AssertionError: 404 != 200",
                "AssertionError",
            )
            for name in ("index", "health", "login")
        ),
        failure(
            "tests/ui/test_theme.py::test_dark",
            "AssertionError: colour #000 != #111",
            "AssertionError",
        ),
        *(
            failure(
                f"tests/test_orders.py::test_order[{n}]",
                f"LookupError: order {n} missing",
                "LookupError",
                f"app/orders.py:{n}: LookupError",
            )
            for n in (7, 42)
        ),
        TestCase(
            "tests/test_db.py::test_migrate",
            Outcome.ERROR,
            message='failed on teardown with "OSError: [Errno 28] No space left"',
            exception_type="OSError",
            phase=Phase.TEARDOWN,
        ),
        TestCase("tests/test_ok.py::test_flaky", Outcome.PASSED, duration_s=1.0, flaky=True),
        *(
            TestCase(f"tests/test_ok.py::test_{n}", Outcome.PASSED, duration_s=0.1)
            for n in range(40)
        ),
        TestCase("tests/test_ok.py::test_later", Outcome.SKIPPED),
    ]
    report = junit.JUnitReport(("junit.xml",), tuple(cases), junit.totals(cases))
    baseline = buckets.Baseline(
        "decision 20261120T101500Z-abc123",
        failing=frozenset({"tests/test_ok.py::test_1", "tests/ui/test_theme.py::test_dark"}),
        flaky=frozenset(),
    )
    evidence = buckets.BucketsEvidence(
        report, risky=("tests/test_ok.py::test_2",), baseline=baseline
    )
    file = Path("pyproject.toml")
    settings = config.parse(tomllib.loads(RULES), root=Path("."), file=file)
    return buckets.judge(evidence, settings, today=dt.date(2026, 11, 23))


def test_markdown_buckets_report() -> None:
    text = buckets_report.markdown(sample_result())
    check_gold("buckets.md", text)


def test_report_reads_back_from_the_recorded_json() -> None:
    result = sample_result()
    again = GateResult.from_dict(result.to_dict(), "result")
    assert buckets_report.markdown(again) == buckets_report.markdown(result)
