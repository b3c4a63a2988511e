"""The release steps: ``prepare`` (bump the version, date the changelog) and ``publish``.

``publish`` ships only what a GO decision covered: the exact files the package gate built and
hashed for this tree. Every step is a ledger record, and every step first looks at the world (the
index, the local tag, the remote tag) so a re-run after a failure resumes where it stopped and
never sends a file twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html.parser
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, assert_never

import tomlkit
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gates import changelog, checklist, package, tools
from gates.config import PYPI_UPLOAD_URL, GatesConfig, Priority
from gates.errors import EXIT_FAIL, GatesError
from gates.ledger.interface import Ledger, RecordKind
from gates.model import Decision, JSONValue
from gates.redact import Redactor
from gates.workspace import Workspace, git

if TYPE_CHECKING:
    from gates.project import Project

TAG_PREFIX = "v"
PYPI_UPLOAD_HOST = urllib.parse.urlsplit(PYPI_UPLOAD_URL).hostname
INDEX_TIMEOUT_S = 60.0


class ReleaseError(GatesError):
    """The release cannot go on for a reason of usage or environment (exit 2)."""


class ReleaseRefused(GatesError):
    """The gating does not allow this release: no GO for this tree, files differ (exit 1)."""

    exit_code = EXIT_FAIL


def tag_name(version: str) -> str:
    return f"{TAG_PREFIX}{version}"


def last_tag(root: Path) -> tuple[str, Version] | None:
    """The highest ``v<PEP 440>`` tag in the repository."""
    best: tuple[str, Version] | None = None
    for tag in git(root, "tag", "--list", f"{TAG_PREFIX}*").splitlines():
        try:
            version = Version(tag.removeprefix(TAG_PREFIX))
        except InvalidVersion:
            continue
        if best is None or version > best[1]:
            best = (tag, version)
    return best


# prepare ----------------------------------------------------------------------------------------

_DUNDER_VERSION = re.compile(
    r"^(?P<lead>__version__\s*(?::\s*str\s*)?=\s*)(?P<q>[\"'])(?P<value>[^\"']*)(?P=q)",
    re.MULTILINE,
)
VERSION_FILES = ("__init__.py", "__about__.py", "_version.py", "version.py")
"""Where a package defines ``__version__`` (looked for in ``*/`` and ``src/*/``)."""


@dataclass(frozen=True)
class Prepared:
    """What ``gates release prepare`` changed."""

    version: str
    previous_tag: str | None
    changed: tuple[str, ...]
    """Files written, relative to the project root."""
    dynamic: bool
    """The version comes from the build backend (e.g. a VCS tag): pyproject.toml left alone."""
    commit: str | None = None

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "version": self.version,
            "previous_tag": self.previous_tag,
            "changed": list(self.changed),
            "dynamic": self.dynamic,
            "commit": self.commit,
        }


def _check_new_version(text: str, last: tuple[str, Version] | None) -> None:
    try:
        version = Version(text)
    except InvalidVersion:
        raise ReleaseError(f"{text!r} is not a PEP 440 version") from None
    if str(version) != text:
        raise ReleaseError(f"{text!r} is not in normal form: use {version}")
    if last is not None and version <= last[1]:
        raise ReleaseError(f"{text} is not greater than the last tag {last[0]}")


def _version_files(root: Path, old: str) -> list[Path]:
    """Files whose ``__version__`` is the current project version."""
    found = []
    for folder in (root, root / "src"):
        for name in VERSION_FILES:
            for path in sorted(folder.glob(f"*/{name}")):
                match = _DUNDER_VERSION.search(path.read_text(encoding="utf-8"))
                if match and match.group("value") == old:
                    found.append(path)
    return found


def prepare(project: Project, version: str, *, commit: bool, today: dt.date) -> Prepared:
    """Bump ``[project].version`` and ``__version__``, date the changelog; optionally commit."""
    root = project.root
    previous = last_tag(root)
    _check_new_version(version, previous)
    pyproject = project.config.file
    document = tomlkit.parse(pyproject.read_text(encoding="utf-8"))
    table = document.get("project")
    if not isinstance(table, dict):
        raise ReleaseError(f"{pyproject.name}: no [project] table to take the version from")
    dynamic = "version" in (table.get("dynamic") or [])
    writes: dict[Path, str] = {}
    if not dynamic:
        old = table.get("version")
        if not isinstance(old, str):
            raise ReleaseError(f"{pyproject.name}: project.version: missing (and not dynamic)")
        table["version"] = version
        writes[pyproject] = tomlkit.dumps(document)
        for path in _version_files(root, old):
            text = path.read_text(encoding="utf-8")
            writes[path] = _DUNDER_VERSION.sub(
                lambda m: f"{m.group('lead')}{m.group('q')}{version}{m.group('q')}", text, count=1
            )
    if project.config.package.changelog:
        path = root / project.config.package.changelog
        if not path.is_file():
            raise ReleaseError(f"{project.config.package.changelog}: not found")
        try:
            writes[path] = changelog.release(path.read_text(encoding="utf-8"), version, today)
        except ValueError as exc:
            raise ReleaseError(f"{project.config.package.changelog}: {exc}") from None
    changed = tuple(p.relative_to(root).as_posix() for p in writes)
    if commit and changed:
        dirty = git(root, "diff", "--name-only", "HEAD", "--", *changed).splitlines()
        if dirty:
            raise ReleaseError(
                f"{dirty[0]} has uncommitted changes: commit them first "
                f"(the release commit holds only the release edits)"
            )
    # Everything was checked before the first write: a refusal leaves every file as it was.
    for path, text in writes.items():
        path.write_text(text, encoding="utf-8")
    made = None
    if commit and changed:
        git(root, "add", "--", *changed)
        git(root, "commit", "--quiet", "-m", f"Release {version}", "--", *changed)
        made = git(root, "rev-parse", "HEAD")
    return Prepared(version, previous[0] if previous else None, changed, dynamic, made)


def describe(prepared: Prepared) -> str:
    """What prepare did, for the terminal."""
    lines = [f"prepared {prepared.version} (last tag: {prepared.previous_tag or 'none'})"]
    if prepared.dynamic:
        lines.append("  version is dynamic ([project].dynamic): pyproject.toml left alone")
    lines += [f"  changed {path}" for path in prepared.changed]
    if prepared.commit:
        lines.append(f"  committed {prepared.commit[:12]}")
    return "\n".join(lines)


# publish ----------------------------------------------------------------------------------------


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
        match self.kind:
            case StepKind.UPLOAD:
                return f"upload {self.target}"
            case StepKind.TAG:
                return f"tag {self.target}"
            case StepKind.PUSH:
                return f"push {self.target}"
            case _:
                assert_never(self.kind)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "step": self.kind.value,
            "target": self.target,
            "state": self.state.value,
            "note": self.note,
        }


@dataclass(frozen=True)
class Published:
    """What ``gates release publish`` did (or, with ``--dry-run``, would do)."""

    project: str
    version: str
    decision: str
    repository_url: str
    """Without any password it may have carried."""
    steps: tuple[Step, ...]
    dry_run: bool

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "project": self.project,
            "version": self.version,
            "decision": self.decision,
            "repository_url": self.repository_url,
            "dry_run": self.dry_run,
            "steps": [s.to_dict() for s in self.steps],
        }


def index_url(repository_url: str, configured: str | None) -> str:
    """The simple index that shows what the upload repository already has."""
    if configured:
        return configured.rstrip("/") + "/"
    parts = urllib.parse.urlsplit(repository_url)
    if parts.hostname == "upload.pypi.org":
        return "https://pypi.org/simple/"
    path = parts.path.rstrip("/").removesuffix("/legacy")
    return urllib.parse.urlunsplit(parts._replace(path=f"{path}/simple/", query="", fragment=""))


class _Links(html.parser.HTMLParser):
    """File name → (link, sha256 or None) from a PEP 503 simple index page."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, tuple[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if not href:
            return
        url, _, fragment = href.partition("#")
        name = urllib.parse.unquote(url.rstrip("/").rsplit("/", 1)[-1])
        algorithm, _, digest = fragment.partition("=")
        self.files[name] = (url, digest.lower() if algorithm == "sha256" and digest else None)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect means "not hosted here" (pypiserver falls back to pypi.org for unknown
    # projects): another index's file of the same name says nothing about this one.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _credentials(repository_url: str, index: str) -> tuple[str, str] | None:
    """The upload credentials, for reading an index on the same host only (a private one)."""
    parts = urllib.parse.urlsplit(repository_url)
    if parts.hostname != urllib.parse.urlsplit(index).hostname:
        return None
    if parts.username and parts.password:
        return urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password)
    user, password = os.environ.get("TWINE_USERNAME"), os.environ.get("TWINE_PASSWORD")
    return (user, password) if user and password else None


class Index:
    """The simple index of the upload repository: which files it already has, by content."""

    def __init__(self, url: str, credentials: tuple[str, str] | None, redact: Redactor) -> None:
        self.url = url
        self._credentials = credentials
        self._redact = redact
        self._opener = urllib.request.build_opener(_NoRedirect)

    def _get(self, url: str) -> bytes | None:
        """The body at ``url``; None when the index does not have it (404 or a redirect)."""
        request = urllib.request.Request(url)
        if self._credentials is not None:
            token = base64.b64encode(":".join(self._credentials).encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        shown = self._redact.url(url, "the index URL")
        try:
            with self._opener.open(request, timeout=INDEX_TIMEOUT_S) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as exc:
            if exc.code == 404 or 300 <= exc.code < 400:
                return None
            raise ReleaseError(f"cannot read the index {shown}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = self._redact.text(str(getattr(exc, "reason", exc)))
            raise ReleaseError(f"cannot read the index {shown}: {reason}") from None

    def files(self, project: str) -> dict[str, str]:
        """File name → sha256 of what the index has for ``project``.

        A link without a sha256 fragment is downloaded and hashed: identity is by content.
        """
        page_url = f"{self.url}{canonicalize_name(project)}/"
        body = self._get(page_url)
        if body is None:
            return {}
        links = _Links()
        links.feed(body.decode("utf-8", errors="replace"))
        found = {}
        for name, (href, digest) in links.files.items():
            if digest is None:
                content = self._get(urllib.parse.urljoin(page_url, href))
                if content is None:
                    continue
                digest = hashlib.sha256(content).hexdigest()
            found[name] = digest
        return found


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


def _decision(ledger: Ledger, tree: str) -> Decision:
    decision = ledger.latest_decision(tree)
    if decision is None:
        newest = ledger.records(RecordKind.DECISION, limit=1)
        other = ""
        if newest:
            payload = newest[-1].payload
            other = f" (the latest decision {payload.get('id')} judged tree "
            other += f"{str(payload.get('tree'))[:12]})"
        raise ReleaseRefused(
            f"no decision for this tree {tree[:12]}{other}: run the gates chain (nox -s gates)"
        )
    if not decision.verdict.ships:
        why = f": {decision.reasons[0]}" if decision.reasons else ""
        raise ReleaseRefused(f"decision {decision.id} is {decision.verdict.value}{why}")
    return decision


def _gated_version(decision: Decision) -> str:
    outcome = next((g for g in decision.gates if g.name == package.GATE), None)
    if outcome is None or outcome.result is None or not decision.artifacts:
        raise ReleaseRefused(
            f"decision {decision.id} covers no package files: add {package.GATE!r} to "
            f"[tool.gates] required"
        )
    details = outcome.result.details
    version = str(details.get("version") or decision.version or "")
    if not version:
        raise ReleaseRefused(f"decision {decision.id}: the package gate recorded no version")
    section = details.get("changelog_section")
    if section is not None and section.lower() == changelog.UNRELEASED.lower():
        raise ReleaseRefused(
            f"the gated changelog has no section for {version}: "
            f"run 'gates release prepare {version}' first"
        )
    return version


def _verify_files(workspace: Workspace, decision: Decision) -> list[Path]:
    folder = package.dist_dir(workspace, decision.tree)
    paths = []
    for name, expected in decision.artifacts.items():
        path = folder / name
        shown = path.relative_to(workspace.root).as_posix()
        if not path.is_file():
            raise ReleaseRefused(f"{shown}: gated by decision {decision.id} but missing")
        actual = package.sha256(path)
        if actual != expected:
            raise ReleaseRefused(
                f"{shown}: sha256 {actual[:12]} is not the gated {expected[:12]} "
                f"(decision {decision.id}): re-run the gates chain"
            )
        paths.append(path)
    # Wheels first, then the sdist: an installer that finds the version finds a wheel.
    return sorted(paths, key=lambda p: (not p.name.endswith(".whl"), p.name))


def _tag_commit(root: Path, tag: str) -> str | None:
    out = git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}", check=False)
    return out or None


def _remote_tag_commit(root: Path, remote: str, tag: str) -> str | None:
    if remote not in git(root, "remote").split():
        raise ReleaseError(f"git remote {remote!r} not found (set [tool.gates.release] remote)")
    lines = git(root, "ls-remote", "--tags", remote, f"refs/tags/{tag}", f"refs/tags/{tag}^{{}}")
    refs: dict[str, str] = {}
    for line in lines.splitlines():
        sha, _, ref = line.partition("\t")
        refs[ref] = sha
    # An annotated tag is listed twice; the peeled (^{}) line is the commit.
    return refs.get(f"refs/tags/{tag}^{{}}") or refs.get(f"refs/tags/{tag}")


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


def tag_message(version: str, decision: Decision, files: Sequence[Path]) -> str:
    lines = [
        f"Release {version}",
        "",
        f"Decision: {decision.id} ({decision.verdict.value})",
        f"Tree: {decision.tree}",
        "",
        *(f"sha256 {decision.artifacts[p.name]}  {p.name}" for p in files),
    ]
    return "\n".join(lines) + "\n"


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
    tree = workspace.tree_id()
    _require_clean(workspace, tree)
    decision = _decision(ledger, tree)
    version = _gated_version(decision)
    production = urllib.parse.urlsplit(repository_url).hostname == PYPI_UPLOAD_HOST
    if production or decision.environment == checklist.PRODUCTION:
        _require_production(decision, cfg, ledger, redact.url(repository_url, URL_NAME), version)
    name = cfg.project_name or decision.project or ""
    if not name:
        raise ReleaseError(f"{cfg.file.name}: project.name: missing")
    files = _verify_files(workspace, decision)

    tag = tag_name(version)
    head = workspace.commit()
    local = _tag_commit(project.root, tag)
    remote = _remote_tag_commit(project.root, cfg.release.remote, tag)
    for where, commit in (("", local), (f" on {cfg.release.remote}", remote)):
        if commit is not None and commit != head:
            raise ReleaseError(
                f"tag {tag} already exists{where} on commit {commit[:12]}, "
                f"not on HEAD {(head or '')[:12]}: {version} was released from other code"
            )

    where = index_url(repository_url, cfg.release.index_url)
    index = Index(where, _credentials(repository_url, where), redact)
    on_index = index.files(name)
    before = _uploaded_before(ledger, name, version, redact.url(repository_url, URL_NAME))
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
        version=version,
        decision=decision,
        signoffs=ledger.records(RecordKind.SIGNOFF),
    )
    missing = [c.item.name for c in found.unchecked(Priority.MUST)]
    if missing:
        raise ReleaseRefused(
            f"production release of {version} lacks must-have checklist items: {', '.join(missing)}"
        )


URL_NAME = "the repository URL"


def _redactor(repository_url: str) -> Redactor:
    """The upload password (``TWINE_PASSWORD`` or the URL's) in every spelling, and the Basic
    token sent with it (an index may echo it)."""
    redact = Redactor()
    user, password = os.environ.get("TWINE_USERNAME"), os.environ.get("TWINE_PASSWORD")
    if password is not None:
        redact.add(password, "TWINE_PASSWORD")
        redact.add_basic(user or "", password)
    redact.add_url(repository_url, URL_NAME)
    return redact


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
    redact = _redactor(url)
    plan = _plan(project, ledger, url, redact)
    shown_url = redact.url(url, URL_NAME)
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
            run = tools.run(
                [
                    sys.executable,
                    "-m",
                    "twine",
                    "--no-color",
                    "upload",
                    "--non-interactive",
                    "--disable-progress-bar",
                    "--repository-url",
                    url,
                    str(path),
                ],
                cwd=root,
                timeout_s=project.config.timeout_s,
                env={"COLUMNS": "1000"},
            )
            if run.returncode != 0:
                lines = run.tail().splitlines()
                # twine's "ERROR    HTTPError: 403 Forbidden from URL" says most; else the end.
                error = next(
                    (x for x in lines if x.startswith("ERROR")), lines[-1] if lines else ""
                )
                reason = error.removeprefix("ERROR").strip() or f"exit {run.returncode}"
                reason = redact.text(reason)
                raise ReleaseError(f"upload of {step.target} failed: {reason}")
        case StepKind.TAG:
            message = tag_message(plan.version, plan.decision, plan.files)
            git(root, "tag", "--annotate", "--no-sign", "-m", message, step.target, "HEAD")
        case StepKind.PUSH:
            git(root, "push", "--quiet", project.config.release.remote, f"refs/tags/{step.target}")
        case _:
            assert_never(step.kind)
