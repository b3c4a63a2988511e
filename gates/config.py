"""``[tool.gates]`` in pyproject.toml → typed, frozen config.

Every error names the file, the key path and (when it can be found) the line, in one line.
Unknown keys are errors: a misspelt threshold must never silently become "no threshold".
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from gates import command_config, gate, targets
from gates.bucket_rules import BucketRule, bucket_rules
from gates.command_config import CommandGate
from gates.errors import ConfigError
from gates.ledger_setting import DEFAULT as DEFAULT_LEDGER
from gates.ledger_setting import ledger_setting
from gates.model import Waiver
from gates.redact import url_credentials
from gates.toml_table import COUNT_LIMIT, Table, describe, read_document
from gates.waivers import waiver

BUILTIN_GATES = gate.NAMES
"""Gates this package implements, in chain order."""

Choice = TypeVar("Choice", bound=StrEnum)

TIMEOUT_RANGE = {"low": 1.0, "high": 86_400.0}
"""Seconds a tool may run: at least one, at most a day (past that it hangs, it is not slow)."""


@dataclass(frozen=True)
class LintConfig:
    paths: tuple[str, ...] = (".",)
    """Files and folders ruff checks."""
    baseline: str | None = None
    """Committed file of known findings: only new findings fail (a ratchet)."""
    format: bool = True
    """Also run ``ruff format --check``."""
    extend_select: tuple[str, ...] = ()
    """Ruff rule codes or prefixes checked on top of the project's own ruff settings
    (``--extend-select``): ``gates init`` adds ``F`` where those leave out pyflakes' unused
    imports and undefined names."""


@dataclass(frozen=True)
class TypecheckConfig:
    paths: tuple[str, ...] = (".",)
    baseline: str | None = None
    args: tuple[str, ...] = ()
    """Extra mypy arguments, e.g. ``["--strict"]`` (pyproject's ``[tool.mypy]`` also applies)."""


class CompareWith(StrEnum):
    """``[tool.gates.tests] compare_with``: the base branch's decision "since the previous run"."""

    LAST = "last"
    """The newest decision recorded for the base branch (with a buckets result)."""
    LAST_GO = "last_go"
    """The newest one that let a release through (GO or GO_WITH_WAIVERS)."""


@dataclass(frozen=True)
class TestsConfig:
    pytest_args: tuple[str, ...] = ()
    """Arguments always given to pytest by ``gates tests``."""
    junit: tuple[str, ...] = (".gates/evidence/junit*.xml",)
    """JUnit files (globs; folders mean every ``junit*.xml`` below) the buckets gate judges."""
    min_pass_rate: float | None = None
    """Percent of executed tests that must not fail (flaky and xfailed ones count as passing)."""
    max_skip_rate: float | None = None
    """Percent of all tests that may be skipped."""
    max_risky: int | None = None
    """How many tests may pass without a single assertion (needs ``gates tests``' plugin)."""
    max_failure_ratio: float = 50.0
    """Above this percent of executed tests failing, the run is called a broken environment."""
    unbound_junit: bool = False
    """Accept JUnit files with no ``meta.json`` (from another producer): listed in the decision."""
    base_branch: str = "main"
    """The branch whose recorded decisions the buckets report compares with ("since the ...")."""
    compare_with: CompareWith = CompareWith.LAST
    """Which of the base branch's decisions in the ledger: its last one, or its last GO."""


@dataclass(frozen=True)
class CoverageConfig:
    min_total: float | None = None
    """Percent of statements and branches covered, over every measured file."""
    paths: Mapping[str, float] = field(default_factory=dict)
    """Glob (relative to the project root, ``*`` crosses folders) to its group's minimum percent."""
    min_changed_lines: float | None = None
    """Percent of executable lines added or changed against ``base_ref`` that must be covered."""
    base_ref: str = "origin/main"
    """Git ref the changed lines are computed against (from its merge base with HEAD)."""
    data: tuple[str, ...] = (".gates/evidence",)
    """Data files, or folders searched for them (shard artifacts), when --data is not given."""
    worst_files: int = 10
    """How many of the least covered files the report lists with their missing lines."""

    @property
    def has_threshold(self) -> bool:
        return self.min_total is not None or bool(self.paths) or self.min_changed_lines is not None


@dataclass(frozen=True)
class PackageConfig:
    smoke: tuple[str, ...] = ()
    """Command run in a fresh venv where the wheel is installed; empty: import its modules."""
    changelog: str | None = "CHANGELOG.md"
    """Must have a section for the version (or Unreleased); empty string: no check."""
    isolation: bool = True
    """Build in an isolated environment (``python -m build``'s default)."""


PYPI_UPLOAD_URL = "https://upload.pypi.org/legacy/"


@dataclass(frozen=True)
class ReleaseConfig:
    repository_url: str = PYPI_UPLOAD_URL
    """Where ``gates release publish`` uploads (``--repository-url`` overrides)."""
    index_url: str | None = None
    """Simple index of that repository, to see what is already there; derived when unset."""
    remote: str = "origin"
    """Git remote the release tag is pushed to."""


class Priority(StrEnum):
    """How much a release checklist item matters (the release plan's must/should/could)."""

    MUST = "must"
    """A production decision is NO_GO while it is unchecked."""
    SHOULD = "should"
    COULD = "could"


@dataclass(frozen=True)
class ChecklistItem:
    name: str
    """What is checked, e.g. ``CHANGELOG reviewed``; sign-offs name it."""
    priority: Priority
    gate: str | None = None
    """Checked when this gate let the latest decision through; None: needs a sign-off."""


@dataclass(frozen=True)
class ChecklistConfig:
    """``[tool.gates.checklist]``: ``must``/``should``/``could`` lists of items."""

    items: tuple[ChecklistItem, ...] = ()


@dataclass(frozen=True)
class GatesConfig:
    """The whole ``[tool.gates]`` section of one project."""

    root: Path
    file: Path
    project_name: str | None = None
    version: str | None = None
    """``[project].version`` when static."""
    required: tuple[str, ...] = ("lint", "typecheck")
    advisory: tuple[str, ...] = ()
    ledger: str = DEFAULT_LEDGER
    """The SQLite file, or ``"git"``: the ref ``refs/gates/ledger`` of the project's repository."""
    ledger_remote: str | None = None
    """With the git ledger: the remote every append fetches from and pushes to."""
    timeout_s: float = 1800.0
    """Default time limit for any tool a gate runs."""
    lint: LintConfig = field(default_factory=LintConfig)
    typecheck: TypecheckConfig = field(default_factory=TypecheckConfig)
    tests: TestsConfig = field(default_factory=TestsConfig)
    coverage: CoverageConfig = field(default_factory=CoverageConfig)
    package: PackageConfig = field(default_factory=PackageConfig)
    release: ReleaseConfig = field(default_factory=ReleaseConfig)
    commands: Mapping[str, CommandGate] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    buckets: tuple[BucketRule, ...] = ()
    checklist: ChecklistConfig = field(default_factory=ChecklistConfig)
    targets: tuple[targets.Target, ...] = ()
    """``[tool.gates.targets]``: the release plan's dated targets, oldest first."""

    @property
    def gates(self) -> tuple[str, ...]:
        """Every gate the decision looks at, required first (no gate is in both lists)."""
        return (*self.required, *self.advisory)

    def known_gates(self) -> tuple[str, ...]:
        return (*BUILTIN_GATES, *self.commands)


SETUPTOOLS_FILES = ("setup.py", "setup.cfg")
"""A project with one of these and no pyproject.toml is read with the defaults."""


def load(root: Path) -> GatesConfig:
    """Read ``root/pyproject.toml``; a missing ``[tool.gates]`` section means the defaults."""
    file = root / "pyproject.toml"
    try:
        document = read_document(file)
    except FileNotFoundError:
        if not any((root / name).is_file() for name in SETUPTOOLS_FILES):
            raise ConfigError(
                f"{file}: not found (release-gates reads [tool.gates] from it)"
            ) from None
        document = {}  # a setuptools project before `gates init` writes its pyproject.toml
    return parse(document, root=root, file=file)


def parse(document: Mapping[str, Any], *, root: Path, file: Path) -> GatesConfig:
    project = document.get("project") if isinstance(document.get("project"), dict) else {}
    assert isinstance(project, dict)
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        Table(document, [], file).fail("tool", f"expected a table, got {describe(tool)}")
    table = Table(tool.get("gates", {}), ["tool", "gates"], file)
    if "gates" in tool and not isinstance(tool["gates"], dict):
        Table(tool, ["tool"], file).fail(
            "gates", f"expected a table, got {describe(tool['gates'])}"
        )

    commands = command_config.commands(table.table("commands"), BUILTIN_GATES, TIMEOUT_RANGE)
    known = (*BUILTIN_GATES, *commands)
    required, advisory = _tiers(table, known)
    ledger, ledger_remote = ledger_setting(table, root)
    coverage = _coverage(table.table("coverage"), root)
    # What a waiver's `accept` may lower: the config keys of the gates' keyed thresholds.
    thresholds = {"coverage": ("min_total", "min_changed_lines", *coverage.paths)}

    config = GatesConfig(
        root=root,
        file=file,
        project_name=project.get("name") if isinstance(project.get("name"), str) else None,
        version=project.get("version") if isinstance(project.get("version"), str) else None,
        required=required,
        advisory=advisory,
        ledger=ledger,
        ledger_remote=ledger_remote,
        timeout_s=table.number("timeout", GatesConfig.timeout_s, **TIMEOUT_RANGE),
        lint=_lint(table.table("lint"), root),
        typecheck=_typecheck(table.table("typecheck"), root),
        tests=_tests(table.table("tests"), root),
        coverage=coverage,
        package=_package(table.table("package"), root),
        release=_release(table.table("release")),
        commands=commands,
        waivers=tuple(waiver(t, known, thresholds) for t in table.tables("waivers")),
        buckets=bucket_rules(table.tables("buckets")),
        checklist=_checklist(table.table("checklist"), known),
        targets=targets.parse(table.table("targets")),
    )
    table.done()
    return config


def _tiers(table: Table, known: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``required`` and ``advisory``: known gates, each listed once, at least one in all."""
    required = table.strings("required", GatesConfig.required)
    advisory = table.strings("advisory")
    for key, names in (("required", required), ("advisory", advisory)):
        for index, name in enumerate(names):
            if name not in known:
                table.fail(key, f"unknown gate {name!r} (known: {', '.join(known)})")
            if name in names[:index]:
                table.fail(key, f"gate {name!r} is listed twice")
            if key == "advisory" and name in required:
                implied = "" if "required" in table else f" (by default: {', '.join(required)})"
                table.fail(key, f"gate {name!r} is also required{implied}")
    if not required and not advisory:
        table.fail("required", "names no gate and advisory is empty: nothing would be judged")
    return required, advisory


def _paths(table: Table, key: str, root: Path, default: Sequence[str] = ()) -> tuple[str, ...]:
    """A string or a list of paths (or globs) relative to ``root``, none leading out of it."""
    paths = table.string_or_strings(key) or tuple(default)
    table.inside(key, paths, root)
    return paths


def _baseline(table: Table, root: Path) -> str | None:
    baseline = table.optional_string("baseline")
    table.inside("baseline", [baseline] if baseline else [], root)
    return baseline


_RUFF_RULE = re.compile(r"^(ALL|[A-Z]{1,4}[0-9]{0,4})$")


def _lint(table: Table, root: Path) -> LintConfig:
    config = LintConfig(
        paths=_paths(table, "paths", root, LintConfig.paths),
        baseline=_baseline(table, root),
        format=table.boolean("format", True),
        extend_select=table.strings("extend_select"),
    )
    for index, code in enumerate(config.extend_select):
        if not _RUFF_RULE.match(code):
            table.fail("extend_select", f"item {index}: not a ruff rule code or prefix: {code!r}")
    table.done()
    return config


def _typecheck(table: Table, root: Path) -> TypecheckConfig:
    config = TypecheckConfig(
        paths=_paths(table, "paths", root, TypecheckConfig.paths),
        baseline=_baseline(table, root),
        args=table.strings("args"),
    )
    table.done()
    return config


def _tests(table: Table, root: Path) -> TestsConfig:
    config = TestsConfig(
        pytest_args=table.strings("pytest_args"),
        junit=_paths(table, "junit", root, TestsConfig.junit),
        min_pass_rate=table.percent("min_pass_rate"),
        max_skip_rate=table.percent("max_skip_rate"),
        max_risky=table.integer("max_risky", None, high=COUNT_LIMIT),
        max_failure_ratio=table.number("max_failure_ratio", 50.0, low=0, high=100),
        unbound_junit=table.boolean("unbound_junit", False),
        base_branch=table.string("base_branch", TestsConfig.base_branch).strip(),
        compare_with=_choice(table, "compare_with", CompareWith, CompareWith.LAST),
    )
    if not config.base_branch:
        table.fail("base_branch", "empty branch name")
    table.done()
    return config


def _choice(table: Table, key: str, choices: type[Choice], default: Choice) -> Choice:
    text = table.string(key, default.value)
    try:
        return choices(text)
    except ValueError:
        expected = " or ".join(f'"{choice.value}"' for choice in choices)
        table.fail(key, f"expected {expected}, got {text!r}")


def _package(table: Table, root: Path) -> PackageConfig:
    smoke = table.string_or_strings("smoke")
    if len(smoke) == 1:
        try:
            smoke = tuple(shlex.split(smoke[0]))
        except ValueError as exc:
            table.fail("smoke", f"cannot split command: {exc}")
        if not smoke:
            table.fail("smoke", "empty command")
    changelog = table.optional_string("changelog") if "changelog" in table else "CHANGELOG.md"
    table.inside("changelog", [changelog] if changelog else [], root)
    config = PackageConfig(
        smoke=smoke, changelog=changelog, isolation=table.boolean("isolation", True)
    )
    table.done()
    return config


def _release(table: Table) -> ReleaseConfig:
    urls = {}
    for key in ("repository_url", "index_url"):
        url = table.optional_string(key)
        if url is not None and url_credentials(url) is not None:
            # Checked first: the message below echoes the URL.
            table.fail(
                key,
                "holds a password: the file is committed and ships in the sdist; set"
                " TWINE_USERNAME and TWINE_PASSWORD instead",
            )
        if url is not None and not re.match(r"^https?://[^/\s]+", url):
            table.fail(key, f"expected an http(s) URL, got {url!r}")
        urls[key] = url
    config = ReleaseConfig(
        repository_url=urls["repository_url"] or PYPI_UPLOAD_URL,
        index_url=urls["index_url"],
        remote=table.string("remote", "origin"),
    )
    table.done()
    return config


def _coverage(table: Table, root: Path) -> CoverageConfig:
    paths_table = table.table("paths")
    paths: dict[str, float] = {}
    for glob, _ in paths_table.items():
        if not glob.strip():
            paths_table.fail(glob, "empty glob")
        paths[glob] = paths_table.number(glob, 0.0, low=0, high=100)
    config = CoverageConfig(
        min_total=table.percent("min_total"),
        paths=paths,
        min_changed_lines=table.percent("min_changed_lines"),
        base_ref=table.string("base_ref", "origin/main"),
        data=_paths(table, "data", root, CoverageConfig.data),
        worst_files=table.integer("worst_files", CoverageConfig.worst_files, high=10_000),
    )
    if not config.base_ref.strip():
        table.fail("base_ref", "empty git ref")
    table.done()
    return config


def _checklist(table: Table, known: Sequence[str]) -> ChecklistConfig:
    """Each list holds item names (manual: signed off) or ``{ item = "...", gate = "..." }``."""
    items: list[ChecklistItem] = []
    for priority in Priority:
        for index, entry in enumerate(table.raw_list(priority.value)):
            if isinstance(entry, str) and entry.strip():
                items.append(ChecklistItem(entry.strip(), priority))
                continue
            if not isinstance(entry, dict):
                table.fail(priority.value, f"item {index}: expected an item name or a table")
            item = Table(entry, ["tool", "gates", "checklist", priority.value, index], table.file)
            name = item.required_string("item", "what the item checks").strip()
            gate = item.string("gate", "")
            if gate not in known:
                item.fail("gate", f"unknown gate {gate!r} (known: {', '.join(known)})")
            item.done()
            items.append(ChecklistItem(name, priority, gate))
    seen: set[str] = set()
    for entry in items:
        if entry.name in seen:
            table.fail(entry.priority.value, f"item {entry.name!r} is listed twice")
        seen.add(entry.name)
    table.done()
    return ChecklistConfig(tuple(items))
