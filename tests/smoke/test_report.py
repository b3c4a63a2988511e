"""The pure half: ``judge`` a recorded run, and the reports it gives (golden files).

Regenerate after an intended change with ``GATES_UPDATE_GOLD=1``.
"""

from __future__ import annotations

from gold_support import check_gold

from gates.model import Status
from gates.smoke import report
from gates.smoke.evidence import EXCERPT_CHARS, Check, Leftover, Outcome, SmokeRun, excerpt
from gates.smoke.run import judge


def sample_run() -> SmokeRun:
    return SmokeRun(
        plan="smoke.toml",
        base_url="https://staging.example.com",
        environment="staging",
        run_id="20261123120000-abcdef",
        started_at="2026-11-23T12:00:00+00:00",
        finished_at="2026-11-23T12:00:04+00:00",
        checks=(
            Check("login", "http", "POST", "/api/v1/auth/login", "200", "200", 41.2,
                  Outcome.PASSED),
            Check("tenant cannot list tenants", "http", "GET", "/api/v1/platform/tenants", "403",
                  "403", 12.0, Outcome.PASSED),
            Check("create lead", "http", "POST", "/api/v1/workspaces/1/leads", "200|201", "500",
                  88.5, Outcome.FAILED, ("status 500, expected 200|201",),
                  '{"detail": "relation | leads does not exist"}'),
            Check("list workspaces", "http", "GET", "/api/v1/workspaces", "200", "200", 20.0,
                  Outcome.FLAKY, attempts=2),
            Check("chat", "websocket", "WS", "wss://staging.example.com/ws/chat",
                  "1 message(s) on 5 connection(s)", "5/5 connections ok", 130.0, Outcome.PASSED),
            Check("after", "http", "GET", "/health", "", "not run", 0.0, Outcome.SKIPPED,
                  ("not run: fail-fast",)),
        ),
        cleanups=(
            Check("cleanup: create MCP server", "cleanup", "DELETE", "/api/v1/mcp-servers/7",
                  "200|202|204", "no answer", 0.0, Outcome.FAILED,
                  ("cleanup DELETE /api/v1/mcp-servers/7 got no answer: ConnectError",)),
        ),
        leftovers=(
            Leftover("create MCP server (/api/v1/mcp-servers/7)",
                     "cleanup DELETE /api/v1/mcp-servers/7 got no answer: ConnectError"),
        ),
        timings_ms=(41.2, 12.0, 88.5, 20.0, 15.0),
        p95_limit_ms=500,
        interrupted="fail-fast",
    )  # fmt: skip


def test_judge_fails_on_failed_checks_and_leftovers() -> None:
    result = judge(sample_run())

    assert result.status is Status.FAIL
    assert result.summary == (
        "4/7 checks passed (1 flaky), 2 failed, 1 not run, 1 leftover(s), stopped early "
        "(fail-fast), p95 88 ms"
    )
    assert dict(result.metrics) == {
        "checks": 7, "passed": 4, "failed": 2, "not_run": 1, "flaky": 1, "advisory_failed": 0,
        "leftovers": 1,
        "p50_ms": 20.0, "p95_ms": 88.5,
    }  # fmt: skip
    assert [f.rule for f in result.findings] == [
        "http", "http", "cleanup", "flaky", "leftover"
    ]  # fmt: skip
    assert result.thresholds[0].met


def test_judge_passes_with_flaky_checks_as_warn() -> None:
    run = sample_run()
    flaky_only = SmokeRun(
        run.plan, run.base_url, run.environment, run.run_id, run.started_at, run.finished_at,
        checks=tuple(c for c in run.checks if c.outcome in (Outcome.PASSED, Outcome.FLAKY)),
    )  # fmt: skip

    result = judge(flaky_only)

    assert (result.status, result.summary) == (Status.WARN, "4/4 checks passed (1 flaky)")


def test_terminal_report() -> None:
    run = sample_run()
    check_gold("smoke-terminal.txt", report.terminal(run, judge(run)))


def test_markdown_report() -> None:
    run = sample_run()
    check_gold("smoke.md", report.markdown(run, judge(run)))


def test_junit_report() -> None:
    check_gold("smoke-junit.xml", report.junit(sample_run()))


def test_body_excerpt_is_one_line_and_truncated() -> None:
    text = excerpt("line one\n  line two " + "x" * 400)

    assert len(text) == EXCERPT_CHARS
    assert text.startswith("line one line two xxx") and text.endswith("x…")
