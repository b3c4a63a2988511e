"""``gates init``: adopt release-gates in an existing Python project in one command.

Three steps, each its own function: :func:`detect` reads the project (layout, package, tests,
ruff/mypy settings), :func:`measure` runs its tests under coverage once and counts today's lint
and type findings, :func:`apply` writes the files. Thresholds are what the project achieves today
(coverage rounded down, baselines for existing findings), so adoption starts green and ratchets.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from gates import (
    bucket_rules,
    chain,
    config,
    gate,
    init_coverage,
    init_measure,
    project_layout,
    project_metadata,
    release_source,
    templates,
    test_requirements,
    testrun,
    tool_settings,
)
from gates.errors import ConfigError, WorkspaceError
from gates.init_measure import Measurement, Target, adopt_changelog
from gates.jsonfields import JSONValue, by_field
from gates.lint import PYFLAKES
from gates.model import Status
from gates.toml_table import read_document
from gates.workspace import GATES_DIR, Workspace

PYTHONS = ("3.10", "3.11", "3.12", "3.13")
"""CPython versions a generated workflow may test, oldest first."""
LINT_BASELINE = ".gates-baseline/lint.json"
TYPECHECK_BASELINE = ".gates-baseline/typecheck.json"
WORKFLOW = ".github/workflows/gates.yml"
REQUIRED = gate.INIT_REQUIRED
COVERAGE = "coverage"
"""Required from the start (thresholds are what the project achieves today). ``smoke`` joins once
the project has a deployment to check: ``nox -s smoke`` skips while GATES_SMOKE_URL is unset."""
NOXFILE = testrun.NOXFILE
EGG_INFO = "*.egg-info/"
NAME_PLACES = " (in [project], [tool.poetry] or setup.cfg [metadata])"


@dataclass(frozen=True)
class Project:
    """What :func:`detect` found."""

    root: Path
    name: str
    """Distribution name (``[project].name``)."""
    version: str | None
    """Static ``[project].version``; None when dynamic."""
    package: str
    """Import package name."""
    sources: tuple[str, ...]
    """Folders of its packages, relative to the root (``src/pkg`` or ``pkg``), the import
    package's first; or the file of a distribution that is one module (``src/mod.py``)."""
    src_layout: bool
    tests: str | None
    """Test folder, relative to the root."""
    requirements: test_requirements.TestRequirements
    """What its tests need, and where that is declared."""
    release_gates: release_source.ReleaseGatesSource
    """Where the running release-gates came from: the generated noxfile installs the same."""
    pythons: tuple[str, ...]
    ruff_configured: bool
    mypy_configured: bool
    coverage_configured: bool
    git_version: str | None = None
    """The build requirement (setuptools-scm, hatch-vcs) whose version from git tags is a local
    one the index refuses on every commit after the last tag."""
    coverage_scoped: bool = True
    """Its coverage settings say what to measure (:func:`gates.init_coverage.scoped`), in
    pyproject.toml or in the INI file coverage.py reads instead."""

    @property
    def keeps_coverage_scope(self) -> bool:
        """Its own coverage settings say what to measure: gates init adds no ``source``."""
        return self.coverage_configured and self.coverage_scoped

    @property
    def install(self) -> tuple[str, ...]:
        """Python expressions for the noxfile's ``PROJECT`` list (what a session installs)."""
        return self.requirements.noxfile_items()

    def describe(self) -> str:
        settings = [
            f"{tool} settings" if configured else f"no {tool} settings ({tool} defaults apply)"
            for tool, configured in (
                ("ruff", self.ruff_configured),
                ("mypy", self.mypy_configured),
                ("coverage", self.coverage_configured),
            )
        ]
        layout = "src layout" if self.src_layout else "flat layout"
        tests = f"tests in {self.tests}/" if self.tests else "no test folder"
        where = (
            f"module {self.package} in {self.sources[0]}"
            if self.sources[0].endswith(".py")
            else f"package {self.package} in {self.sources[0]}/"
        )
        where += "".join(f", package {Path(other).name} in {other}/" for other in self.sources[1:])
        return f"{self.name}: {layout}, {where}, {tests}; " + (", ".join(settings))


@dataclass(frozen=True)
class Outcome:
    """What :func:`run` did, for the terminal and ``--json``."""

    found: str
    """What :func:`detect` found, one line."""
    written: tuple[str, ...]
    thresholds: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, JSONValue]:
        return by_field(self)

    def render(self) -> str:
        lines = [f"found {self.found}", *(f"wrote {path}" for path in self.written)]
        lines += [f"{key} = {value}" for key, value in self.thresholds.items() if value is not None]
        lines += [f"note: {note}" for note in self.notes]
        lines.append("next: nox -s gates   (commit the new files first: results bind to the tree)")
        return "\n".join(lines)


def _read_pyproject(root: Path) -> tuple[Path, dict[str, Any]]:
    file = root / "pyproject.toml"
    if not file.is_file() and not any((root / n).is_file() for n in config.SETUPTOOLS_FILES):
        raise WorkspaceError(
            f"{root}: not a Python project (no pyproject.toml, setup.py or setup.cfg)"
        )
    # A setup.py/setup.cfg project without one gets a pyproject.toml holding [tool.gates] (and
    # no [build-system]: its build stays setuptools' own).
    return file, read_document(file) if file.is_file() else {}


def _pythons(root: Path, declared: project_metadata.Declared) -> tuple[str, ...]:
    """Versions of :data:`PYTHONS` that ``requires-python`` allows (else the newest one)."""
    text = declared.requires_python
    try:
        spec = SpecifierSet(text if isinstance(text, str) else "")
    except InvalidSpecifier:
        raise ConfigError(
            f"{root / 'pyproject.toml'}: project.requires-python: not a version specifier: {text!r}"
        ) from None
    found = tuple(v for v in PYTHONS if spec.contains(f"{v}.0"))
    return found or PYTHONS[-1:]


def detect(root: Path) -> Project:
    """Read the project at ``root``; a folder that is not a Python project is an error (exit 2)."""
    _, document = _read_pyproject(root)
    declared = project_metadata.declared(root, document)
    if not isinstance(declared.name, str):
        raise ConfigError(
            f"{root / 'pyproject.toml'}: project.name: required by gates init{NAME_PLACES}"
        )
    name = declared.name
    package, sources, src_layout = project_layout.package(root, name)
    tests = project_layout.tests(root, sources[0])
    return Project(
        root=root,
        name=name,
        version=declared.version,
        git_version=None if declared.version else project_metadata.git_version_tool(document),
        package=package,
        sources=sources,
        src_layout=src_layout,
        tests=tests,
        requirements=test_requirements.discover(root),
        release_gates=release_source.installed(),
        pythons=_pythons(root, declared),
        ruff_configured=tool_settings.in_root(root, "ruff"),
        mypy_configured=tool_settings.in_root(root, "mypy"),
        coverage_configured=tool_settings.in_root(root, "coverage"),
        coverage_scoped=init_coverage.scoped(root, document),
    )


def planned_files(project: Project) -> dict[str, str]:
    """Files ``gates init`` creates (path relative to the root → content)."""
    return {
        NOXFILE: templates.noxfile(
            project=project.name, install=project.install, release_gates=project.release_gates
        ),
        WORKFLOW: templates.workflow(project=project.name, pythons=project.pythons),
        templates.SMOKE_PLAN: templates.smoke_plan(package=project.package),
    }


def conflicts(project: Project) -> list[str]:
    """What ``gates init`` would overwrite: files it writes, and an existing ``[tool.gates]``."""
    found = [path for path in planned_files(project) if (project.root / path).exists()]
    _, document = _read_pyproject(project.root)
    if "gates" in document.get("tool", {}):
        found.append("pyproject.toml [tool.gates]")
    return found


def gates_table(project: Project, measurement: Measurement) -> tomlkit.items.Table:
    """``[tool.gates]`` for the project: every gate required, thresholds from ``measurement``."""
    table = tomlkit.table()
    table.add(tomlkit.comment("Written by `gates init` from the project as it was: raise only."))
    # A gate with nothing to judge against could never pass: coverage waits for a measurement.
    measured = measurement.coverage_total is not None
    table.add("required", [name for name in REQUIRED if measured or name != COVERAGE])
    table["required"].comment(
        'add "smoke" once GATES_SMOKE_URL points at a deployment'
        + ("" if measured else '; "coverage" once [tool.gates.coverage] min_total is set')
    )
    lint_table = tomlkit.table()
    lint_table.add("paths", project_layout.checked_paths(project.sources, project.tests))
    if not measurement.format_clean:
        why = "failed" if measurement.format_clean is False else "was not run (--no-measure)"
        note = f"ruff format --check {why} at adoption: turn on once formatted"
        lint_table.add("format", tomlkit.item(False).comment(note))
    if measurement.pyflakes_checked is False:
        why = "the project's ruff settings leave out unused imports and undefined names"
        lint_table.add("extend_select", tomlkit.item([PYFLAKES]).comment(why))
    table.add("lint", lint_table)
    typecheck = tomlkit.table()
    typecheck.add("paths", list(project.sources))
    table.add("typecheck", typecheck)
    if measurement.coverage_total is not None:
        coverage = tomlkit.table()
        coverage.add("min_total", math.floor(measurement.coverage_total))
        coverage["min_total"].comment(f"measured {measurement.coverage_total:.2f}% at adoption")
        table.add("coverage", coverage)
    if measurement.failing:
        # Day one is green, and any other failing test (uncategorized) still blocks.
        rule = bucket_rules.quarantine(
            init_measure.STARTER_BUCKET,
            measurement.failing,
            expires=dt.date.today() + dt.timedelta(days=init_measure.STARTER_DAYS),
            hypothesis="failing when gates init adopted the project: fix them, then remove this",
        )
        table.add("buckets", tomlkit.parse(rule)["tool"]["gates"]["buckets"])
    adopted = measurement.changelog
    if adopted is not None and adopted.setting is not None:
        package = tomlkit.table()
        package.add("changelog", adopted.setting)
        if adopted.problem is not None:
            package["changelog"].comment(f"check off at adoption: {adopted.problem}")
        table.add("package", package)
    return table


def render_config(project: Project, measurement: Measurement) -> str:
    """pyproject.toml with ``[tool.gates]`` (and ``[tool.coverage.run]`` when absent) added,
    everything else preserved; validated as release-gates will read it."""
    file = project.root / "pyproject.toml"
    document = tomlkit.parse(file.read_text(encoding="utf-8") if file.is_file() else "")
    tool = document.get("tool")
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document["tool"] = tool
    tool["gates"] = gates_table(project, measurement)
    unscoped = not project.keeps_coverage_scope or measurement.rescoped
    if unscoped and init_coverage.ini_settings(project.root) is None:
        init_coverage.add_settings(tool, project.sources, scope_only=project.coverage_configured)
    text = tomlkit.dumps(document)
    config.parse(tomllib.loads(text), root=project.root, file=file)
    return text


def set_baseline(root: Path, gate: str, path: str) -> None:
    """Point ``[tool.gates.<gate>] baseline`` at ``path``."""
    file = root / "pyproject.toml"
    document = tomlkit.parse(file.read_text(encoding="utf-8"))
    section = document["tool"]["gates"][gate]
    section["baseline"] = path
    file.write_text(tomlkit.dumps(document), encoding="utf-8")


def ignore_tool_output(root: Path) -> bool:
    """Add ``.gates/`` and ``*.egg-info/`` to .gitignore unless already there; True when either
    was added.

    setuptools' editable install (the measuring venv's, then the chain's) writes the egg-info
    beside a flat layout's package, and the ``git add -A`` that commits the adoption would track
    it: every later install rewrites it, and a setuptools-scm version turns local ("dirty"),
    which the package gate refuses (jaraco.functools, whose repository ignores nothing)."""
    file = root / ".gitignore"
    text = file.read_text(encoding="utf-8") if file.is_file() else ""
    entries = {line.strip() for line in text.splitlines()}
    missing = []
    if not {f"{GATES_DIR}/", GATES_DIR, f"/{GATES_DIR}/", f"/{GATES_DIR}"} & entries:
        missing.append(f"# release-gates results and evidence\n{GATES_DIR}/\n")
    if not {EGG_INFO, EGG_INFO.rstrip("/"), f"/{EGG_INFO}"} & entries:
        missing.append(f"# setuptools' editable installs\n{EGG_INFO}\n")
    if not missing:
        return False
    separator = "" if not text or text.endswith("\n") else "\n"
    file.write_text(text + separator + "".join(missing), encoding="utf-8")
    return True


def apply(project: Project, measurement: Measurement) -> list[str]:
    """Write every file (the config is rendered and validated first); returns the paths written."""
    pyproject = render_config(project, measurement)
    written = []
    for path, content in planned_files(project).items():
        target = project.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        written.append(path)
    (project.root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    written.append("pyproject.toml")
    ini = init_coverage.ini_settings(project.root)
    if ini is not None and (not ini.scoped or measurement.rescoped):  # coverage.py reads it
        init_coverage.add_ini_source(project.root, ini, project.sources)
        written.append(ini.file)
    if ignore_tool_output(project.root):
        written.append(".gitignore")
    return written


def _ratchet(
    root: Path, gate: str, baseline_file: str, where: init_measure.Environments
) -> str | None:
    """Run ``gate`` once as the chain will: from release-gates' venv, typecheck given the
    project's (mypy reads its dependencies there); when today's code has findings, keep them
    as its baseline."""
    python = ("--python", str(where.project)) if gate in chain.GIVEN_THE_PROJECT else ()
    result = init_measure.run_gate_there(where.judge, root, gate, *python)
    if result.get("status") != Status.FAIL.value:
        return None
    set_baseline(root, gate, baseline_file)
    init_measure.run_gate_there(where.judge, root, gate, *python, "--update-baseline")
    count = result.get("metrics", {}).get("findings", "some")
    return f"{gate}: {count} findings today, kept in {baseline_file}"


def _release_gates(project: Project) -> str:
    """What the sessions will install release-gates from (``$RELEASE_GATES`` wins there too)."""
    return chain.release_gates(project.release_gates.requirement())


def _target(project: Project) -> Target:
    chosen = project.requirements.chosen
    return Target(
        root=project.root,
        sources=project.sources,
        tests=project.tests,
        version=project.version,
        coverage_scoped=project.keeps_coverage_scope,
        install=project.requirements.install_args(),
        declared_in=str(chosen.source)
        if chosen
        else "none declared yet: a [dependency-groups] test group in pyproject.toml is one place",
    )


def _origin_note(source: release_source.ReleaseGatesSource) -> str:
    note = f"noxfile installs {source.describe()}"
    if source.origin is release_source.Origin.INDEX:
        return note
    return note + ": CI needs the same file or folder, or RELEASE_GATES set to another source"


def run(root: Path, *, force: bool = False, measure_project: bool = True) -> Outcome:
    """``gates init``: detect, refuse to overwrite (unless ``force``), measure, write, ratchet."""
    # Absolute: the measuring runs name the root to commands that run inside it (--root REL
    # would be REL/REL there).
    root = Path(os.path.abspath(root))
    project = detect(root)
    Workspace.at(root)  # a git repository: every gate needs the tree id
    existing = conflicts(project)
    if existing and not force:
        raise WorkspaceError(
            f"{root.resolve()}: already has {', '.join(existing)}; gates init never overwrites: "
            f"re-run with --force to replace them"
        )
    if not measure_project:
        unmeasured = Measurement(
            None, "not measured", changelog=adopt_changelog(root, project.version)
        )
        return _outcome(project, unmeasured, apply(project, unmeasured), [])
    # As the chain's sessions install them: the project's environment, release-gates beside it.
    install = (*project.requirements.install_args(), *chain.TEST_RUNNERS)
    ratchets: list[str] = []
    judge = (_release_gates(project),)
    with init_measure.fresh_environments(root, install, judge) as where:
        measurement = init_measure.measure(_target(project), where, install, judge)
        written = apply(project, measurement)
        for name, baseline_file in (("lint", LINT_BASELINE), ("typecheck", TYPECHECK_BASELINE)):
            note = _ratchet(root, name, baseline_file, where)
            if note is not None:
                ratchets.append(note)
                written.append(baseline_file)
    return _outcome(project, measurement, written, ratchets)


def _outcome(
    project: Project, measurement: Measurement, written: list[str], ratchets: list[str]
) -> Outcome:
    notes = [*project.requirements.notes, _origin_note(project.release_gates)]
    notes += [note for note in (measurement.environment, measurement.coverage_note) if note]
    if measurement.changelog is not None and measurement.changelog.note is not None:
        notes.append(measurement.changelog.note)
    if measurement.pyflakes_checked is False:
        notes.append(
            "lint: checks pyflakes' rules (F) too: the project's ruff settings leave out "
            "unused imports and undefined names ([tool.gates.lint] extend_select)"
        )
    if project.git_version:
        notes.append(project_metadata.local_version_note(project.git_version))
    thresholds: dict[str, Any] = {"coverage.min_total": None}
    if measurement.coverage_total is not None:
        thresholds["coverage.min_total"] = math.floor(measurement.coverage_total)
    thresholds["lint.format"] = measurement.format_clean
    return Outcome(project.describe(), tuple(written), thresholds, (*notes, *ratchets))
