"""The steps between the CLI and the gates: load the project, record, decide, publish.

Each function is one step of collect → judge → record → decide; the CLI calls exactly one of them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gates import checklist, command_gate, config, policy
from gates.errors import ConfigError
from gates.ledger import open_ledger, record_decision
from gates.model import Decision, GateResult, JSONValue, Status, Tier, utcnow
from gates.record import record
from gates.report import github, markdown
from gates.workspace import Workspace, write_json


@dataclass(frozen=True)
class Context:
    """A loaded project: where it is and how it is configured."""

    workspace: Workspace
    config: config.GatesConfig

    @classmethod
    def load(cls, root: Path) -> Context:
        workspace = Workspace.at(root)
        return cls(workspace=workspace, config=config.load(workspace.root))

    @property
    def root(self) -> Path:
        return self.workspace.root


def run_command_gate(context: Context, name: str) -> GateResult:
    gate = context.config.commands.get(name)
    if gate is None:
        known = ", ".join(context.config.commands) or "none configured"
        raise ConfigError(
            f"{context.config.file.name}: tool.gates.commands: no command gate {name!r} ({known})"
        )
    timeout = gate.timeout_s or context.config.timeout_s
    return record(
        context.workspace,
        name,
        lambda: command_gate.judge(name, command_gate.collect(gate, context.root, timeout)),
    )


def new_decision_id(now: dt.datetime) -> str:
    """Sortable by time, unique across machines."""
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def decide(
    context: Context,
    *,
    environment: str | None = None,
    decided_by: str | None = None,
    reason: str | None = None,
    no_go: bool = False,
) -> Decision:
    """Judge every configured gate's result for the current tree and record the decision.

    ``decided_by``/``reason`` say who decided and why; ``no_go`` turns a GO into NO_GO (see
    :func:`gates.checklist.release_manager`). The decision is appended to the ledger first, so the
    written ``decision.json`` carries its chain hashes.
    """
    cfg, workspace = context.config, context.workspace
    tree = workspace.tree_id()
    results = {name: workspace.read_result(name) for name in cfg.gates}
    now = utcnow()
    judgement = policy.decide(
        results,
        required=cfg.required,
        advisory=cfg.advisory,
        waivers=cfg.waivers,
        tree=tree,
        today=now.date(),
        version=cfg.version,
    )
    decision = Decision(
        id=new_decision_id(now),
        verdict=judgement.verdict,
        tree=tree,
        commit=workspace.commit(),
        version=cfg.version,
        created_at=now.isoformat(timespec="seconds"),
        gates=judgement.gates,
        waivers=judgement.waivers,
        expired_waivers=judgement.expired_waivers,
        reasons=judgement.reasons,
        project=cfg.project_name,
        branch=workspace.branch(),
        environment=environment,
        artifacts=_artifacts(results),
    )
    with open_ledger(cfg) as store:
        decision = checklist.release_manager(
            decision, cfg, store, decided_by=decided_by, reason=reason, no_go=no_go
        )
        decision = record_decision(store, decision)
    write_json(workspace.gates_dir / "decision.json", decision.to_dict())
    (workspace.gates_dir / "decision.md").write_text(markdown.decision(decision), encoding="utf-8")
    return decision


def _artifacts(results: Mapping[str, GateResult | None]) -> dict[str, str]:
    """Artifact hashes gates recorded (``details["artifacts"]``: file name → sha256)."""
    found: dict[str, str] = {}
    for result in results.values():
        if result is not None:
            found.update(result.details.get("artifacts", {}))
    return found


@dataclass(frozen=True)
class StatusRow:
    gate: str
    tier: Tier
    result: GateResult | None
    fresh: bool

    @property
    def status(self) -> str:
        if self.result is None:
            return "not run"
        return self.result.status.value if self.fresh else f"{self.result.status.value} (stale)"

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "gate": self.gate,
            "tier": self.tier.value,
            "status": self.result.status.value if self.result is not None else None,
            "fresh": self.fresh,
            "summary": self.result.summary if self.result is not None else None,
            "started_at": self.result.started_at if self.result is not None else None,
        }


def status(context: Context) -> list[StatusRow]:
    """Every configured gate, plus any other recorded result, with fresh/stale."""
    cfg, workspace = context.config, context.workspace
    tree = workspace.tree_id()
    recorded = {result.gate: result for result in workspace.results()}
    rows = []
    for name in (*cfg.gates, *sorted(set(recorded) - set(cfg.gates))):
        tier = (
            Tier.REQUIRED
            if name in cfg.required
            else Tier.ADVISORY
            if name in cfg.advisory
            else Tier.INFORMATIONAL
        )
        result = recorded.get(name)
        rows.append(StatusRow(name, tier, result, result is not None and result.tree == tree))
    return rows


def annotate(result: GateResult) -> None:
    """In GitHub Actions, point at the findings of a gate that did not pass."""
    if result.status in (Status.FAIL, Status.ERROR, Status.WARN):
        github.annotate(result)


def publish_decision(decision: Decision) -> None:
    """In GitHub Actions, the step summary table and the ``verdict`` output."""
    github.publish(decision, markdown.decision(decision))
