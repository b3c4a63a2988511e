"""Command gates: ``[tool.gates.commands] NAME = "CMD"`` — PASS on exit 0, FAIL otherwise."""

from __future__ import annotations

import shlex
from pathlib import Path

from gates import tools
from gates.config import CommandGate
from gates.model import GateResult, Status
from gates.tools import ToolRun


def collect(gate: CommandGate, root: Path, timeout_s: float) -> ToolRun:
    return tools.run(gate.argv, cwd=root, timeout_s=timeout_s)


def judge(name: str, run: ToolRun) -> GateResult:
    command = shlex.join(run.argv)
    passed = run.returncode == 0
    return GateResult(
        gate=name,
        status=Status.PASS if passed else Status.FAIL,
        summary=f"{'exit 0' if passed else f'exit {run.returncode}'}: {command}",
        metrics={"exit_code": run.returncode, "duration_s": round(run.duration_s, 3)},
        details={"command": list(run.argv), "output_tail": run.tail()},
    )
