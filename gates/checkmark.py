"""One release checklist item as a decision records it: checked or not, and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from gates.jsonfields import ByField


@dataclass(frozen=True)
class ChecklistMark(ByField):
    """A checklist item's state when a decision was made (kept in the ledger with the decision)."""

    JSON_ABSENT: ClassVar[Mapping[str, object]] = {"checked": False, "note": ""}

    item: str
    priority: str
    """``must``, ``should`` or ``could``."""
    checked: bool
    note: str
    """Why it is (not) checked: the gate's status, or who signed off and when."""

    @property
    def line(self) -> str:
        """A Markdown task-list line: ``- [x] CHANGELOG reviewed (must) — signed off by ana``."""
        mark = "x" if self.checked else " "
        return f"- [{mark}] {self.item} ({self.priority}) — {self.note}"
