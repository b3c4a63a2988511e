"""``[tool.gates] ledger`` and ``ledger_remote``: which store keeps the decision ledger.

Apart from :mod:`gates.config` so that the ledger's settings, and what a git remote's name may be,
are read in one place that :mod:`gates.ledger` can import too (it imports the config).
"""

from __future__ import annotations

import re
from pathlib import Path

from gates.toml_table import Table
from gates.workspace import GATES_DIR

DEFAULT = ".gates/ledger.db"
GIT_LEDGER = "git"
"""``ledger = "git"``: the records live on ``refs/gates/ledger``, not in a database file."""
REMOTE_NAME = re.compile(r"^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$")
"""A git remote's name (never an option, never a path out of ``.git``)."""


def ledger_setting(table: Table, root: Path) -> tuple[str, str | None]:
    """``"git"`` and its remote, or the SQLite file: inside the root, and neither a folder nor
    gates' own ``.gates/``."""
    ledger = table.string("ledger", DEFAULT)
    remote = table.string("ledger_remote", "") if "ledger_remote" in table else None
    if remote is not None:
        if ledger != GIT_LEDGER:
            table.fail("ledger_remote", f'needs ledger = "git" (the ledger is {ledger!r})')
        if not REMOTE_NAME.match(remote):
            table.fail("ledger_remote", f"expected the name of a git remote, got {remote!r}")
    if ledger == GIT_LEDGER:
        return ledger, remote
    table.inside("ledger", [ledger], root)
    target = (root / ledger).resolve()
    if ledger.endswith(("/", "\\")) or target.is_dir() or target == (root / GATES_DIR).resolve():
        table.fail("ledger", f"expected a database file or 'git', got {ledger!r}")
    return ledger, None
