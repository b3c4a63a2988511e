"""Placeholders in a smoke plan, filled at two times.

* ``${env:NAME}`` and ``${secret:NAME}`` read the environment when the plan is loaded
  (:mod:`gates.smoke.fields`); what a value holds that looks like a placeholder is made literal.
* ``{name}`` is filled at run time (:func:`render`) from ``[vars]``, values captured by earlier
  steps and ``{run_id}``; the loader checked every name. ``{{name}}`` is a literal ``{name}``;
  other braces (a JSON body written as a string) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ENVIRONMENT = re.compile(r"\$\{(env|secret):([A-Za-z_][A-Za-z0-9_]*)\}")
"""``${env:NAME}`` or ``${secret:NAME}``: (kind, name)."""
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
PLACEHOLDER = re.compile(rf"\{{\{{({_NAME})\}}\}}|\{{({_NAME})\}}")
"""``{{name}}`` (group 1, a literal ``{name}``) or ``{name}`` (group 2, a placeholder)."""
_LOOKS_LIKE_PLACEHOLDER = re.compile(rf"\{{({_NAME})\}}")


def literal(value: str) -> str:
    """An environment value as plan text: its ``{name}`` stays text, never a placeholder."""
    return _LOOKS_LIKE_PLACEHOLDER.sub(r"{{\1}}", value)


def placeholders(template: str) -> list[str]:
    """The names of the ``{name}`` placeholders in ``template`` (not the literal ``{{name}}``)."""
    return [match.group(2) for match in PLACEHOLDER.finditer(template) if match.group(2)]


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{name}`` placeholders (names were checked when the plan was loaded)."""

    def fill(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return "{" + match.group(1) + "}"
        return values[match.group(2)]

    return PLACEHOLDER.sub(fill, template)


def render_value(value: Any, values: Mapping[str, str]) -> Any:
    """:func:`render` every string inside a JSON value."""
    if isinstance(value, str):
        return render(value, values)
    if isinstance(value, list):
        return [render_value(v, values) for v in value]
    if isinstance(value, dict):
        return {render(str(k), values): render_value(v, values) for k, v in value.items()}
    return value


def missing(template: str, values: Mapping[str, str]) -> str | None:
    """The first placeholder of ``template`` that ``values`` cannot fill, or None."""
    return next((name for name in placeholders(template) if name not in values), None)


def strings(value: Any) -> list[str]:
    """Every string in a JSON value, keys included: where placeholders can be."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in (str(k), *strings(v))]
    return []
