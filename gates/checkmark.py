"""One release checklist item as a decision records it: checked or not, and why."""

from __future__ import annotations

from dataclasses import dataclass

from gates.jsonfields import ByField, Fields


@dataclass(frozen=True)
class ChecklistMark(ByField):
    """A checklist item's state when a decision was made (kept in the ledger with the decision)."""

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

    @classmethod
    def from_dict(cls, data: object, where: str = "checklist item") -> ChecklistMark:
        fields = Fields(data, where)
        return cls(
            item=fields.text("item"),
            priority=fields.text("priority"),
            checked=fields.flag("checked", False),
            note=fields.text("note", ""),
        )
