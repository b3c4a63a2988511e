"""``gates tests``: the test suite under coverage.py, leaving evidence in ``.gates/evidence/``.

The evidence is ``junit.xml`` (xunit1, so each test keeps its file and line), coverage.py data
files written in parallel mode (``.coverage.<host>.<pid>.<random>``: shards run on several machines
never overwrite each other) and ``meta.json``, which binds them to the tree they measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gates import project_python, tool_settings, tools
from gates.config import GatesConfig
from gates.errors import EvidenceError, Exit, ToolError
from gates.evidence import (
    META_FILE,
    NARROWED_FILE,
    SHARD_FILE,
    Stamp,
    file_digest,
    read_narrowed,
    read_shard,
)
from gates.gate import Gate
from gates.junit import read as read_junit
from gates.model import GateResult, Status
from gates.reuse import Inputs

if TYPE_CHECKING:
    from gates.project import Project

GATE = "tests"
JUNIT_FILE = "junit.xml"
NOXFILE = "noxfile.py"
"""The chain's noxfile (``gates init`` writes it at the root), relative to where pytest runs."""
DATA_FILE = ".coverage"
"""Base name of the coverage data; parallel mode appends ``.<host>.<pid>.<random>``."""


class PytestExit(IntEnum):
    """pytest's documented exit codes."""

    OK = 0
    TESTS_FAILED = 1
    INTERRUPTED = 2
    INTERNAL_ERROR = 3
    USAGE_ERROR = 4
    NO_TESTS_COLLECTED = 5


_CANNOT_JUDGE = {
    PytestExit.INTERRUPTED: "was interrupted",
    PytestExit.INTERNAL_ERROR: "hit an internal error",
    PytestExit.USAGE_ERROR: "usage error",
    PytestExit.NO_TESTS_COLLECTED: "collected no tests",
}


@dataclass(frozen=True)
class SuiteCounts:
    """Test outcomes counted from the JUnit file."""

    tests: int
    failed: int
    errors: int
    skipped: int

    @property
    def passed(self) -> int:
        return self.tests - self.failed - self.errors - self.skipped


@dataclass(frozen=True)
class PytestRun:
    """What one ``gates tests`` run left behind: the evidence :func:`judge` reads."""

    exit_code: int
    counts: SuiteCounts | None
    """None when pytest wrote no readable JUnit file."""
    junit_problem: str
    """Why ``counts`` is None (empty otherwise)."""
    argv: tuple[str, ...]
    output_tail: str
    narrowed: str | None = None
    """What narrowed the run from outside the tree (``-k`` …); None: it ran the suite."""


def evidence_paths(evidence_dir: Path) -> list[Path]:
    """Every file a run of ``gates tests`` writes, as found in ``evidence_dir`` now, and every
    other JUnit report the buckets gate would read beside them (``junit*.xml``)."""
    if not evidence_dir.is_dir():
        return []
    found = [*evidence_dir.glob("junit*.xml"), evidence_dir / META_FILE]
    found.append(evidence_dir / SHARD_FILE)  # gates.shard's record of which shard ran
    found.append(evidence_dir / NARROWED_FILE)  # gates.pytest_plugin's, of a narrowed run
    found += evidence_dir.glob(f"{DATA_FILE}*")
    found += evidence_dir.glob("risky*.json")  # gates.pytest_plugin's records
    return [path for path in found if path.is_file()]


def command(
    config: GatesConfig,
    pytest_args: tuple[str, ...],
    evidence_dir: Path,
    python: Path | None = None,
) -> list[str]:
    """The one place the command line is built: pytest under coverage.py, run by ``python``
    (the project's own environment; default: this interpreter).

    The project's own ``[tool.coverage]`` config applies (source, omit, ...); branch and parallel
    mode are forced because the coverage gate judges branches and combines shards. Our JUnit
    options come last so the evidence always lands where the gates read it.
    """
    return [
        str(python or sys.executable),
        "-m",
        "coverage",
        "run",
        "--branch",
        "--parallel-mode",
        f"--data-file={evidence_dir / DATA_FILE}",
        "-m",
        "pytest",
        *_pytest_cov_off(python),
        *own_settings_only(config.root),
        *config.tests.pytest_args,
        *pytest_args,
        f"--junitxml={evidence_dir / JUNIT_FILE}",
        "-o",
        "junit_family=xunit1",
        *not_the_projects_tests(evidence_dir.parent),
        # Risky tests (passed without an assertion) for the buckets gate.
        "-p",
        "gates.pytest_plugin",
        "-o",
        "enable_assertion_pass_hook=true",
        f"--gates-evidence={evidence_dir}",
    ]


def own_settings_only(root: Path) -> tuple[str, ...]:
    """``-c pyproject.toml`` when the project root holds no pytest settings: pytest would take
    those of a folder above the project (a ``pytest.ini`` with ``addopts = -k ...``), which the
    tree id does not hold; given the project's own file, it reads nothing else."""
    pyproject = root / tool_settings.PYPROJECT
    if tool_settings.in_root(root, "pytest") or not pyproject.is_file():
        return ()
    return ("-c", str(pyproject))


def not_the_projects_tests(gates_dir: Path) -> tuple[str, ...]:
    """pytest's arguments to leave out what the chain adds to a project: the gates' folder holds
    a link to this package (pytest_plugin.child_environment), the noxfile imports nox; both fail
    to import in the project's environment. A project whose norecursedirs drops pytest's default
    `.*` and adds --doctest-modules (jaraco.functools) collected both."""
    return (f"--ignore={gates_dir}", f"--ignore={NOXFILE}")


def _pytest_cov_off(python: Path | None) -> tuple[str, ...]:
    """pytest-cov switched off in the interpreter that runs the tests (see PYTEST_COV_OFF)."""
    installed = (
        project_python.probe(python).has_pytest_cov
        if python is not None
        else find_spec("pytest_cov") is not None
    )
    return project_python.pytest_cov_off(installed, os.environ)


def child_environment() -> dict[str, str]:
    """This environment without ``COVERAGE_*`` variables: when gates itself runs under coverage
    (its own test suite), those would point the child at the outer run's data or config."""
    return {key: value for key, value in os.environ.items() if not key.startswith("COVERAGE_")}


def read_counts(junit: Path) -> SuiteCounts:
    """Count the outcomes in the JUnit file pytest wrote (raises EvidenceError).

    Through the bounded, defused reader the buckets gate uses: a test that printed a huge
    message must not make counting slow or unbounded (expat re-scans an unfinished token).
    """
    if not junit.is_file():
        raise EvidenceError(f"{junit}: pytest wrote no JUnit file")
    totals = read_junit([junit]).totals  # its EvidenceError names the file
    # pytest's own JUnit counts an xfail as a skip; flaky (passed on rerun) and xpassed pass.
    return SuiteCounts(
        tests=totals.total,
        failed=totals.failed,
        errors=totals.errors,
        skipped=totals.skipped + totals.xfailed,
    )


def collect(
    project: Project,
    tree: str,
    pytest_args: tuple[str, ...],
    output: TextIO,
    python: Path | None = None,
) -> PytestRun:
    """Clear the previous run's evidence, run pytest under coverage (by ``python``: the
    project's environment), count the JUnit outcomes, and stamp the evidence with ``tree`` —
    last, so a crashed or killed run is never judged."""
    # `python -m coverage run -m pytest` without pytest exits 1, which reads as failing tests.
    if python is not None:
        project_python.probe(python).require_test_runners()
    for module in () if python is not None else ("coverage", "pytest"):
        if find_spec(module) is None:
            raise ToolError(
                f"{module} not found: install it in this environment (pip install {module})"
            )
    evidence_dir = project.workspace.evidence_dir
    for stale in evidence_paths(evidence_dir):
        stale.unlink()
    evidence_dir.mkdir(parents=True, exist_ok=True)
    argv = command(project.config, pytest_args, evidence_dir, python)
    # The plugin imports pytest (~0.1 s, far more on a loaded machine): only when pytest runs,
    # not for the coverage and buckets gates that import this module, nor for a reused result.
    from gates import pytest_plugin

    run = tools.stream(
        argv,
        cwd=project.root,
        timeout_s=project.config.timeout_s,
        output=output,
        env={
            **child_environment(),
            **pytest_plugin.child_environment(project.workspace.gates_dir, os.environ),
            pytest_plugin.OUTSIDE_ARGS: json.dumps(pytest_args),
        },
    )
    counts, problem = None, ""
    try:
        counts = read_counts(evidence_dir / JUNIT_FILE)
    except EvidenceError as exc:
        problem = str(exc)
    left = {p.name: file_digest(p) for p in evidence_paths(evidence_dir) if p.name != META_FILE}
    shard, narrowed = read_shard(evidence_dir), read_narrowed(evidence_dir)
    duration = round(run.duration_s, 3)
    Stamp(
        tree, run.returncode, duration_s=duration, files=left, shard=shard, narrowed=narrowed
    ).write(evidence_dir)
    return PytestRun(
        exit_code=run.returncode,
        counts=counts,
        junit_problem=problem,
        argv=run.argv,
        output_tail=run.tail(),
        narrowed=narrowed,
    )


def judge(run: PytestRun) -> GateResult:
    """PASS when pytest passed, FAIL on failing tests (whatever the exit code says), ERROR when
    pytest could not judge them."""
    details = {"command": list(run.argv), "output_tail": run.output_tail}
    metrics: dict[str, int | float | str | None] = {"exit_code": run.exit_code}
    if run.exit_code in _CANNOT_JUDGE:
        what = _CANNOT_JUDGE[PytestExit(run.exit_code)]
        # "no tests ran in 0.01s" adds nothing to "collected no tests".
        reason = (
            "" if run.exit_code == PytestExit.NO_TESTS_COLLECTED else _last_message(run.output_tail)
        )
        summary = f"pytest {what} (exit {run.exit_code})" + (f": {reason}" if reason else "")
        return GateResult(GATE, Status.ERROR, summary, metrics=metrics, details=details)
    if run.exit_code not in (PytestExit.OK, PytestExit.TESTS_FAILED):
        summary = f"pytest ended with unexpected exit code {run.exit_code}"
        return GateResult(GATE, Status.ERROR, summary, metrics=metrics, details=details)
    if run.counts is None:
        # Without the JUnit file there is no evidence, whatever the exit code said.
        summary = f"pytest exited {run.exit_code} but {run.junit_problem}"
        return GateResult(GATE, Status.ERROR, summary, metrics=metrics, details=details)
    counts = run.counts
    if counts.tests == counts.skipped:
        # As pytest's own "collected no tests" (exit 5): nothing was judged (a CI job lacking a
        # secret the suite needs skips every test, the failing ones with them).
        summary = f"pytest ran no test: all {counts.skipped} skipped"
        return GateResult(GATE, Status.ERROR, summary, metrics=metrics, details=details)
    metrics |= {
        "tests": counts.tests,
        "passed": counts.passed,
        "failed": counts.failed,
        "errors": counts.errors,
        "skipped": counts.skipped,
    }
    tally = (
        f"{counts.failed} failed, {counts.errors} errors, "
        f"{counts.passed} passed, {counts.skipped} skipped"
    )
    # The report, not the exit code: a conftest or plugin may turn failures into exit 0.
    if run.exit_code == PytestExit.OK and not (counts.failed or counts.errors):
        if run.narrowed is not None:
            # A part of the suite passed: shown as it ran, never a pass of the tree.
            summary = f"{tally}; narrowed by {run.narrowed}: no evidence for the tree"
            return GateResult(GATE, Status.SKIP, summary, metrics=metrics, details=details)
        return GateResult(GATE, Status.PASS, tally, metrics=metrics, details=details)
    return GateResult(GATE, Status.FAIL, tally, metrics=metrics, details=details)


_SUMMARY_LINE = re.compile(r" in [\d.]+s( \([\d:]+\))?$")
"""pytest's closing ``1 error in 0.12s``: its timing would make every summary differ."""


_USAGE_PREFIX = re.compile(r"^\S.*?: error: ")


def _last_message(output: str) -> str:
    """The line that best says why pytest stopped: the last one naming an error, else the last."""
    lines = [line.strip().strip("=!").strip() for line in output.splitlines()]
    lines = [
        line
        for line in lines
        if line and "CoverageWarning" not in line and not _SUMMARY_LINE.search(line)
    ]
    errors = [line for line in lines if "error" in line.lower()]
    # argparse names pytest's program differently across versions: keep only its message.
    return _USAGE_PREFIX.sub("", (errors or lines or [""])[-1])[:200]


@dataclass(frozen=True)
class TestsGate(Gate[PytestRun]):
    """``evidence``: failing tests are evidence for the buckets gate, not a failed command."""

    __test__ = False  # a pytest hint: not a test class despite its name

    pytest_args: tuple[str, ...] = ()
    evidence: bool = False
    output: TextIO = field(default=sys.stdout, compare=False)
    name: str = GATE
    python: Path | None = None
    """The project's interpreter (``--python``); None: the one running gates."""

    def collect(self, project: Project, tree: str) -> PytestRun:
        return collect(project, tree, self.pytest_args, self.output, self.python)

    def judge(self, evidence: PytestRun, config: GatesConfig, today: dt.date) -> GateResult:
        return judge(evidence)

    def tools(self) -> Mapping[str, str]:
        if self.python is not None:
            packages = project_python.probe(self.python).packages
            return {name: packages.get(name, "unknown") for name in ("pytest", "coverage")}
        return {"pytest": tools.version("pytest"), "coverage": tools.version("coverage")}

    def inputs(self, project: Project, tree: str) -> Inputs:
        # --evidence changes only the exit code, never the result: it is not an input.
        settings = project.config
        return Inputs(
            config=(settings.tests, settings.timeout_s),
            distributions=() if self.python is not None else ("pytest", "coverage"),
            arguments=self.pytest_args,
            environ=("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONPATH"),
            settings_of=("pytest", "coverage"),
            extra=project_python.reuse_parts(self.python),
        )

    def outputs(self, project: Project, tree: str) -> Sequence[Path]:
        """The evidence the coverage and buckets gates judge."""
        return evidence_paths(project.workspace.evidence_dir)

    def exit_code(self, result: GateResult) -> Exit:
        """pytest's semantics: 0 pass, 1 failing tests (0 with --evidence), 2 could not judge."""
        if result.status is Status.FAIL and self.evidence:
            return Exit.OK
        return result.status.exit_code


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--evidence", action="store_true", help="failing tests exit 0: they are evidence"
    )
    parser.add_argument(project_python.OPTION, type=Path, help=project_python.HELP)
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="-- then pytest arguments")


def from_args(args: argparse.Namespace) -> TestsGate:
    pytest_args = list(args.pytest_args)
    if pytest_args[:1] == ["--"]:
        pytest_args = pytest_args[1:]
    # Keep --json output pure JSON: pytest's own output goes to stderr then.
    output = sys.stderr if args.json else sys.stdout
    return TestsGate(
        tuple(pytest_args), evidence=bool(args.evidence), output=output, python=args.python
    )
