"""Finding baselines: a committed file of known findings so a legacy project fails only on new ones.

A finding is known by (file, rule, message) — not its line, which moves with every edit above it —
with a count, so a second copy of a known finding in the same file is new.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from abc import abstractmethod
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

from gates import tools
from gates.config import GatesConfig
from gates.errors import ConfigError
from gates.gate import Gate
from gates.model import Finding, GateResult, JSONValue, Status, Threshold
from gates.reuse import Inputs
from gates.workspace import write_json

if TYPE_CHECKING:
    from gates.project import Project

Key = tuple[str, str, str]


def _key(finding: Finding) -> Key:
    return (finding.file or "", finding.rule or "", finding.message)


def load(path: Path) -> Counter[Key]:
    """Known findings; a missing file is an empty baseline, a broken one a config error."""
    if not path.exists():
        return Counter()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Counter(
            {(e["file"], e["rule"], e["message"]): int(e["count"]) for e in data["findings"]}
        )
    # Overflow: a count of Infinity; recursion: JSON nested deeper than Python parses.
    except (OSError, ValueError, KeyError, TypeError, OverflowError, RecursionError) as exc:
        raise ConfigError(
            f"{path}: not a valid baseline file ({exc.__class__.__name__}: {exc})"
        ) from None


def mark_new(findings: Iterable[Finding], known: Counter[Key]) -> tuple[Finding, ...]:
    """Each finding with ``new`` set: beyond the baseline's count for its key."""
    remaining = Counter(known)
    marked = []
    for finding in findings:
        key = _key(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
            marked.append(replace(finding, new=False))
        else:
            marked.append(replace(finding, new=True))
    return tuple(marked)


def write(path: Path, tool: str, findings: Iterable[Finding]) -> None:
    counts = Counter(_key(f) for f in findings)
    entries: list[JSONValue] = [
        {"file": file, "rule": rule, "message": message, "count": count}
        for (file, rule, message), count in sorted(counts.items())
    ]
    write_json(path, {"tool": tool, "findings": entries})


def known(
    found: Iterable[Finding], *, section: str, baseline_file: str | None, root: Path, update: bool
) -> Counter[Key]:
    """The baseline to judge against; with ``update`` (``--update-baseline``) it is rewritten first
    from ``found``."""
    if baseline_file is None:
        if update:
            raise ConfigError(
                f"pyproject.toml: tool.gates.{section}.baseline: set a file name to update "
                f'(e.g. baseline = "{section}-baseline.json")'
            )
        return Counter()
    path = root / baseline_file
    if update:
        write(path, section, found)
    return load(path)


def judge(
    gate: str,
    findings: Iterable[Finding],
    baseline: Counter[Key],
    *,
    baseline_used: bool,
    scope: Mapping[str, int] | None = None,
) -> GateResult:
    """A findings gate: PASS when no finding is new (without a baseline every finding is new)."""
    found = mark_new(findings, baseline)
    new = [f for f in found if f.new]
    known = len(found) - len(new)
    if new:
        rules = sorted({f.rule or "-" for f in new})
        shown = ", ".join(rules[:5]) + (", …" if len(rules) > 5 else "")
        summary = f"{len(new)} new finding{'s' if len(new) != 1 else ''} ({shown})"
    else:
        summary = "clean"
    if known:
        summary += f"; {known} known in the baseline"
    return GateResult(
        gate=gate,
        status=Status.FAIL if new else Status.PASS,
        summary=summary,
        metrics={
            "findings": len(found),
            "new_findings": len(new),
            "baselined": known,
            **(scope or {}),
        },
        findings=found,
        thresholds=(Threshold("new findings", 0, len(new), higher_is_better=False),),
        details={"baseline": baseline_used},
    )


@dataclass(frozen=True)
class ToolFindings:
    """What one run of a findings tool reported, and what it looked at, when it can say."""

    findings: tuple[Finding, ...]
    scope: Mapping[str, int] | None = None
    """Metrics of what was checked (``files_checked``)."""


@dataclass(frozen=True)
class FindingsEvidence:
    """What a findings tool reported, and what the baseline already knew."""

    findings: tuple[Finding, ...]
    known: Counter[Key]
    baseline_used: bool
    scope: Mapping[str, int] | None = None
    """What the tool looked at (``files_checked``), when it can say."""


@dataclass(frozen=True)
class FindingsGate(Gate[FindingsEvidence]):
    """A gate whose tool reports findings (ruff, mypy), judged against the committed baseline."""

    update_baseline: bool = False
    executable: ClassVar[str]
    """The tool it runs (found next to this interpreter, else on PATH)."""
    environ: ClassVar[tuple[str, ...]] = ()
    """Environment variables that tool reads."""

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Self:
        return cls(update_baseline=bool(args.update_baseline))

    @abstractmethod
    def find(self, project: Project, tree: str) -> ToolFindings:
        """Run the tool on ``tree``: its findings (paths relative to the project root) and its
        scope."""

    def tools(self) -> Mapping[str, str]:
        return {self.executable: tools.version(self.executable)}

    def inputs(self, project: Project, tree: str) -> Inputs | None:
        if self.update_baseline:
            return None  # a run that rewrites the baseline is asked for, never skipped
        settings = project.config
        section = getattr(settings, self.name)
        # The baseline may live where the tree id does not look (ignored, or in .gates/).
        files = [project.root / section.baseline] if section.baseline else []
        return Inputs(
            config=(section, settings.timeout_s),
            executables=(self.executable,),
            files=files,
            environ=self.environ,
            settings_of=(self.executable,),
        )

    def judged_tree(self, project: Project, tree: str) -> str:
        """With ``update_baseline`` the run rewrote the baseline, which the tree id may hold."""
        return project.workspace.tree_id() if self.update_baseline else tree

    def collect(self, project: Project, tree: str) -> FindingsEvidence:
        run = self.find(project, tree)
        baseline_file = getattr(project.config, self.name).baseline
        counts = known(
            run.findings,
            section=self.name,
            baseline_file=baseline_file,
            root=project.root,
            update=self.update_baseline,
        )
        return FindingsEvidence(
            run.findings, counts, baseline_used=baseline_file is not None, scope=run.scope
        )

    def judge(self, evidence: FindingsEvidence, config: GatesConfig, today: dt.date) -> GateResult:
        return judge(
            self.name,
            evidence.findings,
            evidence.known,
            baseline_used=evidence.baseline_used,
            scope=evidence.scope,
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The findings gates' one option."""
    parser.add_argument(
        "--update-baseline", action="store_true", help="accept today's findings as the baseline"
    )
