"""Command gates: ``[tool.gates.commands] NAME = "CMD"`` — PASS on exit 0, FAIL otherwise."""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gates import tools
from gates.config import GatesConfig
from gates.errors import ConfigError
from gates.gate import Gate
from gates.model import GateResult, Status
from gates.tools import ToolRun

if TYPE_CHECKING:
    from gates.project import Project


@dataclass(frozen=True)
class CommandGate(Gate[ToolRun]):
    """The configured command gate ``name`` (``gates run NAME``)."""

    name: str

    def collect(self, project: Project, tree: str) -> ToolRun:
        settings = project.config
        command = settings.commands.get(self.name)
        if command is None:
            known = ", ".join(settings.commands) or "none configured"
            where = f"{settings.file.name}: tool.gates.commands"
            raise ConfigError(f"{where}: no command gate {self.name!r} ({known})")
        timeout = command.timeout_s or settings.timeout_s
        return tools.run(command.argv, cwd=project.root, timeout_s=timeout)

    def judge(self, evidence: ToolRun, config: GatesConfig, today: dt.date) -> GateResult:
        return judge(self.name, evidence)

    def tools(self) -> Mapping[str, str]:
        return {}


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
