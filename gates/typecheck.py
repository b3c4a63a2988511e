"""The type-check gate: mypy with JSON output (one object per line), optional baseline."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gates import baseline, tools
from gates.config import TypecheckConfig
from gates.errors import ToolError
from gates.model import Finding

if TYPE_CHECKING:
    from gates.project import Project

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


@dataclass(frozen=True)
class TypecheckGate(baseline.FindingsGate):
    update_baseline: bool = False
    name: str = GATE

    def find(self, project: Project) -> tuple[Finding, ...]:
        settings = project.config
        return collect(settings.typecheck, project.root, settings.timeout_s).errors

    def tools(self) -> Mapping[str, str]:
        return {"mypy": tools.version("mypy")}


add_arguments = baseline.add_arguments


def from_args(args: argparse.Namespace) -> TypecheckGate:
    return TypecheckGate(update_baseline=bool(args.update_baseline))
