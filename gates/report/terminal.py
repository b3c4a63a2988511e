"""Terminal reports with rich: what a developer reads after ``nox -s gates``."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gates.model import Decision, GateResult, Status, StatusRow, Verdict
from gates.printable import printable
from gates.report.markdown import MAX_FINDINGS, threshold_cells

STYLES = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "red",
    Status.ERROR: "bold red",
    Status.SKIP: "dim",
}
VERDICT_STYLES = {
    Verdict.GO: "bold green",
    Verdict.GO_WITH_WAIVERS: "bold yellow",
    Verdict.NO_GO: "bold red",
}


def console() -> Console:
    # Wide enough for file:line findings when output is captured (CI logs, pipes).
    return Console(highlight=False, soft_wrap=False, width=None if Console().is_terminal else 120)


def _shown(text: str) -> str:
    """Text from the project: neither rich markup nor a control character takes effect."""
    return escape(printable(text))


def _status(status: Status) -> str:
    return f"[{STYLES[status]}]{status.value}[/]"


def print_result(result: GateResult, out: Console | None = None) -> None:
    out = out or console()
    out.print(f"{_shown(result.gate)}: {_status(result.status)} — {_shown(result.summary)}")
    if result.thresholds:
        grid = Table("Area", "Target", "Current", "Gap", box=None, pad_edge=False)
        for threshold in result.thresholds:
            grid.add_row(_shown(threshold.area), *threshold_cells(threshold))
        out.print(grid)
    by_rule: dict[str, list[str]] = {}
    for finding in result.findings:
        if finding.new:
            by_rule.setdefault(finding.rule or "-", []).append(
                f"{finding.location}: {finding.message}" if finding.location else finding.message
            )
    for rule, lines in sorted(by_rule.items(), key=lambda item: (-len(item[1]), item[0])):
        out.print(f"  [bold]{_shown(rule)}[/] ({len(lines)})")
        for line in lines[:MAX_FINDINGS]:
            out.print(f"    {_shown(line)}")
        if len(lines) > MAX_FINDINGS:
            out.print(f"    …and {len(lines) - MAX_FINDINGS} more")


def print_decision(decision: Decision, out: Console | None = None) -> None:
    out = out or console()
    grid = Table("Gate", "Status", "Target", "Current", "Gap", "Summary", title="Release gates")
    for gate in decision.gates:
        headline = gate.headline
        status = _status(gate.status) + (" (waived)" if gate.waived else "")
        grid.add_row(_shown(gate.name), status, *threshold_cells(headline), _shown(gate.summary))
    out.print(grid)
    for reason in decision.reasons:
        out.print(f"  - {_shown(reason)}")
    for waiver in decision.waivers:
        out.print(f"  waiver used: {_shown(waiver.label)}")
    style = VERDICT_STYLES[decision.verdict]
    out.print(
        f"[{style}]{decision.verdict.value}[/] (decision {decision.id}, tree {decision.tree[:12]})"
    )


def print_status(rows: Sequence[StatusRow], out: Console | None = None) -> None:
    out = out or console()
    grid = Table("Gate", "Tier", "Status", "When", "Summary", title="Latest results")
    for row in rows:
        when = row.result.started_at if row.result is not None else "-"
        summary = _shown(row.result.summary) if row.result is not None else "-"
        grid.add_row(_shown(row.gate), row.tier.value, row.status, when, summary)
    out.print(grid)
