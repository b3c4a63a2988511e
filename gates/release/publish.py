"""``gates release publish``: ship only what a GO decision covered, and record every step.

The ledger is the only authority: the decision for this tree, its verdict and the sha256 of every
file the package gate built all come from the ledger (never from a file in ``.gates/``), and the
gated folder must hold exactly those files. Every step is a ledger record, and every step first
looks at the world (the index, the local tag, the remote tag) so a re-run after a failure resumes
where it stopped and never sends a file twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, assert_never

from gates import changelog, checklist, dist, package
from gates.config import GatesConfig, Priority
from gates.details import PackageDetails
from gates.errors import GatesError
from gates.jsonfields import ByField
from gates.ledger.interface import Ledger, RecordKind
from gates.model import Decision, JSONValue, made_for
from gates.redact import Redactor
from gates.release.errors import ReleaseError, ReleaseRefused
from gates.release.index import (
    REPOSITORY_URL,
    Index,
    credentials,
    index_url,
    upload,
    upload_redactor,
    uploads_to_pypi,
)
from gates.release.tags import remote_tag_commit, tag_commit, tag_message, tag_name
from gates.workspace import Workspace, git

if TYPE_CHECKING:
    from gates.project import Project


class StepKind(StrEnum):
    UPLOAD = "upload"
    TAG = "tag"
    PUSH = "push"


class StepState(StrEnum):
    TODO = "todo"
    """Will run (or, in a dry run, would run)."""
    DONE = "done"
    """Ran now."""
    ALREADY = "already"
    """Found done (an earlier run, or the same file already on the index)."""


@dataclass(frozen=True)
class Step:
    kind: StepKind
    target: str
    """The file name, or the tag."""
    state: StepState
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind} {self.target}"

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "step": self.kind.value,
            "target": self.target,
            "state": self.state.value,
            "note": self.note,
        }


@dataclass(frozen=True)
class Published(ByField):
    """What ``gates release publish`` did (or, with ``--dry-run``, would do)."""

    project: str
    version: str
    decision: str
    repository_url: str
    """Without any password it may have carried."""
    steps: tuple[Step, ...]
    dry_run: bool


def _require_clean(workspace: Workspace, tree: str) -> None:
    """The tree being released (the gated one) must be exactly HEAD's: that is what gets tagged."""
    head = git(workspace.root, "rev-parse", "--verify", "--quiet", "HEAD^{tree}", check=False)
    if not head:
        raise ReleaseError("no commit to release: commit first")
    if head == tree:
        return
    # Both trees are objects already (tree_id writes its tree): their diff is the exact change.
    changed = git(workspace.root, "diff-tree", "-r", "--name-only", head, tree).splitlines()
    what = changed[0] + (f" and {len(changed) - 1} more" if len(changed) > 1 else "")
    raise ReleaseError(f"the working tree is not clean ({what} changed): commit or stash first")


def _decision(ledger: Ledger, tree: str, project: str | None) -> Decision:
    decision = ledger.latest_decision(tree, project=project)
    if decision is None:
        newest = ledger.records(RecordKind.DECISION, limit=1)
        other = ""
        if newest:
            payload = newest[-1].payload
            judged = f"tree {str(payload.get('tree'))[:12]}"
            if not made_for(payload.get("project"), project):
                judged += f" for project {payload.get('project')!r}"
            other = f" (the latest decision {payload.get('id')} judged {judged})"
        raise ReleaseRefused(
            f"no decision for this tree {tree[:12]}{other}: run the gates chain (nox -s gates)"
        )
    if not decision.verdict.ships:
        why = f": {decision.reasons[0]}" if decision.reasons else ""
        raise ReleaseRefused(f"decision {decision.id} is {decision.verdict.value}{why}")
    return decision


def _gated_version(decision: Decision, changelog_file: str | None) -> str:
    outcome = next((g for g in decision.gates if g.name == package.GATE), None)
    if outcome is None or outcome.result is None or not decision.artifacts:
        raise ReleaseRefused(
            f"decision {decision.id} covers no package files: add {package.GATE!r} to "
            f"[tool.gates] required"
        )
    details = PackageDetails.from_result(outcome.result)
    version = details.version or decision.version or ""
    if not version:
        raise ReleaseRefused(f"decision {decision.id}: the package gate recorded no version")
    section = details.changelog_section
    if section is not None and section.lower() == changelog.UNRELEASED.lower():
        # prepare dates a Markdown changelog only (it refuses a reStructuredText one).
        todo = f"run 'gates release prepare {version}' first"
        if changelog_file and changelog.is_rst(changelog_file):
            todo = f"title its Unreleased section {version} in {changelog_file}, then gate again"
        raise ReleaseRefused(f"the gated changelog has no section for {version}: {todo}")
    return version


def _require_intact(ledger: Ledger) -> None:
    """The decision is trusted only while the chain holding it checks out: an edited record (its
    artifact hashes rewritten to match altered files) must not ship."""
    check = ledger.verify()
    if not check.ok:
        raise ReleaseRefused(
            f"the ledger does not verify: {check.problem} (run 'gates ledger verify')"
        )


def _verify_files(workspace: Workspace, decision: Decision) -> list[Path]:
    """The gated folder holds exactly the decision's files, each with the sha256 it recorded.

    A file the decision does not list is refused too (not skipped): nothing in the folder the
    release reads from may be there without the gates having judged it.
    """
    folder = package.dist_dir(workspace, decision.tree)
    present = {entry.name: entry for entry in folder.iterdir()} if folder.is_dir() else {}
    paths = []
    for name in sorted(present.keys() | decision.artifacts.keys()):
        # Joined as text: a name from a forged record ("../x") is shown, never resolved.
        shown = f"{folder.relative_to(workspace.root).as_posix()}/{name}"
        path, expected = present.get(name), decision.artifacts.get(name)
        if expected is None:
            raise ReleaseRefused(
                f"{shown}: not a file decision {decision.id} gated: re-run the gates chain"
            )
        if path is None or not path.is_file():
            raise ReleaseRefused(f"{shown}: gated by decision {decision.id} but missing")
        actual = dist.sha256(path)
        if actual != expected:
            raise ReleaseRefused(
                f"{shown}: sha256 {actual[:12]} is not the gated {expected[:12]} "
                f"(decision {decision.id}): re-run the gates chain"
            )
        paths.append(path)
    # Wheels first, then the sdist: an installer that finds the version finds a wheel.
    return sorted(paths, key=lambda p: (not p.name.endswith(".whl"), p.name))


def _uploaded_before(
    ledger: Ledger, project: str, version: str, repository_url: str
) -> dict[str, str]:
    """Files a previous run recorded as uploaded to this repository (name → sha256).

    Per repository: TestPyPI first, then PyPI, is two releases of the same files.
    """
    done: dict[str, str] = {}
    for record in ledger.records(RecordKind.RELEASE_STEP):
        p = record.payload
        if (
            p.get("project") == project
            and p.get("version") == version
            and p.get("repository_url") == repository_url
            and p.get("step") == StepKind.UPLOAD.value
            and p.get("state") in (StepState.DONE.value, StepState.ALREADY.value)
        ):
            done[str(p.get("target"))] = str(p.get("sha256"))
    return done


@dataclass(frozen=True)
class _Plan:
    project: str
    version: str
    decision: Decision
    repository_url: str
    files: tuple[Path, ...]
    steps: tuple[Step, ...]


def _plan(project: Project, ledger: Ledger, repository_url: str, redact: Redactor) -> _Plan:
    """Every refusal happens here, before anything is uploaded, tagged or pushed."""
    workspace, cfg = project.workspace, project.config
    _require_intact(ledger)
    tree = workspace.tree_id()
    _require_clean(workspace, tree)
    decision = _decision(ledger, tree, cfg.project_name)
    version = _gated_version(decision, cfg.package.changelog)
    production = uploads_to_pypi(repository_url)
    if production or decision.environment == checklist.PRODUCTION:
        _require_production(
            decision, cfg, ledger, redact.url(repository_url, REPOSITORY_URL), version
        )
    name = cfg.project_name or decision.project or ""
    if not name:
        raise ReleaseError(f"{cfg.file.name}: project.name: missing")
    files = _verify_files(workspace, decision)

    tag = tag_name(version)
    head = workspace.commit()
    local = tag_commit(project.root, tag)
    remote = remote_tag_commit(project.root, cfg.release.remote, tag)
    for where, commit in (("", local), (f" on {cfg.release.remote}", remote)):
        if commit is not None and commit != head:
            raise ReleaseError(
                f"tag {tag} already exists{where} on commit {commit[:12]}, "
                f"not on HEAD {(head or '')[:12]}: {version} was released from other code"
            )

    where = index_url(repository_url, cfg.release.index_url)
    index = Index(where, credentials(repository_url, where), redact)
    on_index = index.files(name)
    before = _uploaded_before(ledger, name, version, redact.url(repository_url, REPOSITORY_URL))
    steps = []
    for path in files:
        digest = decision.artifacts[path.name]
        if path.name in on_index and on_index[path.name] != digest:
            raise ReleaseError(
                f"{path.name} is already on the index with sha256 "
                f"{on_index[path.name][:12]}, not the gated {digest[:12]}: "
                f"a released file cannot be replaced; release a new version"
            )
        if on_index.get(path.name) == digest:
            steps.append(Step(StepKind.UPLOAD, path.name, StepState.ALREADY, "on the index"))
        elif before.get(path.name) == digest:
            steps.append(Step(StepKind.UPLOAD, path.name, StepState.ALREADY, "uploaded earlier"))
        else:
            steps.append(Step(StepKind.UPLOAD, path.name, StepState.TODO))
    # A tag already on the remote at HEAD is the release tag (a fresh clone lacks it locally):
    # creating another tag object there would only make the push fail.
    if local:
        steps.append(Step(StepKind.TAG, tag, StepState.ALREADY))
    elif remote:
        steps.append(Step(StepKind.TAG, tag, StepState.ALREADY, f"on {cfg.release.remote}"))
    else:
        steps.append(Step(StepKind.TAG, tag, StepState.TODO))
    steps.append(Step(StepKind.PUSH, tag, StepState.ALREADY if remote else StepState.TODO))
    return _Plan(name, version, decision, repository_url, tuple(files), tuple(steps))


def _require_production(
    decision: Decision, config: GatesConfig, ledger: Ledger, shown_url: str, version: str
) -> None:
    """A production release needs a production decision (``gates decide --environment
    production``, NO_GO while a must-have is unchecked), and every must-have still checked now."""
    if decision.environment != checklist.PRODUCTION:
        raise ReleaseRefused(
            f"{shown_url} is a production index: it needs a decision made with "
            f"'gates decide --environment {checklist.PRODUCTION}' (it checks the must-have "
            f"sign-offs); decision {decision.id} was for {decision.environment or 'no environment'}"
        )
    found = checklist.build(
        config.checklist,
        project=config.project_name,
        version=version,
        tree=decision.tree,
        decision=decision,
        signoffs=ledger.records(RecordKind.SIGNOFF),
    )
    missing = [c.item.name for c in found.unchecked(Priority.MUST)]
    if missing:
        raise ReleaseRefused(
            f"production release of {version} lacks must-have checklist items: {', '.join(missing)}"
        )


def publish(
    project: Project,
    ledger: Ledger,
    *,
    repository_url: str | None = None,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> Published:
    """Upload the gated files, tag HEAD ``v{version}`` citing the decision, push the tag."""
    url = repository_url or project.config.release.repository_url
    redact = upload_redactor(url)
    plan = _plan(project, ledger, url, redact)
    shown_url = redact.url(url, REPOSITORY_URL)
    journal = _Journal(ledger, plan, shown_url, redact)
    done: list[Step] = []
    say(
        f"{'plan' if dry_run else 'publish'}: {plan.project} {plan.version} "
        f"(decision {plan.decision.id}, {plan.decision.verdict.value}) to {shown_url}"
    )
    for step in plan.steps:
        if step.state is StepState.ALREADY or dry_run:
            verb = "already done" if step.state is StepState.ALREADY else "would run"
            note = f" ({step.note})" if step.note and step.state is StepState.ALREADY else ""
            say(f"  {step.label}: {verb}{note}")
            done.append(step)
            continue
        journal.record(step, "started")
        try:
            _run_step(project, plan, step, url, redact)
        except GatesError as exc:
            journal.record(step, "failed", str(exc))
            raise
        journal.record(step, StepState.DONE.value)
        say(f"  {step.label}: done")
        done.append(Step(step.kind, step.target, StepState.DONE, step.note))
    if any(step.state is StepState.DONE for step in done):
        journal.record(None, "published")
    return Published(plan.project, plan.version, plan.decision.id, shown_url, tuple(done), dry_run)


@dataclass(frozen=True)
class _Journal:
    """Appends this release's steps to the ledger, secrets redacted."""

    ledger: Ledger
    plan: _Plan
    repository_url: str
    """Already redacted."""
    redact: Redactor

    def record(self, step: Step | None, state: str, error: str | None = None) -> None:
        """``step`` None: the release as a whole."""
        plan = self.plan
        payload: dict[str, JSONValue] = {
            "project": plan.project,
            "version": plan.version,
            "decision": plan.decision.id,
            "tree": plan.decision.tree,
            "repository_url": self.repository_url,
            "step": step.kind.value if step else "release",
            "target": step.target if step else tag_name(plan.version),
            "state": state,
        }
        if step is not None and step.kind is StepKind.UPLOAD:
            payload["sha256"] = plan.decision.artifacts[step.target]
        if step is None:
            payload["artifacts"] = dict(plan.decision.artifacts)
        if error is not None:
            payload["error"] = self.redact.text(error)
        self.ledger.append(RecordKind.RELEASE_STEP, payload)


def _run_step(project: Project, plan: _Plan, step: Step, url: str, redact: Redactor) -> None:
    root = project.root
    match step.kind:
        case StepKind.UPLOAD:
            path = next(p for p in plan.files if p.name == step.target)
            upload(path, url, cwd=root, timeout_s=project.config.timeout_s, redact=redact)
        case StepKind.TAG:
            message = tag_message(plan.version, plan.decision, plan.files)
            git(root, "tag", "--annotate", "--no-sign", "-m", message, step.target, "HEAD")
        case StepKind.PUSH:
            git(root, "push", "--quiet", project.config.release.remote, f"refs/tags/{step.target}")
        case _:
            assert_never(step.kind)
