"""``[tool.gates.commands]``: the project's own command gates, as the config reads them."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gates.toml_table import Table, describe


@dataclass(frozen=True)
class CommandGate:
    name: str
    argv: tuple[str, ...]
    timeout_s: float | None = None


_GATE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def commands(
    table: Table, builtin: Sequence[str], timeout_range: Mapping[str, float]
) -> dict[str, CommandGate]:
    """``[tool.gates.commands]``: each NAME = a command string, a list, or ``{ run, timeout }``."""
    commands: dict[str, CommandGate] = {}
    for name, value in table.items():
        if not _GATE_NAME.match(name):
            table.fail(name, "gate names use letters, digits, '-', '_' and '.'")
        if name in builtin:
            table.fail(name, f"{name!r} is a built-in gate; give the command another name")
        timeout: float | None = None
        if isinstance(value, dict):
            entry = table.child(name, value)
            argv = entry.string_or_strings("run")
            timeout = entry.number("timeout", None, **timeout_range)
            entry.done()
        elif isinstance(value, str):
            try:
                argv = tuple(shlex.split(value))
            except ValueError as exc:
                table.fail(name, f"cannot split command: {exc}")
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            argv = tuple(value)
        else:
            table.fail(name, f"expected a command string or list, got {describe(value)}")
        if len(argv) == 1 and " " in argv[0]:
            try:
                argv = tuple(shlex.split(argv[0]))
            except ValueError as exc:
                table.fail(name, f"cannot split command: {exc}")
        if not argv:
            table.fail(name, "empty command")
        commands[name] = CommandGate(name=name, argv=argv, timeout_s=timeout)
    return commands
