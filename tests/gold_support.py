"""Golden files: expected report text kept in tests/gold/.

Regenerate after an intended change with ``GATES_UPDATE_GOLD=1 nox -s tests`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLD = Path(__file__).parent / "gold"


def check_gold(name: str, text: str) -> None:
    """``text`` equals the golden file ``name`` (rewritten first under ``GATES_UPDATE_GOLD``)."""
    path = GOLD / name
    if os.environ.get("GATES_UPDATE_GOLD"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
