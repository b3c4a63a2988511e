"""The lint gate: ``ruff check`` and ``ruff format --check``, JSON output, optional baseline."""

from __future__ import annotations

import contextlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from gates import baseline, tools
from gates.config import LintConfig
from gates.errors import ToolError
from gates.model import Finding, JSONValue
from gates.toml_table import read_document

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
    if (root / "ruff.toml").is_file() or (root / ".ruff.toml").is_file():
        return []
    with contextlib.suppress(FileNotFoundError):
        tool = read_document(root / "pyproject.toml").get("tool")
        if isinstance(tool, dict) and "ruff" in tool:
            return []
    return ["--isolated"]


def collect(config: LintConfig, root: Path, timeout_s: float) -> LintEvidence:
    paths = list(config.paths)
    extend = [f"--extend-select={','.join(config.extend_select)}"] if config.extend_select else []
    settings = own_settings_only(root)
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
    with contextlib.suppress(ValueError):  # outside the root: keep ruff's path
        filename = Path(filename).resolve().relative_to(root).as_posix()
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

    def find(self, project: Project) -> baseline.ToolFindings:
        settings = project.config
        evidence = collect(settings.lint, project.root, settings.timeout_s)
        return baseline.ToolFindings(findings(evidence, project.root))


add_arguments = baseline.add_arguments
from_args = LintGate.from_args
