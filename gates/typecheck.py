"""The type-check gate: mypy with JSON output (one object per line), optional baseline."""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

from gates import baseline, project_python, tool_settings, tools
from gates.config import TypecheckConfig
from gates.errors import ToolError
from gates.model import Finding
from gates.reuse import Inputs

if TYPE_CHECKING:
    from gates.project import Project

GATE = "typecheck"
SUFFIXES = (".py", ".pyi")


def source_files(config: TypecheckConfig, root: Path) -> list[Path]:
    """The ``.py`` and ``.pyi`` files under the configured paths (hidden folders left out)."""
    found: list[Path] = []
    for entry in config.paths:
        path = root / entry
        if path.is_file() and path.suffix in SUFFIXES:
            found.append(path)
        elif path.is_dir():
            found += (
                file
                for file in sorted(path.rglob("*.py*"))
                if file.suffix in SUFFIXES
                and not any(part.startswith(".") for part in file.relative_to(root).parts[:-1])
            )
    return found


def behind_stubs(files: Sequence[Path]) -> list[Path]:
    """Implementation files with a stub beside them: mypy reads ``mod.pyi`` and never
    ``mod.py`` when both are found, so they are checked in a run of their own."""
    stubs = {file.with_suffix("") for file in files if file.suffix == ".pyi"}
    return [file for file in files if file.suffix == ".py" and file.with_suffix("") in stubs]


def collect(
    config: TypecheckConfig, root: Path, timeout_s: float, python: Path | None = None
) -> baseline.ToolFindings:
    """mypy's error diagnostics (notes are dropped: they explain errors, they are not errors),
    implementation files behind stubs included, and how many files that covered.

    ``python``: the project's own interpreter, whose installed packages mypy reads (mypy itself
    runs beside it, from release-gates' environment)."""
    if python is not None:
        project_python.probe(python)  # refused here, clearly, rather than by mypy
    where = ["--python-executable", str(python)] if python is not None else []
    where += own_settings_only(root, config.args)
    errors = _mypy([*where, *config.args, *config.paths], root, timeout_s)
    files = source_files(config, root)
    shadowed = behind_stubs(files)
    if shadowed:
        # Named explicitly, each file is read as its module's source instead of its stub.
        names = [file.relative_to(root).as_posix() for file in shadowed]
        again = _mypy([*where, *config.args, *names], root, timeout_s)
        errors += (e for e in again if e not in errors)
    scope = {"files_checked": len(files), "behind_stubs": len(shadowed)}
    return baseline.ToolFindings(tuple(errors), scope)


def own_settings_only(root: Path, args: Sequence[str]) -> list[str]:
    """``--config-file=`` (no settings file) when neither the project root nor ``args`` name
    mypy settings: mypy would then read the user's own (``~/.config/mypy/config``,
    ``~/.mypy.ini``), which the tree id does not hold."""
    if any(arg == "--config-file" or arg.startswith("--config-file=") for arg in args):
        return []
    return [] if tool_settings.in_root(root, "mypy") else ["--config-file="]


def _mypy(arguments: Sequence[str], root: Path, timeout_s: float) -> list[Finding]:
    run = tools.run(
        ["mypy", "--output", "json", "--no-color-output", *arguments],
        cwd=root,
        timeout_s=timeout_s,
    )
    # mypy: 0 clean, 1 type errors, 2 could not check (bad config, missing file, crash).
    if run.returncode not in (0, 1):
        raise ToolError(f"mypy exited {run.returncode}: {run.tail(3) or 'no output'}")
    errors = []
    for line in run.stdout.splitlines():
        if not line.startswith("{"):
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise ToolError(f"mypy: unparsable JSON line: {line[:80]}") from None
        if item.get("severity") != "error":
            continue
        errors.append(
            Finding(
                message=str(item.get("message", "")),
                file=Path(str(item.get("file", ""))).as_posix() or None,
                line=item.get("line"),
                rule=item.get("code") or "error",
            )
        )
    if run.returncode == 1 and not errors:
        raise ToolError(f"mypy exited 1 without JSON diagnostics: {run.tail(3) or 'no output'}")
    return errors


@dataclass(frozen=True)
class TypecheckGate(baseline.FindingsGate):
    name: str = GATE
    executable: ClassVar[str] = "mypy"
    environ: ClassVar[tuple[str, ...]] = ("MYPYPATH",)
    python: Path | None = None
    """The project's interpreter (``--python``); None: the one running gates."""

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Self:
        return cls(update_baseline=bool(args.update_baseline), python=args.python)

    def find(self, project: Project, tree: str) -> baseline.ToolFindings:
        settings = project.config
        return collect(settings.typecheck, project.root, settings.timeout_s, self.python)

    def inputs(self, project: Project, tree: str) -> Inputs | None:
        found = super().inputs(project, tree)
        if found is None or self.python is None:
            return found
        return dataclasses.replace(found, extra=project_python.reuse_parts(self.python))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    baseline.add_arguments(parser)
    parser.add_argument(project_python.OPTION, type=Path, help=project_python.HELP)


from_args = TypecheckGate.from_args
