"""One self-contained HTML page: the verdict, the gate table, the buckets and trend charts.

No network and no script: styles are inline and the trend charts (pass rate, coverage, failures
over the last decisions in the ledger, the release plan's targets dashed) are inline SVG, so the
page opens anywhere, offline, as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from gates import targets
from gates.details import BUCKETS, BucketsDetails
from gates.errors import GatesError, LedgerError
from gates.ledger import Ledger, decision_of, decisions
from gates.ledger.history import HistoryRow, rows
from gates.model import Decision, Status, Verdict, utcnow
from gates.workspace import write_text

TREND = 20
"""How many of the newest decisions the charts show."""

COLORS = {
    "pass-rate": "#1565c0",
    "coverage": "#2e7d32",
    "failures": "#c62828",
    "smoke-pass-rate": "#00838f",
    "smoke-p95": "#6d4c41",
}
"""Line colour of each chart (tests look for them in a screenshot)."""

TARGET_COLOR = "#757575"
"""The dashed line of the release plan's targets (``[tool.gates.targets]``) in a chart."""

_VERDICT_COLORS = {
    Verdict.GO: "#2e7d32",
    Verdict.GO_WITH_WAIVERS: "#ef6c00",
    Verdict.NO_GO: "#c62828",
}
_STATUS_COLORS = {
    Status.PASS: "#2e7d32",
    Status.WARN: "#ef6c00",
    Status.FAIL: "#c62828",
    Status.ERROR: "#6a1b9a",
    Status.SKIP: "#757575",
}

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { margin-bottom: .2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.verdict { display: inline-block; color: #fff; padding: .3em .9em; border-radius: 4px;
  font-size: 1.6em; font-weight: 600; }
.meta { color: #555; } code { font-size: 12px; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid #ccc; padding: .3em .7em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } .status { font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #ddd; background: #fff; }
"""


def render(
    decision: Decision, trend: Sequence[HistoryRow], days: Sequence[targets.Day] = ()
) -> str:
    """The page for ``decision`` with ``trend`` (oldest first) in the charts, and the release
    plan's ``days`` (:func:`gates.targets.daily`) against their targets."""
    title = " ".join(x for x in (decision.project, decision.version) if x) or "release-gates"
    color = _VERDICT_COLORS[decision.verdict]
    meta = [
        ("decision", decision.id),
        ("date", decision.created_at),
        ("environment", decision.environment or "-"),
        ("decided by", decision.decided_by or "-"),
        ("reason", decision.reason or "-"),
        ("commit", decision.commit or "-"),
        ("tree", decision.tree),
        ("ledger hash", decision.hash or "-"),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}: {decision.verdict.value}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p><span class="verdict" id="verdict" style="background:{color}">'
        f"{decision.verdict.value}</span></p>",
        _table(("", ""), [(escape(k), f"<code>{escape(v)}</code>") for k, v in meta], "meta"),
    ]
    if decision.reasons:
        items = "".join(f"<li>{escape(r)}</li>" for r in decision.reasons)
        parts.append(f"<h2>Why</h2><ul>{items}</ul>")
    parts += ["<h2>Gates</h2>", _gates(decision)]
    parts += ["<h2>Failing-test buckets</h2>", _buckets(decision)]
    parts += [f"<h2>Trend (last {len(trend)} decisions)</h2>", '<div class="charts">']
    labels = [f"{r.decision} ({r.verdict})" for r in trend]
    plan = [r.target for r in trend]
    parts.append(
        line_chart(
            "pass-rate", "Pass rate (%)", [r.pass_rate for r in trend], labels, 100.0,
            [t.pass_rate if t else None for t in plan],
        )
    )  # fmt: skip
    parts.append(
        line_chart(
            "coverage", "Coverage (%)", [r.coverage for r in trend], labels, 100.0,
            [t.coverage if t else None for t in plan],
        )
    )  # fmt: skip
    failures = [float(r.failed) if r.failed is not None else None for r in trend]
    failing_targets = [float(t.failing) if t and t.failing is not None else None for t in plan]
    parts.append(line_chart("failures", "Failing tests", failures, labels, None, failing_targets))
    smoke = [r.smoke for r in trend]
    rates = [s.pass_rate if s is not None else None for s in smoke]
    parts.append(line_chart("smoke-pass-rate", "Smoke checks passed (%)", rates, labels, 100.0))
    p95 = [s.p95_ms if s is not None else None for s in smoke]
    parts.append(line_chart("smoke-p95", "Smoke p95 (ms)", p95, labels, None))
    parts.append("</div>")
    if days:
        parts += ["<h2>Targets (the release plan, by day, UTC)</h2>", _targets(days)]
    parts += ["</body></html>", ""]
    return "\n".join(parts)


def _table(header: Sequence[str], body: Sequence[Sequence[str]], css: str = "") -> str:
    """Cells are HTML already (escaped by the caller)."""
    head = "".join(f"<th>{h}</th>" for h in header) if any(header) else ""
    lines = [f'<table class="{css}">' if css else "<table>"]
    if head:
        lines.append(f"<tr>{head}</tr>")
    lines += ["<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in body]
    lines.append("</table>")
    return "\n".join(lines)


def _gates(decision: Decision) -> str:
    body = []
    for gate in decision.gates:
        color = _STATUS_COLORS[gate.status]
        status = f'<span class="status" style="color:{color}">{gate.status.value}</span>'
        if gate.waived:
            status += " (waived)"
        body.append((escape(gate.name), escape(gate.tier.value), status, escape(gate.summary)))
    return _table(("Gate", "Tier", "Status", "Summary"), body, "gates")


def _buckets(decision: Decision) -> str:
    # A failing result is falsy (GateResult.__bool__): test for None, never for truth.
    result = next((g.result for g in decision.gates if g.name == BUCKETS), None)
    buckets = BucketsDetails.from_result(result).buckets if result is not None else ()
    if not buckets:
        return "<p>No buckets recorded in this decision.</p>"
    body = [
        (escape(b.name), escape(b.severity), str(b.count), "blocks" if b.blocks else "no")
        for b in buckets
    ]
    return _table(("Bucket", "Severity", "Failures", "Blocking"), body, "buckets")


def _targets(days: Sequence[targets.Day]) -> str:
    """The daily table; a figure that misses its target is red and the day says ``behind``."""
    body = []
    for day in days:
        cells = [escape(cell) for cell in targets.cells(day)]
        missed = targets.behind(day.actual, day.target) if day.actual is not None else ()
        for name, column in (("pass_rate", 1), ("failing", 3), ("coverage", 5)):
            if name in missed:
                cells[column] = f'<span class="behind" style="color:#c62828">{cells[column]}</span>'
        if missed:
            cells[-1] = f'<strong style="color:#c62828">{cells[-1]}</strong>'
        body.append(cells)
    return _table(targets.DAILY_HEADER, body, "targets")


def line_chart(
    name: str,
    title: str,
    values: Sequence[float | None],
    labels: Sequence[str],
    top: float | None,
    targets: Sequence[float | None] = (),
) -> str:
    """An inline SVG line chart; ``top`` fixes the y-axis maximum (else the data's).

    ``targets``: the release plan's figure in force at each point, drawn as a dashed grey line.
    """
    width, height, left, right, up, down = 380, 220, 44, 14, 30, 26
    plot_w, plot_h = width - left - right, height - up - down
    known = [v for v in (*values, *targets) if v is not None]
    y_max = top if top is not None else max([1.0, *known])
    step = plot_w / (len(values) - 1) if len(values) > 1 else 0.0

    def x(index: int) -> float:
        return left + (index * step if len(values) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return up + plot_h - (value / y_max) * plot_h

    out = [
        f'<svg class="chart" id="chart-{name}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
        f'<text x="{left}" y="18" font-size="14" font-weight="600">{escape(title)}</text>',
    ]
    for tick in (0.0, y_max / 2, y_max):
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#e0e0e0"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">'
            f"{tick:g}</text>"
        )
    planned = [f"{x(i):.1f},{y(t):.1f}" for i, t in enumerate(targets) if t is not None]
    if planned:
        out.append(
            f'<polyline class="target" points="{" ".join(planned)}" fill="none" '
            f'stroke="{TARGET_COLOR}" stroke-width="2" stroke-dasharray="6 4"><title>target'
            "</title></polyline>"
        )
    points = [(x(i), y(v), v, labels[i]) for i, v in enumerate(values) if v is not None]
    if not points:
        out.append(
            f'<text x="{left + plot_w / 2}" y="{up + plot_h / 2}" text-anchor="middle" '
            'fill="#757575">no data</text>'
        )
    else:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{COLORS[name]}" stroke-width="4" '
            'stroke-linejoin="round"/>'
        )
        for px, py, value, label in points:
            out.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5" fill="{COLORS[name]}">'
                f"<title>{escape(label)}: {value:g}</title></circle>"
            )
    out.append(
        f'<text x="{left}" y="{height - 8}" font-size="11" fill="#555">oldest</text>'
        f'<text x="{width - right}" y="{height - 8}" font-size="11" fill="#555" '
        'text-anchor="end">newest</text></svg>'
    )
    return "\n".join(out)


def write(
    ledger: Ledger, path: Path, plan: Sequence[targets.Target] = (), project: str | None = None
) -> Path:
    """Render ``project``'s newest decision in the ledger (with its trend, and the release
    ``plan``'s dated targets) to ``path``."""
    records = decisions.latest(ledger, project, limit=TREND)
    if not records:
        raise LedgerError("no decision recorded yet: run 'gates decide' first")
    trend = rows(records, plan)
    days = targets.daily(trend, plan, utcnow().date()) if plan else []
    page = render(decision_of(records[-1]), trend, days)
    target = path.absolute()
    try:
        if target.exists() and not target.is_file():
            # A device or a pipe (/dev/stdout): written into; replacing it would delete it.
            target.write_text(page, encoding="utf-8")
        else:
            write_text(target, page)
    except OSError as exc:
        raise GatesError(f"{target}: cannot write the report: {exc.strerror}") from None
    return target
