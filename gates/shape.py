"""Checked reads of JSON objects, for the domain types' ``from_dict``.

A results file or ``decision.json`` is read back from disk, where anyone may have edited it: every
value is checked for its JSON type, and a wrong one raises :class:`ShapeError` naming its key path
(``gates[0].status: 'MAYBE' is not one of PASS, WARN, FAIL, ERROR, SKIP``), never a bare
``KeyError`` or ``TypeError`` from deep inside a constructor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final, TypeVar

JSONObject = Mapping[str, Any]
T = TypeVar("T")
E = TypeVar("E", bound=Enum)

REQUIRED: Final[Any] = object()
"""The ``default`` of a key that must be present (and not null)."""

_NAMES: Final = {
    type(None): "null",
    bool: "true/false",
    int: "an integer",
    float: "a number",
    str: "text",
    list: "a list",
    dict: "an object",
}


class ShapeError(ValueError):
    """A JSON value of the wrong shape; ``str`` is ``key.path: what is wrong``."""

    def __init__(self, path: str, what: str) -> None:
        super().__init__(f"{path}: {what}" if path else what)
        self.path = path
        self.what = what

    def under(self, key: str) -> ShapeError:
        """The same error seen from the object that holds ``key``."""
        dot = "" if not self.path or self.path.startswith("[") else "."
        return ShapeError(f"{key}{dot}{self.path}", self.what)


def json_type(value: object) -> str:
    return _NAMES.get(type(value), type(value).__name__)


def _matches(value: object, kinds: tuple[type, ...]) -> bool:
    # bool is an int to Python, never to a reader of the file.
    return isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool))


def _expected(kinds: tuple[type, ...]) -> str:
    # "a number" says it all where an integer or a float will do.
    names = [_NAMES[kind] for kind in kinds if not (kind is int and float in kinds)]
    return " or ".join(names)


def as_object(value: object) -> JSONObject:
    if not isinstance(value, dict):
        raise ShapeError("", f"expected an object, got {json_type(value)}")
    return value


def field(data: JSONObject, key: str, kinds: tuple[type, ...], default: Any = REQUIRED) -> Any:
    """``data[key]`` when it is one of ``kinds``; ``default`` when absent or null."""
    value = data.get(key)
    if value is None:
        if default is REQUIRED:
            what = "missing" if key not in data else f"expected {_expected(kinds)}, got null"
            raise ShapeError(key, what)
        return default
    if not _matches(value, kinds):
        raise ShapeError(key, f"expected {_expected(kinds)}, got {json_type(value)}")
    return value


def number(data: JSONObject, key: str, default: Any = REQUIRED) -> Any:
    value = field(data, key, (int, float), default)
    return float(value) if value is not None else None


def choice(data: JSONObject, key: str, enum: type[E], default: Any = REQUIRED) -> E:
    """``data[key]`` as a member of ``enum`` (``default`` is a member's value)."""
    value = field(data, key, (str,), default)
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum)
        raise ShapeError(key, f"{value!r} is not one of {allowed}") from None


def mapping(data: JSONObject, key: str, kinds: tuple[type, ...] | None) -> dict[str, Any]:
    """``data[key]``: an object (empty when absent or null) of ``kinds`` values (None: any)."""
    value: dict[str, Any] = field(data, key, (dict,), {})
    for name, item in value.items():
        if kinds is not None and not _matches(item, kinds):
            raise ShapeError(f"{key}.{name}", f"expected {_expected(kinds)}, got {json_type(item)}")
    return dict(value)


def texts(data: JSONObject, key: str) -> tuple[str, ...]:
    """``data[key]``: a list of strings (empty when absent or null)."""
    return items(data, key, lambda value: field({"": value}, "", (str,)))


def objects(data: JSONObject, key: str, parse: Callable[[JSONObject], T]) -> tuple[T, ...]:
    """``data[key]``: a list of objects, each read by ``parse`` (empty when absent or null)."""
    return items(data, key, lambda value: parse(as_object(value)))


def items(data: JSONObject, key: str, parse: Callable[[Any], T]) -> tuple[T, ...]:
    values: list[Any] = field(data, key, (list,), [])
    parsed = []
    for index, value in enumerate(values):
        try:
            parsed.append(parse(value))
        except ShapeError as exc:
            raise exc.under(f"[{index}]").under(key) from None
    return tuple(parsed)


def nested(data: JSONObject, key: str, parse: Callable[[JSONObject], T]) -> T | None:
    """``data[key]``: an object read by ``parse``, or None when absent or null."""
    value = field(data, key, (dict,), None)
    if value is None:
        return None
    try:
        return parse(value)
    except ShapeError as exc:
        raise exc.under(key) from None
