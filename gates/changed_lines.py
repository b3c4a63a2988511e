"""Changed lines for the coverage gate: what changed since the merge base, and how much is covered.

Changed lines are the lines added or changed since the merge base of ``base_ref`` and HEAD (as
diff-cover does), in the working tree, untracked files included as the tree id includes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gates.errors import EvidenceError
from gates.model import Finding, JSONValue
from gates.workspace import git

RULE = "changed-lines"
"""The rule of the findings pointing at uncovered changed lines."""

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class MeasuredFile(Protocol):
    """What changed-line coverage needs of one measured file."""

    @property
    def path(self) -> str: ...

    @property
    def statements(self) -> frozenset[int]: ...

    @property
    def missing(self) -> frozenset[int]: ...


@dataclass(frozen=True)
class ChangedLines:
    """Lines added or changed since the merge base of ``base_ref`` and HEAD."""

    base_ref: str
    merge_base: str
    lines: Mapping[str, frozenset[int]]
    """Path (relative to the project root) to the added or changed line numbers."""
    new_files: frozenset[str] = frozenset()
    """Untracked files: every line of them is new."""

    def of(self, file: MeasuredFile) -> frozenset[int]:
        """The executable changed lines of ``file``."""
        if file.path in self.new_files:
            return file.statements
        return self.lines.get(file.path, frozenset()) & file.statements


@dataclass(frozen=True)
class Run:
    """Consecutive uncovered changed statements, ``first`` to ``last``."""

    first: int
    last: int

    @property
    def noun(self) -> str:
        return "line" if self.first == self.last else "lines"

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


@dataclass(frozen=True)
class ChangedCoverage:
    """How many changed executable lines there are, how many are covered, and where the rest are."""

    changed: ChangedLines
    executable: int
    covered: int
    uncovered: Mapping[str, tuple[Run, ...]]
    """Path to its runs of consecutive uncovered changed statements."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """One per uncovered run, at its first line."""
        return tuple(
            Finding(f"changed {run.noun} {run} not covered", file=path, line=run.first, rule=RULE)
            for path, runs in self.uncovered.items()
            for run in runs
        )

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "base_ref": self.changed.base_ref,
            "merge_base": self.changed.merge_base,
            "executable": self.executable,
            "covered": self.covered,
            "uncovered": {path: ", ".join(map(str, runs)) for path, runs in self.uncovered.items()},
        }


def parse_diff(diff: str) -> dict[str, frozenset[int]]:
    """Added/changed line numbers per file of a ``git diff --unified=0`` in the new version.

    A hunk's own lines are counted off by its header, never read as headers: an added line of
    code starting ``++ `` shows as ``+++ ``, like the header of the next file.
    """
    lines: dict[str, set[int]] = {}
    current: set[int] | None = None
    left = 0  # lines of the current hunk not read yet
    for text in diff.split("\n"):  # git's line breaks only (Python's split a form feed too)
        if left:
            if not text.startswith("\\"):  # "\ No newline at end of file" is no line
                left -= 1
            continue
        if text.startswith("+++ "):
            target = text[4:]
            if target == "/dev/null":
                current = None
            else:
                name = target[1:-1] if target.startswith('"') else target
                current = lines.setdefault(name.removeprefix("b/"), set())
        elif match := _HUNK.match(text):
            start, count = int(match.group(2)), int(match.group(3) or "1")
            left = int(match.group(1) or "1") + count
            if current is not None:
                current.update(range(start, start + count))
    return {path: frozenset(numbers) for path, numbers in lines.items() if numbers}


def merge_base(root: Path, base_ref: str) -> str:
    """The commit changed lines are counted from: the merge base of ``base_ref`` and HEAD."""
    if not git(root, "rev-parse", "--verify", "--quiet", f"{base_ref}^{{commit}}", check=False):
        raise EvidenceError(
            f"base_ref {base_ref!r} is not a known git ref in {root} (fetch it, or set "
            f"[tool.gates.coverage] base_ref)"
        )
    base = git(root, "merge-base", base_ref, "HEAD", check=False)
    if not base:
        raise EvidenceError(f"base_ref {base_ref!r} shares no history with HEAD in {root}")
    return base


def changed_lines(root: Path, base_ref: str) -> ChangedLines:
    """Lines added or changed in the working tree since the merge base of ``base_ref`` and HEAD."""
    base = merge_base(root, base_ref)
    diff = git(
        root,
        *("-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff"),
        # Whatever this checkout's settings and attributes say (none is in the tree id): every
        # file as text, as it is (no textconv), under the prefixes parse_diff reads.
        *("--text", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/"),
        *("--unified=0", "--relative", base, "--"),
    )
    untracked = git(root, "ls-files", "-z", "--others", "--exclude-standard")
    return ChangedLines(
        base_ref=base_ref,
        merge_base=base,
        lines=parse_diff(diff),
        new_files=frozenset(name for name in untracked.split("\0") if name),
    )


def measure_changed(files: Sequence[MeasuredFile], changed: ChangedLines) -> ChangedCoverage:
    """Count the changed executable lines of ``files`` and point at the uncovered ones."""
    executable = covered = 0
    uncovered: dict[str, tuple[Run, ...]] = {}
    for file in files:
        lines = sorted(changed.of(file))
        if not lines:
            continue
        executable += len(lines)
        covered += sum(1 for line in lines if line not in file.missing)
        if runs := _runs(lines, file):
            uncovered[file.path] = runs
    return ChangedCoverage(changed, executable, covered, uncovered)


def _runs(lines: Sequence[int], file: MeasuredFile) -> tuple[Run, ...]:
    """Uncovered changed lines grouped into runs of consecutive statements."""
    order = {line: index for index, line in enumerate(sorted(file.statements))}
    runs: list[Run] = []
    for line in lines:
        if line not in file.missing:
            continue
        if runs and order[line] == order[runs[-1].last] + 1:
            runs[-1] = Run(runs[-1].first, line)
        else:
            runs.append(Run(line, line))
    return tuple(runs)
