"""Reading TOML: a file into a document, a table with typed getters naming file, key and line.

Shared by ``[tool.gates]`` (:mod:`gates.config`) and smoke plans. A getter either returns a value
of the promised type within its range or raises :class:`ConfigError` with one line:
``FILE:LINE: key.path: problem``. TOML itself allows ``nan``, ``inf`` and integers of thousands of
digits; no threshold or time limit can mean any of them, so every number is finite and in range.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, overload

from gates.errors import ConfigError

_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
    dt.date: "a date",
}

_GLOB_CHARS = re.compile(r"[*?\[]")

COUNT_LIMIT = 1_000_000_000
"""Ceiling for a count threshold: a larger one is a typo (and a 5000-digit one breaks JSON)."""


def describe(value: object) -> str:
    """The TOML type of ``value`` as an error message says it ("an integer", "a table", ...)."""
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


def _show(value: float) -> str:
    """A number for a one-line message: whole numbers without ``.0``, huge integers by size."""
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"an integer of {len(str(abs(value)))} digits"
    if abs(value) < 10**15 and value == int(value):
        return str(int(value))
    return f"{value:g}"


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {_show(low)} and {_show(high)}"
    if low is not None:
        return f"at least {_show(low)}"
    assert high is not None  # callers check a range only when it has a bound
    return f"at most {_show(high)}"


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
            self.fail(key, f"expected {expected}, got {describe(value)}")
        if not isinstance(value, kinds):
            self.fail(key, f"expected {expected}, got {describe(value)}")
        return value

    def _absent(self, key: str) -> bool:
        """True (and the key marked read) when ``key`` is not in the table."""
        if key in self._data:
            return False
        self._seen.add(key)
        return True

    def string(self, key: str, default: str) -> str:
        if self._absent(key):
            return default
        value: str = self._get(key, (str,), "a string")
        return value

    def required_string(self, key: str, why: str = "") -> str:
        """A string that says something: absent, empty or blank is ``required: <why>``."""
        value = self.string(key, "")
        if not value.strip():
            self.fail(key, f"required: {why}" if why else "required")
        return value

    def optional_string(self, key: str) -> str | None:
        if self._absent(key):
            return None
        value: str = self._get(key, (str,), "a string")
        return value or None

    def boolean(self, key: str, default: bool) -> bool:
        if self._absent(key):
            return default
        value: bool = self._get(key, (bool,), "true or false")
        return value

    @overload
    def number(
        self, key: str, default: float, *, low: float | None = ..., high: float | None = ...
    ) -> float: ...

    @overload
    def number(
        self, key: str, default: None, *, low: float | None = ..., high: float | None = ...
    ) -> float | None: ...

    def number(
        self,
        key: str,
        default: float | None,
        *,
        low: float | None = None,
        high: float | None = None,
    ) -> float | None:
        """A finite number (an integer is read as a float) within ``low``..``high``."""
        if self._absent(key):
            return default
        given: float = self._get(key, (int, float), "a number")
        if isinstance(given, float) and not math.isfinite(given):
            self.fail(key, f"expected a finite number, got {given}")
        in_range = (low is None or given >= low) and (high is None or given <= high)
        if not in_range and (low is not None or high is not None):
            self.fail(key, f"must be {_range(low, high)}, got {_show(given)}")
        try:
            return float(given)
        except OverflowError:  # an integer past 1e308 with no range to refuse it first
            self.fail(key, f"too large: {_show(given)}")

    def percent(self, key: str, default: float | None = None) -> float | None:
        return self.number(key, default, low=0, high=100)

    @overload
    def integer(self, key: str, default: int, *, low: int = ..., high: int | None = ...) -> int: ...

    @overload
    def integer(
        self, key: str, default: None, *, low: int = ..., high: int | None = ...
    ) -> int | None: ...

    def integer(
        self, key: str, default: int | None, *, low: int = 0, high: int | None = None
    ) -> int | None:
        if self._absent(key):
            return default
        value: int = self._get(key, (int,), "an integer")
        if value < low or (high is not None and value > high):
            self.fail(key, f"must be {_range(low, high)}, got {_show(value)}")
        return value

    def strings(self, key: str, default: Sequence[str] = ()) -> tuple[str, ...]:
        if self._absent(key):
            return tuple(default)
        value = self._get(key, (list,), "a list of strings")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(key, f"expected a list of strings, item {index} is {describe(item)}")
        return tuple(value)

    def raw_list(self, key: str) -> list[Any]:
        """A list whose items the caller checks (e.g. strings mixed with tables)."""
        if self._absent(key):
            return []
        value: list[Any] = self._get(key, (list,), "a list")
        return value

    def string_or_strings(self, key: str) -> tuple[str, ...]:
        """A string or a list of strings (e.g. a glob or several)."""
        if key in self._data and isinstance(self._data[key], str):
            return (self.string(key, ""),)
        return self.strings(key)

    def inside(self, key: str, paths: Sequence[str], root: Path) -> None:
        """Refuse any of ``paths`` (read from ``key``) that leads out of ``root``.

        Relative paths are relative to ``root``; ``..`` and symlinks are resolved, so neither
        can point a ledger, a baseline or evidence at a file outside the project. A glob is
        judged by its folder part, before the first wildcard.
        """
        top = root.resolve()
        for text in paths:
            parts = Path(text).parts
            fixed = next((i for i, part in enumerate(parts) if _GLOB_CHARS.search(part)), None)
            target = top.joinpath(*parts[:fixed])
            try:
                resolved = target.resolve()
            except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL byte
                self.fail(key, f"cannot resolve {text!r}: {exc}")
            if not resolved.is_relative_to(top):
                self.fail(key, f"{text!r} is outside the project root")

    def date(self, key: str) -> dt.date | None:
        if self._absent(key):
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
        if self._absent(key):
            return Table({}, [*self._path, key], self._file)
        value = self._get(key, (dict,), "a table")
        return Table(value, [*self._path, key], self._file)

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[tool.gates.x]]``)."""
        if self._absent(key):
            return []
        value = self._get(key, (list,), "an array of tables")
        tables = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(key, f"item {index} is {describe(item)}, expected a table")
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


def read_document(file: Path) -> dict[str, Any]:
    """Parse a TOML file; every problem but a missing file is a one-line :class:`ConfigError`.

    A missing file raises :class:`FileNotFoundError`: only the caller knows what it means.
    """
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.end].hex(" ")
        raise ConfigError(f"{file.name}:{line}: not UTF-8 text (byte {bad})") from None
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ConfigError(f"{file.name}: invalid TOML: nested too deeply") from None
    except ValueError as exc:  # TOMLDecodeError, or an integer past Python's 4300 digits
        raise ConfigError(f"{file.name}: invalid TOML: {str(exc).split(';')[0]}") from None


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _find_line(file: Path, path: Sequence[str | int | None]) -> int | None:
    """Best-effort line of a key path in a TOML file, for error messages only."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):  # unreadable or not UTF-8: the message goes without a line
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
