"""The package gate: build sdist + wheel, ``twine check --strict``, install the wheel and smoke it.

The files are built into ``.gates/dist/<tree id>/`` and their sha256 recorded in the result
(``details["artifacts"]``), which the decision carries: ``gates release publish`` uploads exactly
those files, and only while their hashes still match.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from gates import changelog, envs, install_check, tools
from gates.config import GatesConfig, PackageConfig
from gates.dist import SDIST, WHEEL, DistFile, read_dist
from gates.errors import ToolError
from gates.gate import Gate
from gates.model import Finding, GateResult, JSONValue, Status
from gates.reuse import Inputs
from gates.tools import ToolRun
from gates.workspace import DIST_DIR, Workspace, git, unfiltered

if TYPE_CHECKING:
    from gates.project import Project

GATE = "package"


@dataclass(frozen=True)
class PackageEvidence:
    """Everything the package gate observed; :func:`judge` turns it into a result."""

    dist_dir: str
    """Where the files are, relative to the project root."""
    project_version: str | None
    """Static ``[project].version``; None when the version is dynamic."""
    build: ToolRun
    files: tuple[DistFile, ...] = ()
    check: ToolRun | None = None
    """``twine check --strict``; None when nothing was built."""
    installed: install_check.InstallCheck | None = None
    """The wheel's install and smoke; None when no wheel was built."""
    changelog_file: str | None = None
    """Configured changelog path; None when the check is off."""
    changelog_text: str | None = None
    """Its content; None when the file is missing."""


def dist_dir(workspace: Workspace, tree: str) -> Path:
    """Where the package gate keeps the files it built for ``tree``."""
    return workspace.gates_dir / DIST_DIR / tree


def _build_env(workspace: Workspace) -> dict[str, str]:
    # Archives stamped with the commit time rather than "now", where the backend supports it.
    if "SOURCE_DATE_EPOCH" in os.environ or workspace.commit() is None:
        return {}
    return {"SOURCE_DATE_EPOCH": git(workspace.root, "log", "-1", "--format=%ct")}


def _snapshot(workspace: Workspace, tree: str, into: Path, *, with_git: bool) -> Path:
    """The gated tree's content alone, checked out into ``into``: what is built is what was judged.

    Tool output (``.gates/`` with its ledger and earlier builds, ``.nox``), ignored files (a local
    ``.env``) and anything else outside the tree id can never end up in the sdist, and the build
    writes nothing into the project (setuptools rewrites a tracked ``*.egg-info/SOURCES.txt``).
    ``with_git``: the checkout is a repository of its own (:func:`_borrowed_repository`), so that
    a version read from git (setuptools-scm, hatch-vcs) is the one an in-place build would read.
    Returns the folder to build.
    """
    prefix = git(workspace.root, "rev-parse", "--show-prefix")
    source = into / "source"
    if with_git:
        _borrowed_repository(workspace, source)
        git(source, "read-tree", tree)
        git(source, *unfiltered(workspace.root), "checkout-index", "--all")
        return source / prefix
    env = {"GIT_INDEX_FILE": str(into / "index")}
    git(workspace.root, "read-tree", f"{tree}:{prefix}", env=env)
    checkout = (*unfiltered(workspace.root), "checkout-index", "--all", f"--prefix={source}/")
    git(workspace.root, *checkout, env=env)
    return source


def _borrowed_repository(workspace: Workspace, at: Path) -> None:
    """A new repository at ``at`` with the project's commit (HEAD) and tags, its objects borrowed.

    The tree checked out there against HEAD is "dirty" exactly when the gated tree differs from
    the commit, as in place. Version tools run git with the ``GIT_*`` variables stripped, so a
    scratch index alone would not do: they would refresh the project's own index.
    """
    at.mkdir(parents=True)
    git(at, "init", "--quiet")
    common = workspace.root / git(workspace.root, "rev-parse", "--git-common-dir")
    meta = at / ".git"
    (meta / "objects" / "info" / "alternates").write_text(f"{common / 'objects'}\n", "utf-8")
    if (common / "shallow").is_file():  # else a shallow clone's history ends in missing objects
        shutil.copyfile(common / "shallow", meta / "shallow")
    tags = git(workspace.root, "for-each-ref", "--format=%(objectname) %(refname)", "refs/tags")
    (meta / "packed-refs").write_text(f"{tags}\n" if tags else "", "utf-8")
    head = workspace.commit()
    if head is not None:
        (meta / "HEAD").write_text(f"{head}\n", "utf-8")


def _build(
    workspace: Workspace, source: Path, config: PackageConfig, out: Path, timeout_s: float
) -> ToolRun:
    argv = [sys.executable, "-m", "build", "--outdir", str(out)]
    if not config.isolation:
        argv.append("--no-isolation")
    elif envs.uv():
        argv += ["--installer", "uv"]  # same isolated build, much faster environment setup
    return tools.run(
        [*argv, str(source)],
        cwd=source,
        timeout_s=timeout_s,
        env=_build_env(workspace),
    )


def smoke_command(config: PackageConfig, files: tuple[DistFile, ...]) -> tuple[str, ...]:
    """The configured smoke command, or ``python -c "import <every top-level module>"``."""
    if config.smoke:
        return config.smoke
    modules = sorted({m for f in files if f.kind == WHEEL for m in f.modules})
    return ("python", "-c", f"import {', '.join(modules)}") if modules else ()


def _build_into(
    workspace: Workspace,
    config: PackageConfig,
    tree: str,
    dynamic: bool,
    target: Path,
    timeout_s: float,
) -> ToolRun:
    """Build into ``target``, swapped in whole: a half-built folder is never "the dist"."""
    partial = Path(tempfile.mkdtemp(prefix=f".{tree}.", dir=target.parent))
    partial.chmod(0o755)  # mkdtemp makes it private; the dist folder is an ordinary one
    try:
        with tempfile.TemporaryDirectory(prefix="gates-source-") as scratch:
            # A dynamic version may come from git (a tag): those builds see the repository.
            source = _snapshot(workspace, tree, Path(scratch), with_git=dynamic)
            built = _build(workspace, source, config, partial, timeout_s)
        if built.returncode == 0:
            shutil.rmtree(target, ignore_errors=True)
            try:
                os.replace(partial, target)
            except OSError as exc:  # what is left of the old one (a file it cannot delete)
                raise ToolError(f"{target}: cannot replace it with the new build: {exc}") from None
        return built
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def collect(
    workspace: Workspace,
    config: PackageConfig,
    project_version: str | None,
    timeout_s: float,
    tree: str,
) -> PackageEvidence:
    """Build, check, install and smoke: the only I/O of this gate."""
    target = dist_dir(workspace, tree)
    target.parent.mkdir(parents=True, exist_ok=True)
    changelog_text = None
    if config.changelog:
        path = workspace.root / config.changelog
        # A stray non-UTF-8 byte must not crash the gate: the section headings are still found.
        changelog_text = path.read_text("utf-8", errors="replace") if path.is_file() else None
    built = _build_into(workspace, config, tree, project_version is None, target, timeout_s)
    paths: list[Path] = []
    if built.returncode == 0:
        paths = sorted(target.iterdir(), key=lambda p: (not p.name.endswith(".whl"), p.name))
    files = tuple(read_dist(p) for p in paths if p.is_file())
    check = installed = None
    if files:
        check = tools.run(
            [sys.executable, "-m", "twine", "--no-color", "check", "--strict", *map(str, paths)],
            cwd=workspace.root,
            timeout_s=timeout_s,
            env={"COLUMNS": "1000"},  # twine's console wraps at the terminal width: one line each
        )
    wheel = next((f for f in files if f.kind == WHEEL), None)
    if wheel is not None:
        command = smoke_command(config, files)
        installed = install_check.check(
            workspace.gates_dir, target / wheel.name, wheel, command, timeout_s
        )
    return PackageEvidence(
        dist_dir=target.relative_to(workspace.root).as_posix(),
        project_version=project_version,
        build=built,
        files=files,
        check=check,
        installed=installed,
        changelog_file=config.changelog,
        changelog_text=changelog_text,
    )


def _build_error(build: ToolRun) -> str:
    """The backend's own error line (``build`` ends with a generic "Backend subprocess
    exited"), else the last line."""
    return tools.last_exception_line(build.tail(200)) or build.tail(1)


def _twine_findings(check: ToolRun) -> list[Finding]:
    """One finding per failing file: its first ERROR/WARNING line and the detail below it."""
    found: list[tuple[str, list[str]]] = []
    for line in (check.stdout + "\n" + check.stderr).splitlines():
        text = " ".join(line.split())
        if line.startswith("Checking ") and text.endswith("FAILED"):
            found.append((Path(text.removeprefix("Checking ").rsplit(":", 1)[0]).name, []))
        elif found and (line.startswith(("ERROR", "WARNING")) or (found[-1][1] and text)):
            if len(found[-1][1]) < 2:
                found[-1][1].append(text)
        elif found and found[-1][1] and not text:
            found[-1][1].append("")  # a blank line ends the message
    findings = [
        Finding(f"twine check: {name}: {' '.join(m for m in message if m)}", rule="twine-check")
        for name, message in found
    ]
    return findings or [
        Finding(f"twine check failed: {check.tail(1) or 'no output'}", rule="twine-check")
    ]


def _same(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def judge(evidence: PackageEvidence, config: PackageConfig) -> GateResult:
    """Pure: did it build, check, install, smoke, and carry the right version and changelog?"""
    problems: list[Finding] = []
    files = evidence.files
    details: dict[str, JSONValue] = {
        "dist_dir": evidence.dist_dir,
        "artifacts": {f.name: f.sha256 for f in files},
        "files": [{"name": f.name, "kind": f.kind, "size": f.size} for f in files],
    }
    metrics: dict[str, int | float | str | None] = {
        "files": len(files),
        "build_s": round(evidence.build.duration_s, 3),
    }
    for kind in (WHEEL, SDIST):
        metrics[f"{kind}_bytes"] = sum(f.size for f in files if f.kind == kind)
    if evidence.build.returncode != 0 or not files:
        details["build_output"] = evidence.build.tail()
        reason = _build_error(evidence.build) or f"exit {evidence.build.returncode}"
        problems.append(Finding(f"python -m build failed: {reason}", rule="build"))
        return _result(problems, metrics, details, "")
    for kind in (WHEEL, SDIST):
        if not any(f.kind == kind for f in files):
            problems.append(Finding(f"no {kind} was built", rule="build"))

    if evidence.check is not None:
        metrics["check_s"] = round(evidence.check.duration_s, 3)
        if evidence.check.returncode != 0:
            details["twine_output"] = evidence.check.tail()
            problems.extend(_twine_findings(evidence.check))

    versions = {f.version for f in files if f.version}
    for f in files:
        if f.problem:
            problems.append(Finding(f"{f.name}: {f.problem}", rule="metadata"))
    refused = {problem: [f.name for f in files if problem in f.upload_problems]
               for f in files for problem in f.upload_problems}  # fmt: skip
    for problem, names in refused.items():
        message = f"the index would refuse {', '.join(names)}: {problem}"
        problems.append(Finding(message, file="pyproject.toml", rule="index"))
    version = evidence.project_version or (sorted(versions)[0] if versions else None)
    for f in files:
        if version and f.version and not _same(f.version, version):
            expected = "[project].version" if evidence.project_version else "the other files"
            problems.append(
                Finding(
                    f"{f.name}: metadata version {f.version} != {version} ({expected})",
                    file="pyproject.toml",
                    rule="version",
                )
            )
    details["version"] = version

    if evidence.changelog_file:
        section = (
            changelog.section_for(evidence.changelog_text, version, evidence.changelog_file)
            if evidence.changelog_text is not None and version
            else None
        )
        details["changelog_section"] = section
        if evidence.changelog_text is None:
            problems.append(Finding(f"{evidence.changelog_file} not found", rule="changelog"))
        elif section is None:
            problems.append(
                Finding(
                    f"{evidence.changelog_file} has no section for {version} "
                    f"and no {changelog.UNRELEASED} section",
                    file=evidence.changelog_file,
                    rule="changelog",
                )
            )

    command = smoke_command(config, files)
    details["smoke_command"] = list(command)
    installed = evidence.installed
    if installed is not None and installed.install.returncode != 0:
        details["install_output"] = installed.install.tail()
        problems.append(
            Finding(f"the wheel does not install: {installed.install.tail(1)}", rule="install")
        )
    elif any(f.kind == WHEEL for f in files) and not command:
        problems.append(Finding("the wheel has no importable module to smoke", rule="smoke"))
    elif installed is not None and (smoked := installed.smoke) is not None:
        metrics["smoke_s"] = round(smoked.duration_s, 3)
        details["smoke_output"] = smoked.tail()
        if smoked.returncode != 0:
            problems.append(
                Finding(
                    f"smoke command exited {smoked.returncode}: {smoked.tail(1) or 'no output'}",
                    rule="smoke",
                )
            )
    return _result(problems, metrics, details, version or "")


def _result(
    problems: list[Finding],
    metrics: Mapping[str, int | float | str | None],
    details: Mapping[str, JSONValue],
    version: str,
) -> GateResult:
    files = metrics["files"]
    if problems:
        first = problems[0].message
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return GateResult(
            GATE, Status.FAIL, f"{first}{more}", metrics, tuple(problems), details=details
        )
    summary = f"{files} files for {version}: twine check --strict passed, wheel installs and smokes"
    return GateResult(GATE, Status.PASS, summary, metrics, details=details)


@dataclass(frozen=True)
class PackageGate(Gate[PackageEvidence]):
    name: str = GATE

    def collect(self, project: Project, tree: str) -> PackageEvidence:
        settings = project.config
        return collect(
            project.workspace, settings.package, settings.version, settings.timeout_s, tree
        )

    def judge(self, evidence: PackageEvidence, config: GatesConfig, today: dt.date) -> GateResult:
        return judge(evidence, config.package)

    def tools(self) -> Mapping[str, str]:
        return {"build": tools.version("build"), "twine": tools.version("twine")}

    def inputs(self, project: Project, tree: str) -> Inputs:
        settings, workspace = project.config, project.workspace
        extra = {}
        if settings.version is None:
            # A dynamic version comes from git (a tag), which the tree id does not cover.
            extra["git describe"] = git(workspace.root, "describe", "--tags", "--long", "--always")
        return Inputs(
            config=(settings.package, settings.version, settings.timeout_s),
            distributions=("build", "twine"),
            # uv on PATH builds and installs in its stead (see _build, gates.install_check).
            executables=("uv",) if envs.uv() else (),
            extra=extra,
        )

    def outputs(self, project: Project, tree: str) -> Sequence[Path]:
        """The built files: their hashes are in the result, and release publish uploads them."""
        folder = dist_dir(project.workspace, tree)
        return sorted(folder.iterdir()) if folder.is_dir() else [folder]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options of its own."""


def from_args(args: argparse.Namespace) -> PackageGate:
    return PackageGate()
