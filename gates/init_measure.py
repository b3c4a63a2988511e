"""``gates init``'s measurement: the project as it is today, measured as the chain will gate it.

The tests run once under coverage in fresh uv venvs on this Python, as the generated noxfile's
sessions run them: the project's own environment (the project, editable, with its declared test
requirements, pytest and coverage) and release-gates beside it, never in it, for the gates that
set the baselines. A threshold is only written when it was measured; tests that cannot run stop
``gates init`` (exit 2) naming what is missing and where to declare it.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gates import changelog, init_coverage, lint, project_layout, project_python, tools
from gates.errors import ConfigError, GatesError, ToolError
from gates.junit import read as read_junit
from gates.testrun import PytestExit, not_the_projects_tests, own_settings_only
from gates.workspace import GATES_DIR

_MISSING = re.compile(r"ModuleNotFoundError: No module named '([^']+)'")
_IMPORTING = re.compile(r"ImportError while importing test module '([^']+)'")
_COLLECTING = re.compile(r"_ ERROR collecting (\S+) _")
STARTER_BUCKET = "failing-at-adoption"
"""Where ``gates init`` files the tests that already fail (:func:`gates.init.gates_table`)."""
STARTER_DAYS = 30
"""How long it blocks nothing: then the tests in it must pass, or be filed for a reason."""
INSTALL_TIMEOUT_S = 900.0
INSTALL_ERROR_CHARS = 800
NO_TESTS_FOUND = "no test folder found, and pytest collects no test"
TESTS_RAN = (PytestExit.OK, PytestExit.TESTS_FAILED)
"""pytest's exit codes when every test ran (all passed, some failed), and a gate's (passed,
failed)."""


@dataclass(frozen=True)
class Measurement:
    """The project as it is today."""

    coverage_total: float | None
    """Total percent from one run of its tests, or None when it could not be measured."""
    coverage_note: str = ""
    """Why coverage could not be measured (or that tests failed while measuring)."""
    format_clean: bool | None = None
    """``ruff format --check`` passes today: only then is the format check switched on (None:
    not checked, --no-measure)."""
    changelog: AdoptedChangelog | None = None
    """The changelog the package gate will check and whether it could today (None: not looked
    at, the package gate's default stands)."""
    environment: str = ""
    """What the tests were measured in (Python version and what was installed)."""
    failing: tuple[str, ...] = ()
    """The node ids of the tests that failed while measuring (init files them in a starter
    bucket that blocks nothing until it lapses, so that adoption starts green)."""
    pyflakes_checked: bool | None = None
    """The project's ruff settings report unused imports (False: the lint gate adds pyflakes'
    rules; None: not checked, --no-measure)."""
    rescoped: bool = False
    """The project's coverage settings measured none of its packages: measured with ``source``
    the packages instead, which ``gates init`` writes into those settings."""


@dataclass(frozen=True)
class Target:
    """What :func:`measure` needs to know about the project."""

    root: Path
    sources: tuple[str, ...]
    """Its packages' folders (or the one module's file), relative to the root."""
    tests: str | None
    version: str | None
    coverage_scoped: bool
    """Its coverage settings say what to measure (else: ``--source`` the package)."""
    install: tuple[str, ...]
    """``pip install`` arguments of the project and its test requirements (run in the root)."""
    declared_in: str
    """Where the test requirements are declared, for the message when one is missing."""


CHANGELOGS = (
    "CHANGELOG.md",  # the package gate's default: first, and the one named when none is there
    "CHANGES.rst",
    "CHANGELOG.rst",
    "CHANGES.md",
    "HISTORY.rst",
    "HISTORY.md",
    "NEWS.rst",
    "NEWS.md",
    "changelog.rst",
)
"""The changelog files ``gates init`` looks for at the root, in this order."""


@dataclass(frozen=True)
class AdoptedChangelog:
    """The changelog the package gate checks from adoption on."""

    file: str
    """The first of :data:`CHANGELOGS` at the root (``CHANGELOG.md`` when there is none)."""
    problem: str | None
    """Why its check would fail today (then it starts switched off); None: it starts on."""

    @property
    def setting(self) -> str | None:
        """``[tool.gates.package] changelog`` to write: ``""`` (off), the file, or None when the
        package gate's default is the one to check."""
        if self.problem is not None:
            return ""
        return None if self.file == CHANGELOGS[0] else self.file

    @property
    def note(self) -> str | None:
        """What ``gates init`` says about it, when it is not the default checked as is."""
        if self.problem is not None:
            return f"package: changelog check off ({self.problem})"
        return None if self.setting is None else f"package: checks the changelog {self.file}"


def adopt_changelog(root: Path, version: str | None) -> AdoptedChangelog:
    """The changelog the package gate will check, and why it cannot back the check today."""
    # By name as listed, not by lookup: a case-insensitive file system would otherwise write
    # "CHANGES.rst" for a changes.rst that CI, on Linux, would not find.
    present = {p.name for p in root.iterdir() if p.is_file()}
    file = next((name for name in CHANGELOGS if name in present), CHANGELOGS[0])
    if file not in present:
        return AdoptedChangelog(file, f"no {file}")
    if not (root / file).resolve().is_relative_to(root.resolve()):
        # [tool.gates.package] changelog may not lead out of the project (config refuses it).
        return AdoptedChangelog(file, f"{file} is a symlink out of the project")
    text = (root / file).read_text(encoding="utf-8", errors="replace")  # a stray byte: not fatal
    if changelog.section_for(text, version or "0", file) is None:
        if version is None:
            # Computed at build time (not guessed here): only Unreleased fits whatever it is.
            why = f"{file} has no section for {changelog.UNRELEASED} (the version is set at build)"
        else:
            why = f"{file} has no section for {version} or {changelog.UNRELEASED}"
        return AdoptedChangelog(file, why)
    return AdoptedChangelog(file, None)


def environment(root: Path, venv: Path, install: Sequence[str]) -> Path:
    """A uv venv at ``venv`` on this Python with ``install`` in it; returns its interpreter.

    The chain's nox sessions build theirs the same way (uv, the Python nox runs on).
    """
    made = tools.run(
        ["uv", "venv", "-q", "--python", sys.executable, str(venv)], cwd=root, timeout_s=120
    )
    if made.returncode != 0:
        raise ToolError(f"uv venv {venv} failed: {made.tail(1)}")
    python = venv / "bin" / "python"
    argv = ["uv", "pip", "install", "-q", "--python", str(python), *install]
    installed = tools.run(argv, cwd=root, timeout_s=INSTALL_TIMEOUT_S)
    if installed.returncode != 0:
        # uv wraps its explanation over many lines: all of it, up to a screenful.
        why = " ".join(installed.tail(40).replace("╰─▶", "").split())
        why = why if len(why) <= INSTALL_ERROR_CHARS else "…" + why[-INSTALL_ERROR_CHARS:]
        raise ToolError(
            f"{root}: uv pip install {' '.join(install)} failed: {why}; "
            "fix the declared requirements or run gates init --no-measure (nothing was written)"
        )
    return python


_USAGE = re.compile(r"^\S.*?: error: ")
"""pytest's usage error on stderr, ``__main__.py: error: unrecognized arguments: --cov=x``
(argparse names the program differently across versions: only the message is kept)."""
_INIFILE = re.compile(r"^\s*inifile: (\S.*)$", re.MULTILINE)
"""The settings file pytest names under a usage error: where the options came from."""


def cannot_run(target: Target, output: str, exit_code: int) -> ConfigError:
    """Why the tests could not run, naming missing modules and where to declare them."""
    missing = sorted(set(_MISSING.findall(output)))
    where = target.tests or "."
    module = _IMPORTING.search(output) or _COLLECTING.search(output)
    if module:
        where = _relative(Path(module.group(1)), target.root)
    if missing:
        names = ", ".join(repr(name) for name in missing)
        return ConfigError(
            f"{where}: the tests cannot run: no module named {names}; declare "
            f"{'it' if len(missing) == 1 else 'them'} with the test requirements "
            f"({target.declared_in}) and run gates init again (nothing was written)"
        )
    # pytest's "E   SomeError: ..." line says why; else its last line ("Interrupted: ...").
    lines = [line.strip(" =!") for line in output.splitlines() if line.strip(" =!")]
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    # Else an exception pytest raised before collecting (a conftest hook pluggy refuses:
    # ``pluggy._manager.PluginValidationError: Plugin …``).
    raised = tools.last_exception_line(output)
    errors = errors or ([raised] if raised else [])
    usage = [_USAGE.sub("", line) for line in lines if _USAGE.match(line)]
    inifile = _INIFILE.search(output)
    if usage and inifile:  # options in the project's pytest settings that nothing defines
        where = _relative(Path(inifile.group(1)), target.root)
        return ConfigError(
            f"{where}: the tests cannot run (pytest exit {exit_code}): {usage[-1]}: "
            f"declare the pytest plugin they belong to with the test requirements "
            f"({target.declared_in}) and run gates init again (nothing was written)"
        )
    last = (errors or usage)[-1] if errors or usage else (lines[-1] if lines else "no output")
    return ConfigError(
        f"{where}: the tests cannot run (pytest exit {exit_code}): {last}; "
        "fix that or run gates init --no-measure (nothing was written)"
    )


def _relative(path: Path, root: Path) -> str:
    resolved = root.resolve()
    return (path.relative_to(resolved) if path.is_relative_to(resolved) else path).as_posix()


def _run_tests(target: Target, where: Environments, scratch: Path) -> Measurement:
    """Coverage's total percent, or why it could not be measured: the tests run under the
    project's coverage, the total is reported by release-gates' (as the coverage gate reports
    it: coverage versions count some lines and branches differently)."""
    coverage = [str(where.project), "-m", "coverage"]
    data = f"--data-file={scratch / '.coverage'}"
    # Parallel mode always, then combined, as the chain's tests and coverage gates do: a
    # project's own `parallel = true` would leave no file named as --data-file says.
    # No test path: pytest runs as the chain's tests session runs it, the project's settings
    # (testpaths, addopts) finding the tests wherever they are (toolz: in toolz/tests;
    # jaraco.functools: test_functools.py at the root, and doctests).
    # coverage.py reads the project's own settings (.coveragerc, setup.cfg, pyproject) from its
    # folder; without a scope in them, it measures the package, as the [tool.coverage.run]
    # source written by gates init will. Branches always: `gates tests` forces them.
    scope = ",".join(init_coverage.source_settings(target.sources))
    source = [] if target.coverage_scoped else [f"--source={scope}"]
    junit = scratch / "junit.xml"
    pytest_cov = project_python.probe(where.project).has_pytest_cov
    tests = tools.run(
        [*coverage, "run", "--branch", "--parallel-mode", *source, data, "-m", "pytest",
         *project_python.pytest_cov_off(pytest_cov, os.environ), *own_settings_only(target.root),
         "-q", "-p", "no:cacheprovider",
         f"--junitxml={junit}", "-o", "junit_family=xunit1",
         *not_the_projects_tests(target.root / GATES_DIR)],
        cwd=target.root,
        timeout_s=INSTALL_TIMEOUT_S,
    )  # fmt: skip
    if tests.returncode == PytestExit.NO_TESTS_COLLECTED and target.tests is None:
        return Measurement(None, NO_TESTS_FOUND)
    # pytest's usage errors (an option of a plugin that is not installed) go to stderr.
    output = f"{tests.stdout}\n{tests.stderr}"
    if tests.returncode not in TESTS_RAN:
        raise cannot_run(target, output, tests.returncode)
    if not junit.is_file():  # coverage.py stopped before pytest (a plugin it cannot import)
        raise cannot_run(target, output, tests.returncode)
    judge = [str(where.judge), "-m", "coverage"]
    tools.run([*judge, "combine", "-q", data, str(scratch)], cwd=target.root, timeout_s=120)
    report = tools.run([*judge, "json", data, "-o", "-"], cwd=target.root, timeout_s=120)
    measured = json.loads(report.stdout) if report.returncode == 0 else None
    if target.coverage_scoped and not _measures_a_package(measured, target.sources):
        # The project's own scope misses its code (pluggy's include patterns, left from before
        # its move to src/, matched only its tests): an untested module would never count.
        again = _run_tests(replace(target, coverage_scoped=False), where, scratch)
        note = f"the project's coverage settings measured none of {', '.join(target.sources)}: "
        note += "measured with source set to them, and source written into those settings"
        notes = (note, again.coverage_note) if again.coverage_note else (note,)
        return replace(again, rescoped=True, coverage_note="; ".join(notes))
    if measured is None:
        return Measurement(None, f"coverage json exited {report.returncode}: {report.tail(1)}")
    total = float(measured["totals"]["percent_covered"])
    if tests.returncode == TESTS_RAN[1] and total == 0:
        # pytest broke before any test ran (a conftest hook it refuses): 0% is not a floor.
        raise cannot_run(target, output, tests.returncode)
    if total == 0:  # a floor of 0 would pass any untested module forever
        return Measurement(None, "the tests ran and cover none of it (0%): no coverage threshold")
    if tests.returncode == TESTS_RAN[1]:
        failing = _failing(junit)
        note = f"{len(failing)} test(s) fail today: filed in the bucket {STARTER_BUCKET!r}"
        return Measurement(total, f"{note}; thresholds measured anyway", failing=failing)
    return Measurement(total)


def _measures_a_package(measured: dict[str, Any] | None, sources: Sequence[str]) -> bool:
    """Whether coverage's JSON report holds a file of the project's packages (or its module)."""
    files = (measured or {}).get("files", {})
    return any(name == src or name.startswith(f"{src}/") for name in files for src in sources)


def _failing(junit: Path) -> tuple[str, ...]:
    try:
        report = read_junit([junit])
    except GatesError as exc:
        raise ToolError(f"tests failed while measuring, and their JUnit file: {exc}") from None
    return tuple(sorted({case.nodeid for case in report.failures()}))


@dataclass(frozen=True)
class Environments:
    """The chain's two environments, as ``gates init`` measures in them."""

    project: Path
    """The interpreter of the project's own environment (no release-gates in it)."""
    judge: Path
    """The interpreter of release-gates' environment, beside it (every ``gates`` command)."""


@contextmanager
def fresh_environments(
    root: Path, project: Sequence[str], judge: Sequence[str]
) -> Iterator[Environments]:
    """uv venvs holding ``project`` and ``judge`` for as long as the block runs."""
    with tempfile.TemporaryDirectory(prefix="gates-init-") as scratch:
        project_python = environment(root, Path(scratch) / "project", project)
        yield Environments(project_python, environment(root, Path(scratch) / "judge", judge))


def measure(
    target: Target, where: Environments, install: Sequence[str], beside: Sequence[str] = ()
) -> Measurement:
    """Measure the project in ``where`` (:func:`fresh_environments`: the project's holding
    ``install``, release-gates' ``beside``); raises ConfigError (exit 2) when its tests cannot
    run there."""
    paths = project_layout.checked_paths(target.sources, target.tests)
    check = tools.run(["ruff", "format", "--check", *paths], cwd=target.root, timeout_s=120)
    format_clean = check.returncode == 0
    # A module of the package, not its __init__ (which may re-export on purpose).
    module = target.sources[0] if target.sources[0].endswith(".py") else f"{target.sources[0]}/m.py"
    pyflakes_checked = lint.checks_unused_imports(target.root, module)
    adopted = adopt_changelog(target.root, target.version)
    python_version = ".".join(map(str, sys.version_info[:3]))
    measured_in = f"measured in a fresh uv venv, Python {python_version}: {' '.join(install)}"
    measured_in += f"; release-gates beside it: {' '.join(beside)}" if beside else ""
    with tempfile.TemporaryDirectory(prefix="gates-init-data-") as scratch:
        measured = _run_tests(target, where, Path(scratch))
    return replace(
        measured,
        format_clean=format_clean,
        pyflakes_checked=pyflakes_checked,
        changelog=adopted,
        environment=measured_in,
    )


def run_gate_there(python: Path, root: Path, gate: str, *args: str) -> dict[str, Any]:
    """``gates GATE --json`` with ``python`` (release-gates' measuring venv, as the chain's
    session runs it): the result it recorded, when it passed or failed; anything else is a
    ToolError."""
    argv = [str(python), "-m", "gates", gate, *args, "--json", "--root", str(root)]
    ran = tools.run(argv, cwd=root, timeout_s=INSTALL_TIMEOUT_S)
    if ran.returncode not in TESTS_RAN:
        raise ToolError(
            f"gates {gate} in the measuring venv exited {ran.returncode}: {ran.tail(1)}"
        )
    result: dict[str, Any] = json.loads(ran.stdout)
    return result
