"""``[tool.gates]`` in pyproject.toml → typed, frozen config.

Every error names the file, the key path and (when it can be found) the line, in one line.
Unknown keys are errors: a misspelt threshold must never silently become "no threshold".
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn

from gates import gate
from gates.errors import ConfigError
from gates.model import Waiver

BUILTIN_GATES = gate.NAMES
"""Gates this package implements, in chain order."""

_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
    dt.date: "a date",
}


def _describe(value: object) -> str:
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


class Table:
    """A TOML table being read: typed getters that name the key path on error.

    Call :meth:`done` once every known key was read; any other key is then an error.
    """

    def __init__(self, data: Mapping[str, Any], path: Sequence[str | int], file: Path) -> None:
        self._data = data
        self._path = tuple(path)
        self._file = file
        self._seen: set[str] = set()

    @property
    def file(self) -> Path:
        return self._file

    def key_path(self, key: str | int | None = None) -> str:
        parts = [*self._path, key] if key is not None else list(self._path)
        text = ""
        for part in parts:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text

    def fail(self, key: str | int | None, problem: str) -> NoReturn:
        where = self._file.name
        line = _find_line(self._file, [*self._path, key] if key is not None else list(self._path))
        if line is not None:
            where += f":{line}"
        raise ConfigError(f"{where}: {self.key_path(key)}: {problem}")

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def _get(self, key: str, kinds: tuple[type, ...], expected: str) -> Any:
        self._seen.add(key)
        value = self._data[key]
        # bool is an int subclass: never accept true where a number is meant.
        if isinstance(value, bool) and bool not in kinds:
            self.fail(key, f"expected {expected}, got {_describe(value)}")
        if not isinstance(value, kinds):
            self.fail(key, f"expected {expected}, got {_describe(value)}")
        return value

    def string(self, key: str, default: str) -> str:
        if key not in self._data:
            self._mark(key)
            return default
        value: str = self._get(key, (str,), "a string")
        return value

    def optional_string(self, key: str) -> str | None:
        if key not in self._data:
            self._mark(key)
            return None
        value: str = self._get(key, (str,), "a string")
        return value or None

    def _mark(self, key: str) -> None:
        self._seen.add(key)

    def boolean(self, key: str, default: bool) -> bool:
        if key not in self._data:
            self._mark(key)
            return default
        value: bool = self._get(key, (bool,), "true or false")
        return value

    def number(
        self,
        key: str,
        default: float | None,
        *,
        low: float | None = None,
        high: float | None = None,
    ) -> float | None:
        if key not in self._data:
            self._mark(key)
            return default
        value = float(self._get(key, (int, float), "a number"))
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail(key, f"must be between {low:g} and {high:g}, got {value:g}")
        return value

    def percent(self, key: str, default: float | None = None) -> float | None:
        return self.number(key, default, low=0, high=100)

    def integer(self, key: str, default: int, *, low: int = 0) -> int:
        if key not in self._data:
            self._mark(key)
            return default
        value: int = self._get(key, (int,), "an integer")
        if value < low:
            self.fail(key, f"must be at least {low}, got {value}")
        return value

    def strings(self, key: str, default: Sequence[str] = ()) -> tuple[str, ...]:
        if key not in self._data:
            self._mark(key)
            return tuple(default)
        value = self._get(key, (list,), "a list of strings")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(key, f"expected a list of strings, item {index} is {_describe(item)}")
        return tuple(value)

    def raw_list(self, key: str) -> list[Any]:
        """A list whose items the caller checks (e.g. strings mixed with tables)."""
        if key not in self._data:
            self._mark(key)
            return []
        value: list[Any] = self._get(key, (list,), "a list")
        return value

    def string_or_strings(self, key: str) -> tuple[str, ...]:
        """A string or a list of strings (e.g. a glob or several)."""
        if key in self._data and isinstance(self._data[key], str):
            return (self.string(key, ""),)
        return self.strings(key)

    def date(self, key: str) -> dt.date | None:
        if key not in self._data:
            self._mark(key)
            return None
        value = self._get(key, (dt.date, str), "a date (YYYY-MM-DD)")
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(key, f"expected a date (YYYY-MM-DD), got {value!r}")

    def table(self, key: str) -> Table:
        if key not in self._data:
            self._mark(key)
            return Table({}, [*self._path, key], self._file)
        value = self._get(key, (dict,), "a table")
        return Table(value, [*self._path, key], self._file)

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[tool.gates.x]]``)."""
        if key not in self._data:
            self._mark(key)
            return []
        value = self._get(key, (list,), "an array of tables")
        tables = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(key, f"item {index} is {_describe(item)}, expected a table")
            tables.append(Table(item, [*self._path, key, index], self._file))
        return tables

    def child(self, key: str, data: Mapping[str, Any]) -> Table:
        """A table below this one whose content was already read with :meth:`items`."""
        return Table(data, [*self._path, key], self._file)

    def raw(self, key: str) -> Any:
        """The value of ``key`` whatever its TOML type (None when absent), marked as read."""
        self._seen.add(key)
        return self._data.get(key)

    def items(self) -> list[tuple[str, Any]]:
        """All entries of a free-form table (marks them read)."""
        self._seen.update(self._data)
        return list(self._data.items())

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            self.fail(unknown[0], "unknown key")


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _find_line(file: Path, path: Sequence[str | int | None]) -> int | None:
    """Best-effort line of a key path in a TOML file, for error messages only."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    names = [str(p) for p in path if p is not None and not isinstance(p, int)]
    # Position in ``path`` of each name: the index right after a name picks its [[array]] item.
    positions = [i for i, p in enumerate(path) if p is not None and not isinstance(p, int)]
    # Longest table header that is a prefix of the path, then the key below it.
    for cut in range(len(names), 0, -1):
        header, rest = ".".join(names[:cut]), names[cut:]
        after = positions[cut - 1] + 1
        occurrence = path[after] if after < len(path) and isinstance(path[after], int) else 0
        seen = -1
        for number, text in enumerate(lines):
            match = _HEADER.match(text)
            if not match or match.group(1).replace(" ", "") != header:
                continue
            seen += 1
            if seen != occurrence and text.lstrip().startswith("[["):
                continue
            if not rest:
                return number + 1
            for offset, below in enumerate(lines[number + 1 :], start=number + 2):
                if _HEADER.match(below):
                    break
                if re.match(rf"^\s*\"?{re.escape(rest[0])}\"?\s*=", below):
                    return offset
            return number + 1  # the key is missing: point at its table
    return None


@dataclass(frozen=True)
class LintConfig:
    paths: tuple[str, ...] = (".",)
    """Files and folders ruff checks."""
    baseline: str | None = None
    """Committed file of known findings: only new findings fail (a ratchet)."""
    format: bool = True
    """Also run ``ruff format --check``."""


@dataclass(frozen=True)
class TypecheckConfig:
    paths: tuple[str, ...] = (".",)
    baseline: str | None = None
    args: tuple[str, ...] = ()
    """Extra mypy arguments, e.g. ``["--strict"]`` (pyproject's ``[tool.mypy]`` also applies)."""


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


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    TRIVIAL = "trivial"

    @property
    def blocks_by_default(self) -> bool:
        return self in (Severity.CRITICAL, Severity.HIGH)


MATCH_OUTCOMES = ("failed", "error")


@dataclass(frozen=True)
class BucketMatch:
    """What a bucket rule catches: every given key must match (any item of a list will do)."""

    nodeid: tuple[str, ...] = ()
    """fnmatch globs over pytest node ids."""
    type: tuple[str, ...] = ()
    """Exception type names (``ValueError`` also matches ``pkg.errors.ValueError``)."""
    message: tuple[re.Pattern[str], ...] = ()
    """Regexes searched (not full-matched) in the failure message."""
    trace: tuple[re.Pattern[str], ...] = ()
    """Regexes searched in the traceback text."""
    outcome: tuple[str, ...] = ()
    """``failed`` and/or ``error``."""
    nodeid_pattern: re.Pattern[str] | None = None
    """The ``nodeid`` globs as one compiled regex (thousands of ids stay fast)."""


@dataclass(frozen=True)
class BucketRule:
    """One ``[[tool.gates.buckets]]`` entry; rules are tried in order, the first match wins."""

    name: str
    id: str
    """Stable identifier: given, or the name in lower-case-with-dashes."""
    severity: Severity
    match: BucketMatch
    blocking: bool
    max_failures: int | None = None
    """Failure budget: more than this blocks, up to it only warns."""
    owner: str | None = None
    hypothesis: str | None = None
    files: tuple[str, ...] = ()
    estimate: str | None = None
    issue: str | None = None
    expires: dt.date | None = None
    """A quarantine that lapses: after this day the bucket blocks."""


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


@dataclass(frozen=True)
class CommandGate:
    name: str
    argv: tuple[str, ...]
    timeout_s: float | None = None


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
    ledger: str = ".gates/ledger.db"
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

    @property
    def gates(self) -> tuple[str, ...]:
        """Every gate the decision looks at, required first."""
        return (*self.required, *(g for g in self.advisory if g not in self.required))

    def known_gates(self) -> tuple[str, ...]:
        return (*BUILTIN_GATES, *self.commands)


def load(root: Path) -> GatesConfig:
    """Read ``root/pyproject.toml``; a missing ``[tool.gates]`` section means the defaults."""
    file = root / "pyproject.toml"
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: not found (release-gates reads [tool.gates] from it)") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file.name}: invalid TOML: {exc}") from None
    return parse(document, root=root, file=file)


def parse(document: Mapping[str, Any], *, root: Path, file: Path) -> GatesConfig:
    project = document.get("project") if isinstance(document.get("project"), dict) else {}
    assert isinstance(project, dict)
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        Table(document, [], file).fail("tool", f"expected a table, got {_describe(tool)}")
    table = Table(tool.get("gates", {}), ["tool", "gates"], file)
    if "gates" in tool and not isinstance(tool["gates"], dict):
        Table(tool, ["tool"], file).fail(
            "gates", f"expected a table, got {_describe(tool['gates'])}"
        )

    commands = _commands(table.table("commands"))
    required = table.strings("required", ("lint", "typecheck"))
    advisory = table.strings("advisory")
    known = (*BUILTIN_GATES, *commands)
    for key, names in (("required", required), ("advisory", advisory)):
        for name in names:
            if name not in known:
                table.fail(key, f"unknown gate {name!r} (known: {', '.join(known)})")

    config = GatesConfig(
        root=root,
        file=file,
        project_name=project.get("name") if isinstance(project.get("name"), str) else None,
        version=project.get("version") if isinstance(project.get("version"), str) else None,
        required=required,
        advisory=advisory,
        ledger=table.string("ledger", ".gates/ledger.db"),
        timeout_s=table.number("timeout", 1800.0, low=1) or 1800.0,
        lint=_lint(table.table("lint")),
        typecheck=_typecheck(table.table("typecheck")),
        tests=_tests(table.table("tests")),
        coverage=_coverage(table.table("coverage")),
        package=_package(table.table("package")),
        release=_release(table.table("release")),
        commands=commands,
        waivers=tuple(_waiver(t, known) for t in table.tables("waivers")),
        buckets=_buckets(table.tables("buckets")),
        checklist=_checklist(table.table("checklist"), known),
    )
    table.done()
    return config


def _lint(table: Table) -> LintConfig:
    config = LintConfig(
        paths=table.strings("paths", (".",)),
        baseline=table.optional_string("baseline"),
        format=table.boolean("format", True),
    )
    table.done()
    return config


def _typecheck(table: Table) -> TypecheckConfig:
    config = TypecheckConfig(
        paths=table.strings("paths", (".",)),
        baseline=table.optional_string("baseline"),
        args=table.strings("args"),
    )
    table.done()
    return config


def _tests(table: Table) -> TestsConfig:
    max_risky = table.integer("max_risky", -1)
    config = TestsConfig(
        pytest_args=table.strings("pytest_args"),
        junit=table.string_or_strings("junit") or TestsConfig.junit,
        min_pass_rate=table.percent("min_pass_rate"),
        max_skip_rate=table.percent("max_skip_rate"),
        max_risky=None if max_risky < 0 else max_risky,
        max_failure_ratio=table.percent("max_failure_ratio", 50.0) or 0.0,
        unbound_junit=table.boolean("unbound_junit", False),
    )
    table.done()
    return config


def _package(table: Table) -> PackageConfig:
    smoke = table.string_or_strings("smoke")
    if len(smoke) == 1:
        try:
            smoke = tuple(shlex.split(smoke[0]))
        except ValueError as exc:
            table.fail("smoke", f"cannot split command: {exc}")
        if not smoke:
            table.fail("smoke", "empty command")
    config = PackageConfig(
        smoke=smoke,
        changelog=table.optional_string("changelog") if "changelog" in table else "CHANGELOG.md",
        isolation=table.boolean("isolation", True),
    )
    table.done()
    return config


def _release(table: Table) -> ReleaseConfig:
    urls = {}
    for key in ("repository_url", "index_url"):
        url = table.optional_string(key)
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


_BUCKET_ID = re.compile(r"[^a-z0-9]+")
UNCATEGORIZED = "uncategorized"


def _buckets(tables: Sequence[Table]) -> tuple[BucketRule, ...]:
    rules: list[BucketRule] = []
    for table in tables:
        rule = bucket_rule(table)
        for other in rules:
            if rule.id == other.id:
                table.fail("name", f"bucket id {rule.id!r} is already used by {other.name!r}")
        rules.append(rule)
    return tuple(rules)


def bucket_rule(table: Table) -> BucketRule:
    name = table.string("name", "").strip()
    if not name:
        table.fail("name", "required: every bucket has a name")
    bucket_id = table.optional_string("id") or _BUCKET_ID.sub("-", name.lower()).strip("-")
    if not bucket_id or bucket_id == UNCATEGORIZED:
        table.fail("name", f"{name!r} cannot be used: give the bucket another name or an id")
    severity_text = table.string("severity", "")
    if not severity_text:
        table.fail("severity", f"required: one of {', '.join(Severity)}")
    try:
        severity = Severity(severity_text)
    except ValueError:
        table.fail("severity", f"expected one of {', '.join(Severity)}, got {severity_text!r}")
    if "match" not in table:
        table.fail("match", "required: a table of nodeid, type, message, trace and/or outcome")
    max_failures = table.integer("max_failures", -1)
    rule = BucketRule(
        name=name,
        id=bucket_id,
        severity=severity,
        match=bucket_match(table.table("match")),
        blocking=table.boolean("blocking", severity.blocks_by_default),
        max_failures=None if max_failures < 0 else max_failures,
        owner=table.optional_string("owner"),
        hypothesis=table.optional_string("hypothesis"),
        files=table.strings("files"),
        estimate=table.optional_string("estimate"),
        issue=table.optional_string("issue"),
        expires=table.date("expires"),
    )
    table.done()
    return rule


def bucket_match(table: Table) -> BucketMatch:
    def patterns(key: str) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for text in table.string_or_strings(key):
            try:
                compiled.append(re.compile(text))
            except re.error as exc:
                table.fail(key, f"invalid regex {text!r}: {exc}")
        return tuple(compiled)

    nodeids = table.string_or_strings("nodeid")
    match = BucketMatch(
        nodeid=nodeids,
        nodeid_pattern=re.compile("|".join(fnmatch.translate(g) for g in nodeids))
        if nodeids
        else None,
        type=table.string_or_strings("type"),
        message=patterns("message"),
        trace=patterns("trace"),
        outcome=table.string_or_strings("outcome"),
    )
    for outcome in match.outcome:
        if outcome not in MATCH_OUTCOMES:
            table.fail("outcome", f"expected {' or '.join(MATCH_OUTCOMES)}, got {outcome!r}")
    table.done()
    if match == BucketMatch():
        table.fail(None, "empty: give at least one of nodeid, type, message, trace, outcome")
    return match


def _coverage(table: Table) -> CoverageConfig:
    paths_table = table.table("paths")
    paths: dict[str, float] = {}
    for glob, _ in paths_table.items():
        if not glob.strip():
            paths_table.fail(glob, "empty glob")
        minimum = paths_table.percent(glob)
        assert minimum is not None  # the key is present
        paths[glob] = minimum
    config = CoverageConfig(
        min_total=table.percent("min_total"),
        paths=paths,
        min_changed_lines=table.percent("min_changed_lines"),
        base_ref=table.string("base_ref", "origin/main"),
        data=table.string_or_strings("data") or (".gates/evidence",),
        worst_files=table.integer("worst_files", 10),
    )
    if not config.base_ref.strip():
        table.fail("base_ref", "empty git ref")
    table.done()
    return config


_GATE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _commands(table: Table) -> dict[str, CommandGate]:
    commands: dict[str, CommandGate] = {}
    for name, value in table.items():
        if not _GATE_NAME.match(name):
            table.fail(name, "gate names use letters, digits, '-', '_' and '.'")
        if name in BUILTIN_GATES:
            table.fail(name, f"{name!r} is a built-in gate; give the command another name")
        timeout: float | None = None
        if isinstance(value, dict):
            entry = table.child(name, value)
            argv = entry.string_or_strings("run")
            timeout = entry.number("timeout", None, low=1)
            entry.done()
        elif isinstance(value, str):
            try:
                argv = tuple(shlex.split(value))
            except ValueError as exc:
                table.fail(name, f"cannot split command: {exc}")
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            argv = tuple(value)
        else:
            table.fail(name, f"expected a command string or list, got {_describe(value)}")
        if len(argv) == 1 and " " in argv[0]:
            argv = tuple(shlex.split(argv[0]))
        if not argv:
            table.fail(name, "empty command")
        commands[name] = CommandGate(name=name, argv=argv, timeout_s=timeout)
    return commands


def _waiver(table: Table, known: Sequence[str]) -> Waiver:
    gate = table.string("gate", "")
    if not gate:
        table.fail("gate", "required: the gate this waiver applies to")
    if gate not in known:
        table.fail("gate", f"unknown gate {gate!r}")
    reason = table.string("reason", "")
    owner = table.string("owner", "")
    for key, value in (("reason", reason), ("owner", owner)):
        if not value.strip():
            table.fail(key, "required: every waiver says why and who owns it")
    expires = table.date("expires")
    expires_version = table.optional_string("expires_version")
    if expires is None and expires_version is None:
        table.fail("expires", "required: a waiver needs an expiry date and/or expires_version")
    waiver = Waiver(
        gate=gate,
        reason=reason,
        owner=owner,
        expires=expires,
        expires_version=expires_version,
        bucket=table.optional_string("bucket"),
    )
    table.done()
    return waiver


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
            name, gate = item.string("item", "").strip(), item.string("gate", "")
            if not name:
                item.fail("item", "required: what the item checks")
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
