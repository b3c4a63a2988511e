"""Where a project declares what its tests need, read without running anything.

One entry point, :func:`discover`. It looks in every place projects use — PEP 735 dependency
groups, extras, Hatch environments, PDM dev-dependencies, Poetry groups, tox.ini ``[testenv]``,
requirements files — and chooses one declaration: a test-named one (``test``, ``tests``,
``testing``, a tox test environment, ``requirements/*test*.txt``) before a ``dev`` one, and within
a tier in the order of :class:`Style`. The others found are reported, not merged: two places
rarely agree on pins, and installing both could measure a set no one declared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from gates import poetry_versions, tox_deps
from gates.errors import ConfigError
from gates.toml_table import read_document

TEST_NAMES = ("test", "tests", "testing")
DEV_NAMES = ("dev",)
REQUIREMENTS_FILES = (
    "requirements/test.txt",
    "requirements/tests.txt",
    "requirements/testing.txt",
    "requirements/*test*.txt",
    "requirements-test.txt",
    "requirements-tests.txt",
    "requirements_test.txt",
    "requirements-testing.txt",
    "test-requirements.txt",
    "test_requirements.txt",
    "tests/requirements.txt",
    "test/requirements.txt",
    "testing/requirements.txt",
    "requirements-dev.txt",
    "requirements_dev.txt",
    "requirements/dev.txt",
    "dev-requirements.txt",
)
"""Looked for in this order (globs sorted); a name without "test" is dev tier."""


class Style(StrEnum):
    """How a project declares test requirements, in the order :func:`discover` prefers them."""

    DEPENDENCY_GROUP = "dependency group"
    EXTRA = "extra"
    HATCH = "Hatch environment"
    PDM = "PDM dev-dependencies"
    POETRY = "Poetry group"
    TOX = "tox"
    REQUIREMENTS_FILE = "requirements file"


@dataclass(frozen=True)
class Source:
    """Where a declaration lives."""

    style: Style
    file: str
    """Relative to the project root."""
    key: str
    """The table, section or group inside ``file`` ("" for a requirements file)."""

    def __str__(self) -> str:
        return f"{self.file} {self.key}".strip()


@dataclass(frozen=True)
class Declaration:
    """Test requirements as one place in the project declares them."""

    source: Source
    extras: tuple[str, ...] = ()
    """The project's own extras to install with it (``.[test]``)."""
    requirements: tuple[tuple[str, ...], ...] = ()
    """pip install arguments, one requirement each: ``("pytest>=8",)``, ``("-r", "req.txt")``."""
    group: str | None = None
    """A PEP 735 group: the noxfile reads it from pyproject.toml (``requirements`` holds it
    resolved, for measuring)."""
    notes: tuple[str, ...] = ()
    """What was translated or left out, one line each, naming the file and entry."""
    test_named: bool = True
    """False for a ``dev`` declaration: chosen only when no test-named one exists."""

    def __bool__(self) -> bool:
        return bool(self.extras or self.requirements)


@dataclass(frozen=True)
class TestRequirements:
    """What :func:`discover` found: the declaration the chain installs, and the others."""

    __test__ = False  # not a pytest test class, whatever its name

    chosen: Declaration | None
    """None: the project declares no test requirements anywhere gates looks."""
    also_found: tuple[Source, ...] = field(default=())

    def install_args(self) -> tuple[str, ...]:
        """``pip install`` arguments: the project (editable, with its extras) and the rest."""
        chosen = self.chosen
        extras = f"[{','.join(chosen.extras)}]" if chosen and chosen.extras else ""
        rest = [
            arg for requirement in (chosen.requirements if chosen else ()) for arg in requirement
        ]
        return ("-e", f".{extras}", *rest)

    def noxfile_items(self) -> tuple[str, ...]:
        """The same, as Python expressions for the generated noxfile's ``PROJECT`` list."""
        chosen = self.chosen
        # JSON strings are Python literals: a marker's quotes (`; python_version < "3.13"`)
        # stay inside the string.
        if chosen is None or chosen.group is None:
            return tuple(json.dumps(arg) for arg in self.install_args())
        project = [json.dumps(arg) for arg in self.install_args()[:2]]
        group = json.dumps(chosen.group)
        return (*project, f"*nox.project.dependency_groups(PYPROJECT, {group})")

    @property
    def notes(self) -> tuple[str, ...]:
        found = [f"test requirements: {self.describe()}"]
        if self.also_found:
            found.append("also declared, not used: " + "; ".join(map(str, self.also_found)))
        return (*found, *(self.chosen.notes if self.chosen else ()))

    def describe(self) -> str:
        if self.chosen is None:
            return "none declared (" + ", ".join(style.value for style in Style) + ")"
        return f"{self.chosen.source} ({self.chosen.source.style})"


def _table(value: object, file: str, key: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{file}: {key}: expected a table, found {type(value).__name__}")
    return value


def _tool(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """``[tool.<name>]`` of pyproject.toml (empty when absent)."""
    tool = _table(document.get("tool"), "pyproject.toml", "tool")
    return _table(tool.get(name), "pyproject.toml", f"tool.{name}")


def _strings(value: object, file: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{file}: {key}: expected a list of requirement strings")
    return list(value)


def _named(table: Mapping[str, Any]) -> Iterator[tuple[str, bool]]:
    """Keys of ``table`` that name test requirements, test-named first: (key, test-named?)."""
    wanted = {canonicalize_name(name): name in TEST_NAMES for name in (*TEST_NAMES, *DEV_NAMES)}
    by_name = {canonicalize_name(key): key for key in table}
    for name, test_named in wanted.items():
        if name in by_name:
            yield by_name[name], test_named


def _checked(requirements: list[str], file: str, key: str) -> list[tuple[str, ...]]:
    for text in requirements:
        try:
            Requirement(text)
        except InvalidRequirement as bad:
            why = str(bad).splitlines()[0]  # the rest points at the column with a caret
            raise ConfigError(
                f"{file}: {key}: {text!r}: not a PEP 508 requirement: {why}"
            ) from None
    return [(text,) for text in requirements]


def _group(groups: Mapping[str, Any], name: str, seen: tuple[str, ...] = ()) -> list[str]:
    """A PEP 735 group with its ``{include-group = ...}`` entries resolved."""
    key = f"dependency-groups.{name}"
    if name in seen:
        raise ConfigError(f"pyproject.toml: {key}: includes itself (through {' → '.join(seen)})")
    by_name = {canonicalize_name(g): g for g in groups}
    if canonicalize_name(name) not in by_name:
        raise ConfigError(f"pyproject.toml: {key}: no such group")
    entries = groups[by_name[canonicalize_name(name)]]
    if not isinstance(entries, list):
        raise ConfigError(f"pyproject.toml: {key}: expected a list")
    found: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            found.append(entry)
        elif isinstance(entry, Mapping) and isinstance(entry.get("include-group"), str):
            found += _group(groups, entry["include-group"], (*seen, name))
        else:
            raise ConfigError(
                f"pyproject.toml: {key}: {entry!r}: not a requirement or include-group"
            )
    return found


def _dependency_groups(document: Mapping[str, Any]) -> Iterator[Declaration]:
    groups = _table(document.get("dependency-groups"), "pyproject.toml", "dependency-groups")
    for name, test_named in _named(groups):
        key = f"dependency-groups.{name}"
        resolved = _checked(_group(groups, name), "pyproject.toml", key)
        source = Source(Style.DEPENDENCY_GROUP, "pyproject.toml", f"[dependency-groups] {name}")
        yield Declaration(source, requirements=tuple(resolved), group=name, test_named=test_named)


def _extras(document: Mapping[str, Any]) -> Iterator[Declaration]:
    project = _table(document.get("project"), "pyproject.toml", "project")
    extras = _table(
        project.get("optional-dependencies"), "pyproject.toml", "project.optional-dependencies"
    )
    for name, test_named in _named(extras):
        source = Source(Style.EXTRA, "pyproject.toml", f"[project.optional-dependencies] {name}")
        yield Declaration(source, extras=(name,), test_named=test_named)


def _hatch_env(envs: Mapping[str, Any], name: str, file: str, prefix: str) -> Declaration:
    """One Hatch environment: each option from the nearest of it and its templates (every
    environment's template is ``default`` unless it sets another or is detached)."""
    lineage: list[tuple[str, Mapping[str, Any]]] = []
    current: object = name
    while isinstance(current, str) and current in envs and current not in dict(lineage):
        env = _table(envs[current], file, f"{prefix}{current}")
        lineage.append((current, env))
        current = None if env.get("detached") else env.get("template", "default")

    def nearest(option: str) -> list[str]:
        for env_name, env in lineage:
            if option in env:
                return _strings(env[option], file, f"{prefix}{env_name}.{option}")
        return []

    requirements = nearest("dependencies") + nearest("extra-dependencies")
    key = f"{prefix}{name}"
    notes = tuple(
        f"{file}: {key}: {r!r} left out: Hatch context formatting is not expanded"
        for r in requirements
        if "{" in r
    )
    kept = _checked([r for r in requirements if "{" not in r], file, key)
    source = Source(Style.HATCH, file, f"[{key}]")
    return Declaration(
        source, tuple(nearest("features")), tuple(kept), notes=notes, test_named=name != "default"
    )


def _hatch(root: Path, document: Mapping[str, Any]) -> Iterator[Declaration]:
    places = [("pyproject.toml", _tool(document, "hatch"), "tool.hatch.envs.")]
    if (root / "hatch.toml").is_file():
        places.append(("hatch.toml", read_document(root / "hatch.toml"), "envs."))
    for file, hatch, prefix in places:
        envs = _table(hatch.get("envs"), file, prefix.rstrip("."))
        for name in (*TEST_NAMES, "default"):
            if name in envs:
                yield _hatch_env(envs, name, file, prefix)


def _pdm(document: Mapping[str, Any]) -> Iterator[Declaration]:
    pdm = _tool(document, "pdm")
    groups = _table(pdm.get("dev-dependencies"), "pyproject.toml", "tool.pdm.dev-dependencies")
    for name, test_named in _named(groups):
        key = f"tool.pdm.dev-dependencies.{name}"
        entries = _strings(groups[name], "pyproject.toml", key)
        # `-e file:///${PROJECT_ROOT}/...` is PDM's own spelling of a local path.
        notes = [
            f"pyproject.toml: {key}: {e!r} left out: an editable path"
            for e in entries
            if e.startswith("-e")
        ]
        kept = [e for e in entries if not e.startswith("-e")]
        source = Source(Style.PDM, "pyproject.toml", f"[{key.rsplit('.', 1)[0]}] {name}")
        yield Declaration(
            source,
            requirements=tuple(_checked(kept, "pyproject.toml", key)),
            notes=tuple(notes),
            test_named=test_named,
        )


def _poetry_table(
    table: Mapping[str, Any], key: str, source: Source, test_named: bool
) -> Declaration:
    requirements, notes = [], []
    for name, value in table.items():
        if name.lower() == "python":
            continue
        translated = poetry_versions.translate(name, value)
        if translated.note:
            notes.append(f"pyproject.toml: {key}: {translated.note}")
        if translated.requirement is not None:
            requirements.append(translated.requirement)
    checked = _checked(requirements, "pyproject.toml", key)
    return Declaration(
        source, requirements=tuple(checked), notes=tuple(notes), test_named=test_named
    )


def _poetry(document: Mapping[str, Any]) -> Iterator[Declaration]:
    poetry = _tool(document, "poetry")
    groups = _table(poetry.get("group"), "pyproject.toml", "tool.poetry.group")
    for name, test_named in _named(groups):
        key = f"tool.poetry.group.{name}.dependencies"
        table = _table(
            _table(groups[name], "pyproject.toml", f"tool.poetry.group.{name}").get("dependencies"),
            "pyproject.toml",
            key,
        )
        yield _poetry_table(
            table, key, Source(Style.POETRY, "pyproject.toml", f"[{key}]"), test_named
        )
    if "dev-dependencies" in poetry:  # Poetry before 1.2
        key = "tool.poetry.dev-dependencies"
        table = _table(poetry[key.rsplit(".", 1)[1]], "pyproject.toml", key)
        yield _poetry_table(table, key, Source(Style.POETRY, "pyproject.toml", f"[{key}]"), False)


def _tox(root: Path, document: Mapping[str, Any]) -> Iterator[Declaration]:
    legacy = _tool(document, "tox").get("legacy_tox_ini")
    if (root / "tox.ini").is_file():
        file, text = "tox.ini", (root / "tox.ini").read_text(encoding="utf-8", errors="replace")
    elif isinstance(legacy, str):
        file, text = "pyproject.toml [tool.tox] legacy_tox_ini", legacy
    else:
        return
    found = tox_deps.read(text, file)
    for requirement in found.requirements:
        if requirement[0] in ("-r", "-c") and not (root / requirement[1]).is_file():
            raise ConfigError(
                f"{file}: [{tox_deps.SECTION}] deps: {' '.join(requirement)}: no such file"
            )
    source = Source(Style.TOX, file.split(" ")[0], f"[{tox_deps.SECTION}]")
    yield Declaration(source, found.extras, found.requirements, notes=found.notes)


def _requirements_files(root: Path) -> Iterator[Declaration]:
    seen: set[Path] = set()
    for pattern in REQUIREMENTS_FILES:
        for path in sorted(root.glob(pattern)):
            if path.is_file() and path not in seen:
                seen.add(path)
                relative = path.relative_to(root).as_posix()
                source = Source(Style.REQUIREMENTS_FILE, relative, "")
                yield Declaration(
                    source,
                    requirements=(("-r", relative),),
                    test_named=re.search("test", relative) is not None,
                )


def discover(root: Path) -> TestRequirements:
    """The test requirements of the project at ``root`` (pyproject.toml, when it has one).

    Raises :class:`ConfigError` for a declaration that cannot be read (a group that includes
    itself, a requirement that is not PEP 508), naming the file and key.
    """
    file = root / "pyproject.toml"
    document = read_document(file) if file.is_file() else {}
    found = [
        *_dependency_groups(document),
        *_extras(document),
        *_hatch(root, document),
        *_pdm(document),
        *_poetry(document),
        *_tox(root, document),
        *_requirements_files(root),
    ]
    # Stable: within a tier the order above, which is Style's order.
    ranked = sorted((d for d in found if d), key=lambda d: not d.test_named)
    if not ranked:
        return TestRequirements(None)
    chosen = ranked[0]
    # A requirements file the chosen declaration reads (tox's `-r file`) is not another one.
    read = {arg for requirement in chosen.requirements for arg in requirement[1:]}
    others = tuple(d.source for d in ranked[1:] if d.source.file not in read)
    return TestRequirements(chosen, others)
