"""Markdown reports: the decision table for ``$GITHUB_STEP_SUMMARY`` and pull requests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gates.model import Decision, GateResult, Threshold

MAX_FINDINGS = 20


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def threshold_cells(threshold: Threshold | None) -> tuple[str, str, str]:
    """Target, Current, Gap cells ('-' when a gate has no numeric target)."""
    if threshold is None:
        return "-", "-", "-"
    gap = threshold.show(threshold.gap) if threshold.gap else "0"
    return threshold.show(threshold.target), threshold.show(threshold.current), gap


def decision(decision: Decision) -> str:
    """The seed-style quality-gate table with the verdict and the reasons."""
    rows = []
    for gate in decision.gates:
        headline = gate.headline
        status = gate.status.value + (" (waived)" if gate.waived else "")
        rows.append((gate.name, status, *threshold_cells(headline), gate.summary))
    parts = [
        f"## Release gates: {decision.verdict.value}",
        "",
        f"Tree `{decision.tree[:12]}`"
        + (f", commit `{decision.commit[:12]}`" if decision.commit else "")
        + (f", version {decision.version}" if decision.version else "")
        + f", decision `{decision.id}`",
        "",
        *_who_and_why(decision),
        "",
        table(("Gate", "Status", "Target", "Current", "Gap", "Summary"), rows),
    ]
    if decision.reasons:
        parts += ["", "### Why", "", *(f"- {reason}" for reason in decision.reasons)]
    if decision.waivers:
        parts += ["", "### Waivers used", "", *(f"- {w.label}" for w in decision.waivers)]
    if decision.checklist:
        done = sum(mark.checked for mark in decision.checklist)
        parts += ["", f"### Checklist ({done} of {len(decision.checklist)} checked)", ""]
        parts += [_line(mark.line) for mark in decision.checklist]
    return "\n".join(parts) + "\n"


def _line(text: str) -> str:
    """Text given by a person (a reason, a note) kept on its one Markdown line."""
    return " ".join(text.split())


def _who_and_why(decision: Decision) -> list[str]:
    """Who decided, why, and where the release was headed: the audit trail's first question."""
    return [
        f"- Decided by: {_line(decision.decided_by or 'not recorded')}",
        f"- Reason: {_line(decision.reason or 'none given')}",
        f"- Environment: {_line(decision.environment or 'not given')}"
        + (f", branch `{decision.branch}`" if decision.branch else ""),
    ]


def result(result: GateResult) -> str:
    """One gate's result: status, thresholds, findings."""
    parts = [f"## {result.gate}: {result.status.value}", "", result.summary]
    if result.thresholds:
        rows = [(t.area, *threshold_cells(t)) for t in result.thresholds]
        parts += ["", table(("Area", "Target", "Current", "Gap"), rows)]
    if result.findings:
        shown = result.findings[:MAX_FINDINGS]
        rows2 = [(f.rule or "-", f.location or "-", f.message) for f in shown]
        parts += ["", table(("Rule", "Where", "Message"), rows2)]
        if len(result.findings) > MAX_FINDINGS:
            parts.append(f"\n…and {len(result.findings) - MAX_FINDINGS} more")
    return "\n".join(parts) + "\n"
