"""Typed, checked reading of the JSON that gates write and read back (results, decisions, details),
and its one writer (:func:`by_field`).

What crosses a machine or a process (a results file, ``decision.json``, a ledger payload) is read
through :class:`Fields`: every value is checked for its type on the way in, so a hand-edited or
truncated file is one clear ``ValueError`` naming the key, never a ``KeyError`` deep in a gate or
a value of the wrong type judged as if it were right. A domain dataclass is read back by
:func:`read_by_field`, the twin of :func:`by_field`: the types its fields declare say how.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, ClassVar, Self, TypeAlias, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

JSONValue: TypeAlias = (
    "str | int | float | bool | Sequence[JSONValue] | Mapping[str, JSONValue] | None"
)
"""A value ``json.loads`` returns and ``json.dumps`` accepts (read-only views: a ``list[str]`` is
one, without copying)."""

JSONObject: TypeAlias = "Mapping[str, JSONValue]"

EnumT = TypeVar("EnumT", bound=Enum)
ItemT = TypeVar("ItemT")
DataclassT = TypeVar("DataclassT", bound="DataclassInstance")


def by_field(value: DataclassInstance) -> dict[str, JSONValue]:
    """A dataclass as a JSON object, one key per field (each value through :func:`plain`).

    The one writer of the domain's JSON: a ``to_dict`` is this, plus what it computes or leaves out.
    """
    return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}


class ByField:
    """For a dataclass whose JSON is one key per field: its ``to_dict()`` is :func:`by_field`, its
    ``from_dict()`` :func:`read_by_field`."""

    if TYPE_CHECKING:
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[object]]]

    JSON_ABSENT: ClassVar[Mapping[str, object]] = {}
    """Values for keys that files written before their field was (or by hand) may leave out."""

    def to_dict(self) -> dict[str, JSONValue]:
        return by_field(self)

    @classmethod
    def from_dict(cls, data: object, where: str) -> Self:
        """``where``: what errors call ``data``, e.g. ``decision`` or ``decision.gates[2]``."""
        return read_by_field(cls, data, where, cls.JSON_ABSENT)


def plain(value: object) -> JSONValue:
    """``value`` as JSON: a dataclass through its ``to_dict()`` (else field by field), an enum as
    its value, a date in ISO 8601, a tuple as a list. Anything else is a programming error."""
    if isinstance(value, Enum):
        return plain(value.value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        return to_dict() if callable(to_dict) else by_field(value)
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    raise TypeError(f"not JSON: {type(value).__name__}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", str: "a string", int: "a number", float: "a number"}
    names |= {list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


class Fields:
    """One JSON object and where it was read from (``where`` prefixes every message)."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: expected an object, got {_kind(data)}")
        self.data: JSONObject = data
        self.where = where

    def _fail(self, key: str, expected: str) -> ValueError:
        return ValueError(
            f"{self.where}.{key}: expected {expected}, got {_kind(self.data.get(key))}"
        )

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise self._fail(key, "a string or null")
        return value

    def number(self, key: str, default: float | None = None) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, "a number")
        if not math.isfinite(value):
            raise ValueError(f"{self.where}.{key}: expected a finite number, got {value}")
        return float(value)

    def optional_number(self, key: str) -> float | None:
        return None if self.data.get(key) is None else self.number(key)

    def integer(self, key: str, default: int | None = None) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "a whole number")
        return value

    def optional_integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self._fail(key, "a whole number or null")
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def choice(self, key: str, kind: type[EnumT], default: EnumT | None = None) -> EnumT:
        """An enum member by its value (``"PASS"`` → ``Status.PASS``)."""
        if key not in self.data and default is not None:
            return default
        value = self.data.get(key)
        allowed = ", ".join(str(member.value) for member in kind)
        try:
            return kind(value)
        except ValueError:
            raise ValueError(
                f"{self.where}.{key}: expected one of {allowed}, got {value!r}"
            ) from None

    def optional_date(self, key: str) -> dt.date | None:
        """An ISO 8601 date; absent, null or empty reads as None."""
        text = self.optional_text(key)
        try:
            return dt.date.fromisoformat(text) if text else None
        except ValueError:
            raise ValueError(f"{self.where}.{key}: not a date: {text!r}") from None

    def optional_object(self, key: str, read: Callable[[object, str], ItemT]) -> ItemT | None:
        """The object at ``key`` read by ``read`` (a ``from_dict``); absent, null or empty: None."""
        value = self.data.get(key)
        return read(value, f"{self.where}.{key}") if value else None

    def object(self, key: str) -> Fields:
        """A nested object; absent or null reads as empty."""
        value = self.data.get(key)
        return Fields({} if value is None else value, f"{self.where}.{key}")

    def objects(self, key: str) -> list[Fields]:
        """A list of objects; absent or null reads as empty."""
        return [
            Fields(item, f"{self.where}.{key}[{at}]") for at, item in enumerate(self._list(key))
        ]

    def each(self, key: str, read: Callable[[JSONObject, str], ItemT]) -> tuple[ItemT, ...]:
        """The list of objects at ``key`` (absent or null: none), each read by ``read`` (a
        ``from_dict``) with where it stands, e.g. ``decision.gates[2]``."""
        return tuple(read(item.data, item.where) for item in self.objects(key))

    def texts(self, key: str) -> tuple[str, ...]:
        items = self._list(key)
        if not all(isinstance(item, str) for item in items):
            raise self._fail(key, "a list of strings")
        return tuple(str(item) for item in items)

    def text_map(self, key: str) -> dict[str, str]:
        """An object of strings (artifact → sha256, tool → version)."""
        nested = self.object(key)
        return {name: nested.text(name) for name in nested.data}

    def number_map(self, key: str) -> dict[str, float]:
        nested = self.object(key)
        return {name: nested.number(name) for name in nested.data}

    def scalar_map(self, key: str) -> dict[str, int | float | str | None]:
        """An object of numbers, strings and nulls (a result's metrics)."""
        nested = self.object(key)
        scalars: dict[str, int | float | str | None] = {}
        for name, value in nested.data.items():
            if isinstance(value, bool) or not isinstance(value, int | float | str | None):
                raise nested._fail(name, "a number, a string or null")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{nested.where}.{name}: expected a finite number, got {value}")
            scalars[name] = value
        return scalars

    def raw_object(self, key: str) -> dict[str, JSONValue]:
        """A nested object as it is (a gate's own details, read by that gate's own reader)."""
        return dict(self.object(key).data)

    def _list(self, key: str) -> Sequence[JSONValue]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            raise self._fail(key, "a list")
        return value


Reader: TypeAlias = Callable[[Fields, str], object]
"""Reads the value at a key of a :class:`Fields`, checked for one type."""

_PLAIN: dict[object, Reader] = {
    str: Fields.text,
    float: Fields.number,
    int: Fields.integer,
    bool: Fields.flag,
}
_OPTIONAL: dict[object, Reader] = {
    str: Fields.optional_text,
    float: Fields.optional_number,
    int: Fields.optional_integer,
    dt.date: Fields.optional_date,
}
_MAPS: dict[object, Reader] = {
    str: Fields.text_map,
    float: Fields.number_map,
    int | float | str | None: Fields.scalar_map,
    object: Fields.raw_object,
}
"""By the type of a mapping's values: metric values, or any JSON (see :func:`_readers`)."""


def read_by_field(
    kind: type[DataclassT], data: object, where: str, absent: Mapping[str, object] | None = None
) -> DataclassT:
    """The twin of :func:`by_field`: a ``kind`` (a dataclass) from a JSON object, one key per
    field, each checked for the type the field declares (see :func:`_reader`).

    An absent key takes its value in ``absent`` (what files written before a field was, or by
    hand, may leave out), else the field's default; one with neither is read as absent (an
    optional value reads None, a list or an object empty, anything else is an error naming it).
    """
    fields = Fields(data, where)
    present, absent = fields.data, absent or {}
    values: list[object] = []
    for name, read, default in _readers(kind):
        if name in present:
            values.append(read(fields, name))
        elif name in absent:
            values.append(absent[name])
        else:
            values.append(read(fields, name) if default is dataclasses.MISSING else default)
    return kind(*values)  # in field order (a keyword-only field would be a TypeError here)


@functools.cache
def _readers(kind: type[DataclassInstance]) -> tuple[tuple[str, Reader, object], ...]:
    """Each field's name, reader and default, worked out once per dataclass."""
    # JSONValue is a recursive alias spelled as a string that only type checkers follow: here it
    # is "any JSON", kept as it is (a gate's own details, read by that gate's own reader).
    hints = typing.get_type_hints(kind, localns={"JSONValue": object})
    return tuple(
        (field.name, _reader(hints[field.name]), field.default)
        for field in dataclasses.fields(kind)
    )


def _reader(hint: object) -> Reader:
    """How a field of type ``hint`` is read: a string, number, whole number or boolean; an enum
    by its value; any of those ``| None``, or a date ``| None``; a tuple of strings; a mapping of
    strings to strings, numbers, metric values or any JSON; and a nested dataclass (``| None``,
    or a tuple of them) by its own ``from_dict``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if isinstance(hint, type) and issubclass(hint, Enum):
        choices = hint
        return lambda fields, key: fields.choice(key, choices)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = args[0] if args[1] is type(None) else args[1]
        if inner in _OPTIONAL:
            return _OPTIONAL[inner]
        if read_inner := getattr(inner, "from_dict", None):
            return lambda fields, key: fields.optional_object(key, read_inner)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        if args[0] is str:
            return Fields.texts
        if read_item := getattr(args[0], "from_dict", None):
            return lambda fields, key: fields.each(key, read_item)
    if origin is Mapping and args[0] is str and args[1] in _MAPS:
        return _MAPS[args[1]]
    if hint in _PLAIN:
        return _PLAIN[hint]
    raise TypeError(f"no JSON reader for a field of type {hint}")
