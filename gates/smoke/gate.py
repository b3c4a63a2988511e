"""``gates smoke PLAN``: the smoke plan as a gate (load and refuse before anything is sent)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from gates import tools
from gates.config import GatesConfig
from gates.errors import Exit, TargetDownError
from gates.gate import Gate
from gates.ledger import RecordKind
from gates.model import GateResult
from gates.redact import Redactor
from gates.smoke import memory, report
from gates.smoke.evidence import SmokeRun
from gates.smoke.loading import load
from gates.smoke.plan import Plan
from gates.smoke.run import CLIENTS, GATE, Environment, Options, collect, judge, refuse_writes

if TYPE_CHECKING:
    from gates.project import Project

INTERRUPTED: Mapping[str, Exit] = {"SIGINT": Exit.INTERRUPTED, "SIGTERM": Exit.TERMINATED}


class SmokeGate(Gate[SmokeRun]):
    """One run of a loaded plan. The plan is loaded and its writes refused on construction."""

    name = GATE

    def __init__(
        self, plan_path: Path, options: Options, environ: Mapping[str, str] | None = None
    ) -> None:
        env = os.environ if environ is None else environ
        self.plan: Plan = load(plan_path, env, base_url=options.base_url)
        refuse_writes(self.plan, options)
        self.options = options
        self.redactor = Redactor()
        for secret in self.plan.secrets:  # each one's length was checked where the plan names it
            self.redactor.add(secret, str(plan_path))
        # https://user:PASSWORD@host: the password, and the Basic token httpx derives from it.
        self.redactor.add_url(self.plan.base_url, "--base-url" if options.base_url else "base_url")
        self.run: SmokeRun | None = None

    def collect(self, project: Project, tree: str) -> SmokeRun:
        target = self.redactor.text(self.plan.base_url)
        remembered = memory.read(project.ledger, self._plan_key(project), target)
        try:
            self.run = collect(self.plan, self.options, self.redactor, remembered)
        except TargetDownError as exc:
            raise TargetDownError(self.redactor.text(str(exc))) from None
        return self.run

    def judge(self, evidence: SmokeRun, config: GatesConfig, today: dt.date) -> GateResult:
        return judge(evidence)

    def tools(self) -> Mapping[str, str]:
        return {name: tools.version(name) for name in CLIENTS}

    def recorded(self, project: Project, result: GateResult) -> None:
        if self.run is not None:
            remembered = memory.payload(self.run, self._plan_key(project), result.status.value)
            project.ledger.append(RecordKind.SMOKE, self.redactor.deep(remembered))
            report.write(project.workspace.evidence_dir / GATE, self.run, result, self.redactor)

    def _plan_key(self, project: Project) -> str:
        return memory.plan_key(self.plan.file, project.root)

    def render(self, result: GateResult) -> str | None:
        if self.run is None:
            return None
        return self.redactor.text(report.terminal(self.run, result))

    def exit_code(self, result: GateResult) -> Exit:
        signal = self.run.interrupted if self.run is not None else None
        return INTERRUPTED.get(signal or "", result.status.exit_code)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", help="the smoke plan (TOML)")
    parser.add_argument("--base-url", default=None, help="target URL, instead of the plan's")
    parser.add_argument(
        "--environment",
        choices=("staging", "production"),
        default="staging",
        help="production refuses unsafe methods unless --allow-writes",
    )
    parser.add_argument("--allow-writes", action="store_true", help="allow writes in production")
    parser.add_argument("--start", default=None, metavar="CMD", help="start the target for the run")


def from_args(args: argparse.Namespace) -> SmokeGate:
    options = Options(Environment(args.environment), args.allow_writes, args.base_url, args.start)
    return SmokeGate(Path(args.plan), options)
