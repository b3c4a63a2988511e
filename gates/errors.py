"""The one exception tree. Each message is a single line naming the file, key or command."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """Every exit code of the ``gates`` command (DESIGN.md, "Conventions")."""

    OK = 0
    """Pass / GO / GO_WITH_WAIVERS."""
    FAIL = 1
    """A gate failed, NO_GO, or a check (``ledger verify``) found a problem."""
    USAGE = 2
    """Usage, config, evidence or environment error, or a gate that could not judge."""
    TARGET_DOWN = 3
    """The smoke target is unreachable."""
    INTERRUPTED = 130
    TERMINATED = 143


class GatesError(Exception):
    """Base error: its ``str`` is the user-facing one-line message."""

    exit_code: Exit = Exit.USAGE

    def __str__(self) -> str:
        # Never let a multi-line message (e.g. tool stderr) through: one line, always.
        text = super().__str__()
        return " ".join(text.split())


class ConfigError(GatesError):
    """Bad ``[tool.gates]`` (or other config file) content: names the file and key path."""


class WorkspaceError(GatesError):
    """The project folder cannot be used: not a git repository, unreadable, ..."""


class EvidenceError(GatesError):
    """Evidence that cannot be read safely (hostile XML, unreadable files)."""


class ToolError(GatesError):
    """An external tool is missing, timed out or crashed."""


class LedgerError(GatesError):
    """The decision ledger cannot be opened, read or appended to."""


class TargetDownError(GatesError):
    """The smoke target is unreachable or never became ready: environment, not regression."""

    exit_code = Exit.TARGET_DOWN
