"""The lint gate: ``ruff check`` and ``ruff format --check``, JSON output, optional baseline."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from gates import baseline, tool_settings, tools
from gates.config import LintConfig
from gates.errors import ToolError
from gates.model import Finding, JSONValue
from gates.workspace import git

if TYPE_CHECKING:
    from gates.project import Project

GATE = "lint"
RUFF_CHECK = ("ruff", "check", "--output-format", "json", "--no-fix", "--no-cache")
"""``--no-cache``: ruff's cache trusts a file's modification time, and an edit that keeps it
(``cp -p``, ``rsync -a``, an archive unpacked) got the result from before the edit."""
NO_FILES_WARNING = "No Python files found"
"""What ruff check prints on stderr when it checked no file."""


@dataclass(frozen=True)
class LintEvidence:
    """What ruff reported, as parsed JSON diagnostics."""

    check: list[dict[str, JSONValue]]
    format: list[dict[str, JSONValue]]


def _ruff_json(run: tools.ToolRun, what: str) -> list[dict[str, JSONValue]]:
    # Exit codes of ruff: 0 clean, 1 findings, 2 could not run (bad config, bad arguments).
    if run.returncode not in (0, 1):
        raise ToolError(f"{what} exited {run.returncode}: {run.tail(3) or 'no output'}")
    try:
        data = json.loads(run.stdout or "[]")
    except ValueError:
        raise ToolError(f"{what}: output is not JSON (ruff >= 0.12 is needed)") from None
    if not isinstance(data, list):
        raise ToolError(f"{what}: unexpected JSON output")
    return data


def own_settings_only(root: Path) -> list[str]:
    """``--isolated`` when the project root holds no ruff settings: ruff would then read those of
    the folders above the project, or the user's own (``~/.config/ruff``), which the tree id does
    not hold. Settings only in sub-folders are not read either then (the defaults apply)."""
    return [] if tool_settings.in_root(root, "ruff") else ["--isolated"]


RUFF_SUFFIXES = (".py", ".pyi", ".ipynb")
"""The files ruff checks by default."""


def hidden_from_ruff(
    paths: Sequence[str], root: Path, tree: str, settings: Sequence[str], timeout_s: float
) -> list[str]:
    """Files of ``tree`` under ``paths`` that ruff would leave out because an ignore file
    (``.gitignore``, ``.git/info/exclude``, the user's excludes, ``.ignore``) matches them:
    git keeps a tracked file in the tree all the same, and the tree id holds neither the local
    excludes nor an ignored ``.ignore``. Named on the command line, ruff checks them (its own
    ``exclude`` settings still apply, with ``--force-exclude``)."""
    listed = tools.run(
        ["ruff", "check", "--show-files", "--force-exclude", *settings, *paths],
        cwd=root,
        timeout_s=timeout_s,
    )
    shown = {_relative(line, root) for line in listed.stdout.splitlines() if line}
    prefixes = [Path(path).as_posix().rstrip("/") for path in paths]
    files = git(root, "ls-tree", "-r", "-z", "--name-only", tree).split("\0")
    return [
        name
        for name in files
        if name.endswith(RUFF_SUFFIXES)
        and name not in shown
        and any(p in (".", "") or name == p or name.startswith(f"{p}/") for p in prefixes)
    ]


def _relative(filename: str, root: Path) -> str:
    with contextlib.suppress(ValueError):  # outside the root: keep ruff's path
        return Path(filename).resolve().relative_to(root).as_posix()
    return filename


def collect(config: LintConfig, root: Path, timeout_s: float, tree: str) -> LintEvidence:
    extend = [f"--extend-select={','.join(config.extend_select)}"] if config.extend_select else []
    settings = own_settings_only(root)
    paths = [*config.paths, *hidden_from_ruff(config.paths, root, tree, settings, timeout_s)]
    commands = {
        "ruff check": [*RUFF_CHECK, "--force-exclude", *extend, *settings],
        "ruff format --check": [
            "ruff",
            "format",
            "--check",
            "--output-format",
            "json",
            "--force-exclude",
            "--no-cache",
            *settings,
        ],
    }
    if not config.format:
        del commands["ruff format --check"]
    # The two ruff runs are independent: run them side by side.
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        runs = {
            what: pool.submit(tools.run, [*argv, *paths], cwd=root, timeout_s=timeout_s)
            for what, argv in commands.items()
        }
        done = {what: run.result() for what, run in runs.items()}
    # ruff exits 0 when the paths hold no Python file it checks (or its exclude settings leave
    # none): a lint gate that checked nothing has not passed.
    if NO_FILES_WARNING in done["ruff check"].stderr:
        raise ToolError(
            f"ruff check found no Python file to check in {', '.join(paths)}: check"
            " tool.gates.lint.paths and ruff's exclude settings"
        )
    parsed = {what: _ruff_json(run, what) for what, run in done.items()}
    return LintEvidence(check=parsed["ruff check"], format=parsed.get("ruff format --check", []))


PYFLAKES = "F"
"""Unused imports, undefined names: the floor every lint gate checks (``gates init``)."""


def checks_unused_imports(root: Path, module: str, timeout_s: float = 60) -> bool:
    """Whether the project's own ruff settings report an unused import in ``module`` (a path
    relative to ``root``): ruff checks one line given as that file, its settings and
    per-file ignores applying as they would there."""
    argv = [*RUFF_CHECK, *own_settings_only(root), "--stdin-filename", module, "-"]
    run = tools.run(argv, cwd=root, timeout_s=timeout_s, stdin_text="import os\n")
    return any(d.get("code") == "F401" for d in _ruff_json(run, "ruff check"))


def _finding(diagnostic: dict[str, JSONValue], root: Path) -> Finding:
    filename = str(diagnostic.get("filename") or "")
    filename = _relative(filename, root) if filename else ""
    location = diagnostic.get("location") or {}
    return Finding(
        message=str(diagnostic.get("message") or ""),
        file=filename or None,
        line=location.get("row") if isinstance(location, dict) else None,
        rule=str(diagnostic.get("code") or "syntax-error"),
    )


def findings(evidence: LintEvidence, root: Path) -> tuple[Finding, ...]:
    found = [_finding(d, root) for d in (*evidence.check, *evidence.format)]
    return tuple(sorted(found, key=lambda f: (f.file or "", f.line or 0, f.rule or "")))


@dataclass(frozen=True)
class LintGate(baseline.FindingsGate):
    name: str = GATE
    executable: ClassVar[str] = "ruff"

    def find(self, project: Project, tree: str) -> baseline.ToolFindings:
        settings = project.config
        evidence = collect(settings.lint, project.root, settings.timeout_s, tree)
        return baseline.ToolFindings(findings(evidence, project.root))


add_arguments = baseline.add_arguments
from_args = LintGate.from_args
