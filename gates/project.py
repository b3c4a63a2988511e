"""The project a command works on: its root, its config, its workspace and its ledger.

Loaded once per command and handed to every gate, the runner and the decision, so the ledger
is opened at most once (lazily: most gates never touch it) and closed when the command ends.
"""

from __future__ import annotations

from pathlib import Path

from gates import config
from gates.ledger import Ledger, open_ledger
from gates.ledger.interface import ClosedOnExit
from gates.workspace import Workspace


class Project(ClosedOnExit):
    """A loaded project: where it is, how it is configured, and (on demand) its ledger."""

    def __init__(self, workspace: Workspace, settings: config.GatesConfig) -> None:
        self.workspace = workspace
        self.config = settings
        self._ledger: Ledger | None = None

    @classmethod
    def load(cls, root: Path) -> Project:
        workspace = Workspace.at(root)
        return cls(workspace, config.load(workspace.root))

    @property
    def root(self) -> Path:
        return self.workspace.root

    @property
    def ledger(self) -> Ledger:
        """The project's ledger, opened on first use and kept open until :meth:`close`."""
        if self._ledger is None:
            self._ledger = open_ledger(self.config)
        return self._ledger

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
