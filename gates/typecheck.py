"""The type-check gate: mypy with JSON output (one object per line), optional baseline."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from gates import baseline, tools
from gates.config import TypecheckConfig
from gates.errors import ToolError
from gates.flow import Context
from gates.model import Finding, GateResult
from gates.record import record

GATE = "typecheck"


@dataclass(frozen=True)
class TypecheckEvidence:
    """mypy's error diagnostics (notes are dropped: they explain errors, they are not errors)."""

    errors: tuple[Finding, ...]


def collect(config: TypecheckConfig, root: Path, timeout_s: float) -> TypecheckEvidence:
    run = tools.run(
        ["mypy", "--output", "json", "--no-color-output", *config.args, *config.paths],
        cwd=root,
        timeout_s=timeout_s,
    )
    # mypy: 0 clean, 1 type errors, 2 could not check (bad config, missing file, crash).
    if run.returncode not in (0, 1):
        raise ToolError(f"mypy exited {run.returncode}: {run.tail(3) or 'no output'}")
    errors = []
    for line in run.stdout.splitlines():
        if not line.startswith("{"):
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise ToolError(f"mypy: unparsable JSON line: {line[:80]}") from None
        if item.get("severity") != "error":
            continue
        errors.append(
            Finding(
                message=str(item.get("message", "")),
                file=Path(str(item.get("file", ""))).as_posix() or None,
                line=item.get("line"),
                rule=item.get("code") or "error",
            )
        )
    if run.returncode == 1 and not errors:
        raise ToolError(f"mypy exited 1 without JSON diagnostics: {run.tail(3) or 'no output'}")
    return TypecheckEvidence(errors=tuple(errors))


def judge(
    evidence: TypecheckEvidence, config: TypecheckConfig, known: Counter[baseline.Key]
) -> GateResult:
    """Pure: mypy's errors against the baseline's known findings."""
    return baseline.judge(GATE, evidence.errors, known, baseline_used=config.baseline is not None)


def run(context: Context, *, update_baseline: bool = False) -> GateResult:
    config, root = context.config.typecheck, context.root

    def produce() -> GateResult:
        evidence = collect(config, root, context.config.timeout_s)
        known = baseline.known(
            evidence.errors,
            section=GATE,
            baseline_file=config.baseline,
            root=root,
            update=update_baseline,
        )
        return judge(evidence, config, known)

    return record(context.workspace, GATE, produce, lambda: {"mypy": tools.version("mypy")})
