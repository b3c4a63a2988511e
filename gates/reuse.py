"""What a gate's result depends on, as named components: equal components, equal result.

A gate that can be reused declares its :class:`Inputs` (the config it reads, its tools, the
evidence files it judges, its options); :func:`components` adds what every gate depends on (the
tree id, release-gates, Python and the installed distributions) and reduces each part to a short
value. The runner keeps the components in the ledger record of each run and reuses a result only
when they are all equal again (and the result still matches its record: see
:mod:`gates.runner`). Values are readable where they are short (versions, the tree, the day) and
sha256 digests where they are not, so "why did it run again" names what changed.

What reuse cannot see, and ``--fresh`` (``GATES_FRESH=1``) is for: files git ignores (they are
not in the tree id) other than the tools' settings files (:data:`gates.tool_settings.FILES`),
environment variables a gate does not declare, the network (a build backend resolved from an
index), and flaky tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from gates import __version__, tool_settings, tools
from gates.errors import GatesError, ToolError

FRESH_ENV = "GATES_FRESH"
"""``GATES_FRESH=1``: every gate runs, as with ``--fresh`` (``nox -s gates`` passes it on)."""
_TRUE, _FALSE = ("1", "true", "yes"), ("", "0", "false", "no")
DIGEST_CHUNK = 1 << 20
SETTINGS_ENVIRON = {"coverage": "COVERAGE_RCFILE"}
"""The variable naming a tool's settings file anywhere, instead of those in the root."""


def fresh_requested(environ: Mapping[str, str]) -> bool:
    """``GATES_FRESH`` read as a yes/no (raises GatesError naming the variable otherwise)."""
    value = environ.get(FRESH_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise GatesError(f"{FRESH_ENV}: expected 1 or 0 (or true/false), got {value!r}")


@dataclass(frozen=True)
class Inputs:
    """What one gate reads besides the tree; the runner adds what every gate depends on."""

    config: object
    """The parsed config the gate reads (its section, and any shared setting it uses)."""
    executables: Sequence[str] = ()
    """Tools it runs found on PATH (ruff, mypy): each one's version and which file it is."""
    distributions: Sequence[str] = ()
    """Tools it runs as ``python -m`` (pytest, coverage, build, twine): each one's version."""
    files: Sequence[Path] = ()
    """Evidence and other files it reads that the tree id does not cover (``.gates/``)."""
    arguments: Sequence[str] = ()
    """Its command-line options that change the result."""
    environ: Sequence[str] = ()
    """Environment variables its tools read (``PYTEST_ADDOPTS``)."""
    dated: bool = False
    """It judges against today's date (waivers and quarantines expire): reused the same day only."""
    settings_of: Sequence[str] = ()
    """The tools whose settings files (:data:`gates.tool_settings.FILES`) decide its result."""
    extra: Mapping[str, str] = field(default_factory=dict)
    """Anything else, already short (the merge base the changed lines are measured from)."""


def components(inputs: Inputs, *, tree: str, today: dt.date, root: Path) -> dict[str, str]:
    """The named parts of a gate's inputs, each a short string (see module docstring)."""
    found = {
        "tree": tree,
        "release-gates": __version__,
        "python": f"{sys.implementation.name} {sys.version.split()[0]}",
        "packages": installed_packages(),
        "config": digest(canonical(inputs.config)),
    }
    versions = installed_versions()
    for name in (*inputs.executables, *inputs.distributions):
        found[name] = versions.get(_normalized(name)) or tools.version(name)
    if inputs.executables:
        found["executables"] = digest(*(_executable(name) for name in inputs.executables))
    if inputs.files:
        found["evidence"] = files_digest(inputs.files, root)
    settings = sorted({name for tool in inputs.settings_of for name in tool_settings.FILES[tool]})
    named = (os.environ.get(SETTINGS_ENVIRON.get(tool, ""), "") for tool in inputs.settings_of)
    settings += [name for name in named if name]
    extends = [path for tool in inputs.settings_of for path in tool_settings.extended(root, tool)]
    if settings or extends:
        found["settings"] = files_digest([*(root / name for name in settings), *extends], root)
    if inputs.arguments:
        found["arguments"] = digest(*inputs.arguments)
    if inputs.environ:
        found["environment"] = digest(*(f"{k}={os.environ.get(k, '')}" for k in inputs.environ))
    if inputs.dated:
        found["date"] = today.isoformat()
    return found | dict(inputs.extra)


def changed(recorded: Mapping[str, object], current: Mapping[str, str]) -> list[str]:
    """What differs, one phrase each: ``ruff 0.6.1 -> 0.7.0``, ``config``, ``tree``."""
    phrases = []
    for name in sorted(set(recorded) | set(current)):
        old, new = recorded.get(name), current.get(name)
        if old == new:
            continue
        readable = isinstance(old, str) and isinstance(new, str) and len(old) + len(new) < 60
        phrases.append(f"{name} {old} -> {new}" if readable and name != "tree" else name)
    return phrases


def digest(*parts: str) -> str:
    """sha256 of the parts, each ended by a NUL (so ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return hashed.hexdigest()


def files_digest(paths: Sequence[Path], root: Path) -> str:
    """sha256 over each file's name (relative to ``root`` when inside it) and content, in name
    order; a missing file counts as missing rather than failing."""
    entries = []
    for path in paths:
        try:
            name = path.resolve().relative_to(root).as_posix()
        except ValueError:
            name = str(path.resolve())
        entries.append((name, _file_hash(path)))
    return digest(*(f"{name}:{content}" for name, content in sorted(entries)))


def _file_hash(path: Path) -> str:
    hashed = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(DIGEST_CHUNK):
                hashed.update(chunk)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    return hashed.hexdigest()


def _executable(name: str) -> str:
    """Where a tool is and which build of it: an upgrade outside the venv (a ruff on PATH that
    pip does not know) still changes this."""
    try:
        path = Path(tools.find(name))
    except ToolError:
        return f"{name}: not found"
    stat = path.stat()
    return f"{name}:{path}:{stat.st_size}:{stat.st_mtime_ns}"


@cache
def installed_versions() -> dict[str, str]:
    """Distribution (normalized name) to version, from the ``*.dist-info`` folders installed for
    this interpreter: what ``importlib.metadata`` reports, without its import and lookups."""
    found: dict[str, str] = {}
    for entry in sys.path:
        folder = Path(entry or ".")
        if folder.name not in ("site-packages", "dist-packages") or not folder.is_dir():
            continue
        for item in os.scandir(folder):
            stem, dot, suffix = item.name.rpartition(".")
            if dot and suffix in ("dist-info", "egg-info"):
                name, _, version = stem.partition("-")
                found.setdefault(_normalized(name), version)
    return found


def installed_packages() -> str:
    """Digest of the distributions installed for this interpreter, by name and version: a
    dependency upgrade changes what the tests and mypy see."""
    return digest(*(f"{name}=={version}" for name, version in sorted(installed_versions().items())))


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def canonical(value: object) -> str:
    """Parsed config as canonical JSON: equal settings, equal text (key order kept as the
    dataclass declares it, mapping keys sorted)."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [_plain(item) for item in value]
        return items if isinstance(value, list | tuple) else sorted(items, key=repr)
    if isinstance(value, dt.date | Path):
        return str(value)
    if isinstance(value, re.Pattern):
        return value.pattern
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)  # an unknown type: at worst a change in its repr makes a gate run again
