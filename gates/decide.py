"""``gates decide`` and ``gates status``: the recorded results of this tree, as the ledger has them.

A results file counts only while it matches the digest its run appended to the ledger
(:func:`gates.runner.trusted_result`); :func:`gates.policy.decide` holds every verdict rule; the
decision is appended to the ledger first, so the written ``decision.json`` carries its hashes.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Mapping

from gates import policy
from gates.checklist import who
from gates.errors import GatesError, LedgerError
from gates.ledger import RecordKind, record_decision
from gates.model import Decision, StatusRow, Tier, utcnow
from gates.project import Project
from gates.report import markdown
from gates.runner import trusted_result
from gates.workspace import write_json, write_text


def new_decision_id(now: dt.datetime) -> str:
    """Sortable by time, unique across machines."""
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def decide(
    project: Project,
    *,
    environment: str | None = None,
    decided_by: str | None = None,
    reason: str | None = None,
    no_go: bool = False,
) -> Decision:
    """Judge every configured gate's result for the current tree and record the decision.

    ``decided_by``/``reason`` say who decided and why; ``no_go`` turns any verdict into NO_GO.
    """
    if no_go and not (reason and reason.strip()):
        raise GatesError("decide: --no-go needs --reason (say why the release is stopped)")
    settings, workspace = project.config, project.workspace
    tree = workspace.tree_id()
    # Results are trusted by their digests in the ledger: only while its chain checks out.
    chain = project.ledger.verify()
    if not chain.ok:
        raise LedgerError(
            f"{project.ledger.location}: ledger BROKEN: {chain.problem}: results bound to it "
            "cannot be trusted (run 'gates ledger verify')"
        )
    results = {name: trusted_result(project, name, tree) for name in settings.gates}
    now = utcnow()
    request = policy.Request(
        id=new_decision_id(now),
        created_at=now.isoformat(timespec="seconds"),
        tree=tree,
        commit=workspace.commit(),
        branch=workspace.branch() or ci_branch(os.environ),
        environment=environment,
        decided_by=decided_by.strip() if decided_by and decided_by.strip() else who(),
        reason=reason,
        no_go=no_go,
    )
    signoffs = project.ledger.records(RecordKind.SIGNOFF)
    decision = policy.decide(results, settings, signoffs, request, now.date())
    decision = record_decision(project.ledger, decision)
    write_json(workspace.decision_path, decision.to_dict())
    write_text(workspace.gates_dir / "decision.md", markdown.decision(decision))
    return decision


def ci_branch(env: Mapping[str, str]) -> str | None:
    """The branch GitHub Actions names for a detached checkout: a pull request's source branch,
    or the pushed branch. So that decisions made on a pull request's merge commit can be found
    and compared by branch; None for a tag, or outside Actions."""
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    if env.get("GITHUB_HEAD_REF"):
        return env["GITHUB_HEAD_REF"]
    if env.get("GITHUB_REF_TYPE") == "branch" and env.get("GITHUB_REF_NAME"):
        return env["GITHUB_REF_NAME"]
    return None


def status(project: Project) -> list[StatusRow]:
    """Every configured gate, plus any other recorded result, with fresh/stale."""
    settings, workspace = project.config, project.workspace
    tree = workspace.tree_id()
    recorded = {result.gate: result for result in workspace.results()}
    rows = []
    for name in (*settings.gates, *sorted(set(recorded) - set(settings.gates))):
        tier = (
            Tier.REQUIRED
            if name in settings.required
            else Tier.ADVISORY
            if name in settings.advisory
            else Tier.INFORMATIONAL
        )
        result = recorded.get(name)
        rows.append(StatusRow(name, tier, result, result is not None and result.tree == tree))
    return rows
