"""GitHub Actions: workflow-command annotations, the step summary and job outputs.

Active only when ``GITHUB_ACTIONS=true``; elsewhere these functions do nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from gates.errors import GatesError
from gates.model import Decision, GateResult, Status
from gates.printable import printable

MAX_ANNOTATIONS = 50
"""GitHub shows only a limited number of annotations per step; more is noise."""


def active() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _escape_data(text: str) -> str:
    # The log shows the line as a terminal would: no control character may take effect there.
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotate(result: GateResult, out: TextIO | None = None) -> None:
    """``::error``/``::warning`` lines for the (new) findings of a gate that did not pass, on
    ``out`` (stdout; stderr when stdout carries ``--json``: the runner reads both)."""
    if not active():
        return
    out = out or sys.stdout
    level = "warning" if result.status is Status.WARN else "error"
    findings = [f for f in result.findings if f.new]
    for finding in findings[:MAX_ANNOTATIONS]:
        title = f"{result.gate} {finding.rule}" if finding.rule else result.gate
        props = [f"title={_escape_property(title)}"]
        if finding.file:
            props.insert(0, f"file={_escape_property(finding.file)}")
            if finding.line is not None:
                props.insert(1, f"line={finding.line}")
        print(f"::{level} {','.join(props)}::{_escape_data(finding.message)}", file=out)
    if len(findings) > MAX_ANNOTATIONS:
        rest = len(findings) - MAX_ANNOTATIONS
        print(f"::{level}::{result.gate}: {rest} more findings not annotated", file=out)
    if not findings and result.status in (Status.FAIL, Status.ERROR):
        print(f"::{level} title={result.gate}::{_escape_data(result.summary)}", file=out)
    out.flush()


def _append(variable: str, text: str) -> None:
    target = os.environ.get(variable)
    if not target:
        return
    try:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        # The decision is recorded already; a runner file that cannot be written is exit 2.
        raise GatesError(f"{variable}={target}: cannot write: {exc.strerror}") from None


def publish(decision: Decision, summary_markdown: str) -> None:
    """Append the decision table to the step summary and set the ``verdict`` output."""
    if not active():
        return
    _append("GITHUB_STEP_SUMMARY", summary_markdown + "\n")
    _append("GITHUB_OUTPUT", f"verdict={decision.verdict.value}\ndecision={decision.id}\n")
