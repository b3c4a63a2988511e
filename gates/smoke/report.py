"""The smoke report in three forms: terminal text, Markdown and JUnit XML.

Inputs are already redacted; :func:`write` redacts once more on the way to disk, because a file
that leaks a token cannot be taken back.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from gates.model import GateResult
from gates.redact import Redactor
from gates.smoke.evidence import Check, Outcome, SmokeRun
from gates.smoke.latency import Latency

COLUMNS = ("check", "method", "path", "expected", "actual", "ms", "result")
_MARK = {
    Outcome.PASSED: "PASS",
    Outcome.FLAKY: "FLAKY",
    Outcome.FAILED: "FAIL",
    Outcome.SKIPPED: "SKIP",
}


def _row(check: Check) -> tuple[str, ...]:
    return (
        check.name,
        check.method,
        check.target,
        check.expected,
        check.actual,
        f"{check.ms:.0f}",
        _MARK[check.outcome],
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def _header(run: SmokeRun, result: GateResult) -> list[str]:
    rows = (*run.checks, *run.cleanups)
    counts = {outcome: sum(1 for c in rows if c.outcome is outcome) for outcome in Outcome}
    lines = [
        f"Smoke {result.status.value}: {result.summary}",
        f"Target: {run.base_url} ({run.environment}), plan {run.plan}, run {run.run_id}",
        f"Run window (UTC): {run.started_at} → {run.finished_at}",
        f"Totals: {len(rows)} checks: {counts[Outcome.PASSED]} passed, "
        f"{counts[Outcome.FLAKY]} flaky, {counts[Outcome.FAILED]} failed, "
        f"{counts[Outcome.SKIPPED]} not run; {len(run.leftovers)} leftover(s)",
        f"Latency: p50 {_ms(run.p50_ms)}, p95 {_ms(run.p95_ms)} over "
        f"{len(run.timings_ms)} requests",
    ]
    if run.safe_writes:
        lines.append("Writes allowed by safe = true: " + "; ".join(run.safe_writes))
    if run.interrupted:
        lines.append(f"Stopped early: {run.interrupted} (cleanups ran)")
    return lines


def _failures(run: SmokeRun) -> list[tuple[Check, str]]:
    """Failed checks, P1 first (blocking before advisory), each with why it failed."""
    failed = [check for check in (*run.checks, *run.cleanups) if not check.outcome.ok]
    failed.sort(key=lambda c: (not c.blocking, c.triage.priority if c.triage else ""))
    return [(check, "; ".join(check.failures) or check.outcome.value) for check in failed]


def _kept(run: SmokeRun) -> list[Check]:
    """Passed checks whose response was kept (``keep_body = true``)."""
    return [check for check in run.checks if check.outcome.ok and check.excerpt]


def _sampled(run: SmokeRun) -> list[tuple[str, Latency]]:
    """(step name, figures) of each sampled step."""
    return [(check.name, check.latency) for check in run.checks if check.latency is not None]


def _since(run: SmokeRun) -> list[str]:
    """``Since the last run …`` and its lists (nothing when the run was not compared)."""
    since = run.since
    if since is None:
        return []
    if since.previous_run is None:
        return ["Since the last run: no earlier run of this plan on this target in the ledger"]
    lines = [
        f"Since the last run ({since.previous_run}): {len(since.newly_failing)} newly failing,"
        f" {len(since.fixed)} fixed, {len(since.still_failing)} still failing"
    ]
    for title, names in (
        ("newly failing", since.newly_failing),
        ("fixed since the last run", since.fixed),
        ("still failing", since.still_failing),
    ):
        if names:
            lines.append(f"{title}: {', '.join(names)}")
    return lines


def _earlier(run: SmokeRun) -> list[str]:
    """One line per leftover of an earlier run, with what this run did about it."""
    return [f"{item.artifact} [{item.id}]: {item.state}: {item.why}" for item in run.earlier]


def _tag(check: Check) -> str:
    return f" [{check.triage.label}]" if check.triage else ""


def _notes(check: Check, body: str) -> list[str]:
    """The lines under a failure: the step's owner, files and next action, then the body excerpt
    (set in ``body``), each when there is one."""
    notes = [check.triage.details() if check.triage else ""]
    notes.append(body.format(check.excerpt) if check.excerpt else "")
    return [note for note in notes if note]


def terminal(run: SmokeRun, result: GateResult) -> str:
    rows = [_row(c) for c in (*run.checks, *run.cleanups)]
    widths = [min(max(len(col), *(len(r[i]) for r in rows)), 48) for i, col in enumerate(COLUMNS)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            (cell if len(cell) <= w else cell[: w - 1] + "…").ljust(w)
            for cell, w in zip(cells, widths, strict=True)
        ).rstrip()

    out = [*_header(run, result), "", line(COLUMNS), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    failures = _failures(run)
    if failures:
        out += ["", "Failures:"]
        for check, why in failures:
            out.append(f"  {check.name}{_tag(check)}: {why}")
            out += [f"    {note}" for note in _notes(check, "body: {}")]
    kept = _kept(run)
    if kept:
        out += ["", "Kept responses:"]
        out += [f"  {check.name}: {check.excerpt}" for check in kept]
    sampled = _sampled(run)
    if sampled:
        out += ["", "Latency per step:"]
        out += [f"  {name}: {latency.text()}" for name, latency in sampled]
    since = _since(run)
    if since:
        out += ["", since[0], *(f"  {line}" for line in since[1:])]
    out += ["", "Leftovers:" if run.leftovers else "Leftovers: none"]
    out += [f"  {item.artifact}: {item.reason}" for item in run.leftovers]
    if run.since is not None or run.earlier:
        out += ["Earlier leftovers:" if run.earlier else "Earlier leftovers: none open"]
        out += [f"  {line}" for line in _earlier(run)]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def markdown(run: SmokeRun, result: GateResult) -> str:
    out = ["## Smoke", ""]
    out += [f"- {line}" for line in _header(run, result)]
    out += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += [
        "| " + " | ".join(_cell(cell) for cell in _row(c)) + " |"
        for c in (*run.checks, *run.cleanups)
    ]
    failures = _failures(run)
    if failures:
        out += ["", "### Failures", ""]
        for check, why in failures:
            out.append(
                f"- **{_cell(check.name)}**{_tag(check)} ({check.method} `{check.target}`): {why}"
            )
            out += [f"  {note}" for note in _notes(check, "```\n  {}\n  ```")]
    kept = _kept(run)
    if kept:
        out += ["", "### Kept responses", ""]
        for check in kept:
            out.append(f"- **{_cell(check.name)}** ({check.method} `{check.target}`):")
            out.append(f"  ```\n  {check.excerpt}\n  ```")
    sampled = _sampled(run)
    if sampled:
        out += ["", "### Latency per step", "", "| check | count | p50 | p95 | p99 | max |"]
        out.append("|---|---|---|---|---|---|")
        for name, latency in sampled:
            figures = " | ".join(f"{value:.0f} ms" for value in latency.figures().values())
            out.append(f"| {_cell(name)} | {latency.count} | {figures} |")
    since = _since(run)
    if since:
        out += ["", "### Since the last run", "", f"- {since[0]}"]
        out += [f"- {_cell(line)}" for line in since[1:]]
    out += ["", "### Leftovers", ""]
    out += [f"- `{item.artifact}`: {item.reason}" for item in run.leftovers] or ["None."]
    if run.since is not None or run.earlier:
        out += ["", "### Earlier leftovers", ""]
        out += [f"- {_cell(line)}" for line in _earlier(run)] or ["None open."]
    return "\n".join(out) + "\n"


def junit(run: SmokeRun) -> str:
    rows = (*run.checks, *run.cleanups)
    suite = ET.Element(
        "testsuite",
        name="smoke",
        tests=str(len(rows)),
        failures=str(sum(1 for c in rows if c.outcome is Outcome.FAILED)),
        skipped=str(sum(1 for c in rows if c.outcome is Outcome.SKIPPED)),
        errors="0",
        timestamp=run.started_at,
        time=f"{sum(c.ms for c in rows) / 1000:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("base_url", run.base_url),
        ("environment", run.environment),
        ("run_id", run.run_id),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for check in rows:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"smoke.{check.kind}",
            name=check.name,
            time=f"{check.ms / 1000:.3f}",
        )
        detail = f"{check.method} {check.target}: expected {check.expected}, got {check.actual}"
        if check.outcome is Outcome.FAILED:
            failure = ET.SubElement(case, "failure", message="; ".join(check.failures))
            failure.text = detail + (f"\n{check.excerpt}" if check.excerpt else "")
        elif check.outcome is Outcome.SKIPPED:
            ET.SubElement(case, "skipped", message="; ".join(check.failures))
        elif check.outcome is Outcome.FLAKY:
            ET.SubElement(
                case, "system-out"
            ).text = f"flaky: passed after {check.attempts} attempts"
    for item in run.leftovers:
        case = ET.SubElement(suite, "testcase", classname="smoke.leftover", name=item.artifact)
        ET.SubElement(case, "failure", message=item.reason)
    suite.set("tests", str(len(rows) + len(run.leftovers)))
    suite.set("failures", str(int(suite.get("failures", "0")) + len(run.leftovers)))
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
    )


def write(folder: Path, run: SmokeRun, result: GateResult, redactor: Redactor) -> None:
    """``report.md`` and ``junit.xml`` in ``folder`` (the gate's evidence folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("report.md", markdown(run, result)), ("junit.xml", junit(run))):
        path = folder / name
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(redactor.text(text), encoding="utf-8")
        tmp.replace(path)
