"""The one exception tree. Each message is a single line naming the file, key or command."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_TARGET_DOWN = 3


class GatesError(Exception):
    """Base error: its ``str`` is the user-facing one-line message."""

    exit_code = EXIT_USAGE

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

    exit_code = EXIT_TARGET_DOWN
