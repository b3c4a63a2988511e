"""The ``coverage`` gate: total, per-path and changed-line thresholds over coverage.py data.

:func:`collect` combines every data file it is given (local evidence, or shard artifacts from CI)
into a scratch file, so the inputs are never consumed, and takes coverage.py's own per-file
analysis; :func:`judge` is pure arithmetic on that, with coverage.py's ``Numbers``.
Changed lines come from :mod:`gates.changed_lines`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import tempfile
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import reduce
from operator import add
from pathlib import Path
from typing import TYPE_CHECKING

import coverage
from coverage.data import CoverageData
from coverage.exceptions import CoverageException, CoverageWarning, NoDataError
from coverage.files import set_relative_directory
from coverage.report_core import get_analysis_to_report
from coverage.results import Numbers

from gates import evidence, testrun, tools
from gates.changed_lines import ChangedLines, changed_lines, measure_changed, merge_base
from gates.config import CoverageConfig, GatesConfig
from gates.coverage_cache import AnalysisCache, file_key, measured_by_file
from gates.errors import ConfigError, EvidenceError
from gates.file_coverage import FileCoverage, floor_percent, percent
from gates.gate import Gate
from gates.model import Finding, GateResult, JSONValue, Status, Threshold
from gates.reuse import Inputs
from gates.workspace import GATES_DIR, Workspace

if TYPE_CHECKING:
    from gates.project import Project

GATE = "coverage"
CHANGED_AREA = "changed lines"
WORST_FILES_RULE = "missing-lines"
TOTAL_AREA = "total"
_CACHE = Path(GATES_DIR) / "cache" / "coverage.json"
"""Per-file analyses kept between runs (relative: analysing runs in the project folder)."""


@dataclass(frozen=True)
class CoverageEvidence:
    """Everything :func:`judge` needs, read from coverage data and git by :func:`collect`."""

    files: tuple[FileCoverage, ...]
    data_files: tuple[str, ...]
    """The data files combined, for the record."""
    changed: ChangedLines | None = None
    """Only collected when ``min_changed_lines`` is configured."""


# Collect ------------------------------------------------------------------------------------


def find_data(paths: Sequence[Path], *, missing_ok: bool = False) -> list[Path]:
    """Data files among ``paths``: files as given, folders searched for ``.coverage*`` files.

    ``missing_ok``: a path that does not exist just holds no data (the default evidence folder
    before any run) rather than being an error (a path the user named).
    """
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += sorted(
                candidate
                for candidate in path.rglob(f"{testrun.DATA_FILE}*")
                if candidate.is_file()
                and (
                    candidate.name == testrun.DATA_FILE
                    or candidate.name.startswith(f"{testrun.DATA_FILE}.")
                )
            )
        elif not missing_ok:
            raise EvidenceError(f"{path}: no such coverage data file or folder")
    if not found:
        shown = ", ".join(str(p) for p in paths)
        raise EvidenceError(
            f"no coverage data in {shown} (run 'gates tests' first, or pass --data)"
        )
    return found


def analyse(root: Path, data_files: Sequence[Path]) -> tuple[FileCoverage, ...]:
    """Combine ``data_files`` into a scratch file and take coverage.py's analysis of each file.

    Runs in ``root`` so the project's coverage config applies and paths come out relative to it.
    Any coverage.py warning (an unreadable data file skipped by combine, ...) fails closed.
    """
    try:
        with (
            tempfile.TemporaryDirectory(prefix="gates-coverage-") as scratch,
            contextlib.chdir(root),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always", CoverageWarning)
            files = _analyse_here(Path(scratch) / ".coverage", data_files)
            for warning in caught:
                if issubclass(warning.category, CoverageWarning):
                    raise EvidenceError(f"coverage.py: {warning.message}")
    finally:
        # coverage.py keeps the folder it makes paths relative to in a module global, set by
        # each new Coverage object: put back this folder's, or a coverage run of this very
        # process (gates' own suite, relative_files = true) would record absolute paths.
        set_relative_directory()
    return files


def _analyse_here(scratch: Path, data_files: Sequence[Path]) -> tuple[FileCoverage, ...]:
    try:
        cov = coverage.Coverage(data_file=str(scratch), messages=False)
        cov.combine([str(path) for path in data_files], strict=True, keep=True)
        # A plugin's file reporter may depend on more than the key holds: no caching then.
        cache = None if cov.config.plugins else AnalysisCache.open(_CACHE)
        data = cov.get_data()
        measured = measured_by_file(scratch) if cache else None
        files: list[FileCoverage] = []
        for filename in sorted(data.measured_files()):  # in the order coverage.py reports
            key = file_key(cov, filename, _measured(data, filename, measured)) if cache else None
            file = FileCoverage.from_cache(cache.get(key)) if cache and key else None
            if file is None:
                file = _analysed(cov, filename)
                if file is None:
                    continue
                if cache and key:
                    cache.put(key, file.to_cache())
            files.append(file)
        if not files:
            raise NoDataError("No data to report.")
        if cache:
            cache.save()
        return tuple(sorted(files, key=lambda file: file.path))
    except CoverageException as exc:
        raise EvidenceError(f"coverage.py: {_reason(exc, scratch)}") from None


def _measured(
    data: CoverageData, filename: str, measured: Mapping[str, Sequence[object]] | None
) -> Sequence[object]:
    if measured is not None:
        return measured.get(filename, ())
    arcs = data.arcs(filename) if data.has_arcs() else None
    return sorted(arcs) if arcs is not None else sorted(data.lines(filename) or ())


def _analysed(cov: coverage.Coverage, filename: str) -> FileCoverage | None:
    """coverage.py's analysis of one measured file; None for a file its report leaves out
    (``[report] include``/``omit``, or one it cannot parse with ``ignore_errors``: warned)."""
    try:
        for reporter, analysis in get_analysis_to_report(cov, [filename]):
            return FileCoverage(
                path=Path(reporter.relative_filename()).as_posix(),
                numbers=analysis.numbers,
                statements=frozenset(analysis.statements),
                missing=frozenset(analysis.missing),
                missing_text=analysis.missing_formatted(branches=True),
            )
    except NoDataError:  # the one file asked for is left out of the report
        pass
    return None


def _reason(exc: CoverageException, scratch: Path) -> str:
    text = str(exc).replace(str(scratch), "<combined data>")
    if text == "No data to report.":
        return "the data has no measured files"
    if text.startswith("No source for code"):
        # Data from another checkout location records absolute paths that do not exist here.
        return f"{text} (data from another machine? set [tool.coverage.run] relative_files = true)"
    return text


def collect(
    workspace: Workspace,
    config: CoverageConfig,
    data: Sequence[Path],
    tree: str,
    *,
    missing_ok: bool = False,
) -> CoverageEvidence:
    """Find, check and analyse the coverage data; diff against ``base_ref`` when it is judged."""
    data_files = find_data(data, missing_ok=missing_ok)
    # Every data file must be one a finished run of this very tree left beside its stamp.
    evidence.bound_to(data_files, tree, what="coverage data")
    files = analyse(workspace.root, data_files)
    changed = None
    if config.min_changed_lines is not None:
        changed = changed_lines(workspace.root, config.base_ref)
    shown = tuple(_shown(path, workspace.root) for path in data_files)
    return CoverageEvidence(files=files, data_files=shown, changed=changed)


def _shown(path: Path, root: Path) -> str:
    with contextlib.suppress(ValueError):
        return path.resolve().relative_to(root).as_posix()
    return str(path)


# Judge --------------------------------------------------------------------------------------


def judge(evidence: CoverageEvidence, config: CoverageConfig) -> GateResult:
    """Every configured threshold against coverage.py's numbers; the total is the headline."""
    files = evidence.files
    if not files:
        return GateResult(GATE, Status.ERROR, "the coverage data has no measured files")
    total = _sum(file.numbers for file in files)
    thresholds: list[Threshold] = []
    if config.min_total is not None:
        thresholds.append(
            Threshold(TOTAL_AREA, config.min_total, percent(total), "%", key="min_total")
        )
    for glob, minimum in config.paths.items():
        group = [file for file in files if fnmatchcase(file.path, glob)]
        if not group:
            summary = f"paths: {glob!r} matches no measured file"
            return GateResult(GATE, Status.ERROR, summary)
        numbers = _sum(file.numbers for file in group)
        thresholds.append(Threshold(glob, minimum, percent(numbers), "%", key=glob))

    metrics: dict[str, int | float | str | None] = {
        "percent_covered": percent(total),
        "files": len(files),
        "statements": total.n_statements,
        "missing_lines": total.n_missing,
        "branches": total.n_branches,
        "missing_branches": total.n_missing_branches,
    }
    details: dict[str, JSONValue] = {"data_files": list(evidence.data_files)}
    findings: list[Finding] = []
    uncovered_text = ""
    if config.min_changed_lines is not None:
        if evidence.changed is None:
            raise ValueError("min_changed_lines is set but no changed lines were collected")
        changed = measure_changed(files, evidence.changed)
        row = Threshold(
            CHANGED_AREA,
            config.min_changed_lines,
            floor_percent(changed.covered, changed.executable),
            "%",
            key="min_changed_lines",
        )
        findings = list(changed.findings)
        thresholds.append(row)
        details["changed_lines"] = changed.to_dict()
        metrics |= {
            "changed_lines": changed.executable,
            "changed_lines_covered": changed.covered,
            "percent_changed_covered": row.current,
        }
        if not row.met and findings:
            uncovered_text = ": " + ", ".join(f.location for f in findings[:5])
            if len(findings) > 5:
                uncovered_text += f" and {len(findings) - 5} more"

    missed = [row for row in thresholds if not row.met]
    summary = "; ".join(_describe(row) for row in missed or thresholds[:1])
    if not missed and len(thresholds) > 1:
        summary += f"; all {len(thresholds)} thresholds met"
    if missed and missed[-1].area == CHANGED_AREA:
        summary += uncovered_text
    return GateResult(
        GATE,
        Status.FAIL if missed else Status.PASS,
        summary,
        metrics=metrics,
        findings=(*findings, *_worst_files(files, config.worst_files)),
        thresholds=tuple(thresholds),
        details=details,
    )


def _sum(numbers: Iterable[Numbers]) -> Numbers:
    return reduce(add, numbers, Numbers())


def _describe(row: Threshold) -> str:
    if row.met:
        return f"{row.area} {row.show(row.current)} (min {row.show(row.target)})"
    return f"{row.area} {row.show(row.current)} < {row.show(row.target)} (gap {row.show(row.gap)})"


def _worst_files(files: Sequence[FileCoverage], count: int) -> list[Finding]:
    """The least covered files with their missing lines and branches, as coverage.py shows them."""
    incomplete = [file for file in files if file.missing_text]
    worst = sorted(incomplete, key=lambda f: (f.percent, -len(f.missing), f.path))[:count]
    return [
        Finding(
            f"{_show_percent(file.percent)} covered, missing {file.missing_text}",
            file=file.path,
            line=min(file.missing) if file.missing else None,
            rule=WORST_FILES_RULE,
        )
        for file in worst
    ]


def _show_percent(value: float) -> str:
    return Threshold("", 0, value, "%").show(value)


# Wiring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageGate(Gate[CoverageEvidence]):
    """``data``: paths given on the command line (relative to the current folder); by default
    the ``data`` setting, relative to the project root."""

    data: tuple[str, ...] = ()
    name: str = GATE

    def _data(self, project: Project) -> list[Path]:
        return [Path(p).resolve() for p in self.data] or [
            project.root / p for p in project.config.coverage.data
        ]

    def collect(self, project: Project, tree: str) -> CoverageEvidence:
        config = project.config.coverage
        if not config.has_threshold:
            raise ConfigError(
                f"{project.config.file.name}: tool.gates.coverage: no threshold configured "
                f"(set min_total, paths or min_changed_lines)"
            )
        paths = self._data(project)
        return collect(project.workspace, config, paths, tree, missing_ok=not self.data)

    def inputs(self, project: Project, tree: str) -> Inputs:
        """The data files and the stamps beside them; the merge base changed lines start from."""
        config = project.config.coverage
        data = find_data(self._data(project), missing_ok=not self.data)
        stamps = sorted({path.parent / evidence.META_FILE for path in data})
        extra = {}
        if config.min_changed_lines is not None:
            extra["merge base"] = merge_base(project.root, config.base_ref)
        return Inputs(
            config=config,
            distributions=("coverage",),
            files=[*data, *stamps],
            arguments=self.data,
            settings_of=("coverage",),
            extra=extra,
        )

    def judge(self, evidence: CoverageEvidence, config: GatesConfig, today: dt.date) -> GateResult:
        return judge(evidence, config.coverage)

    def tools(self) -> Mapping[str, str]:
        return {"coverage": tools.version("coverage")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="PATH",
        help="coverage data file, or folder of shard artifacts (repeatable; default from config)",
    )


def from_args(args: argparse.Namespace) -> CoverageGate:
    return CoverageGate(data=tuple(args.data))
