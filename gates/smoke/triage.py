"""Who a smoke check matters to: its priority, whether it blocks, its owner and next action.

Like a failing-test bucket, a failed check says who owns it, which files to look at and what to
do next; only blocking checks decide the verdict (an advisory failure is a WARN).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gates.jsonfields import ByField


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


@dataclass(frozen=True)
class Triage(ByField):
    """The step's priority, owner and next action."""

    priority: Priority = Priority.P1
    blocking: bool = True
    """False (``blocking = false``): advisory, a failure makes the gate WARN, not FAIL."""
    owner: str = ""
    files: tuple[str, ...] = ()
    next: str = ""
    """The next action when the check fails."""

    @property
    def label(self) -> str:
        """``P1`` or ``P3, advisory``."""
        return self.priority.value + ("" if self.blocking else ", advisory")

    def details(self) -> str:
        """``owner: …; files: …; next: …`` (the parts that are set), or an empty string."""
        parts = [
            f"owner: {self.owner}" if self.owner else "",
            f"files: {', '.join(self.files)}" if self.files else "",
            f"next: {self.next}" if self.next else "",
        ]
        return "; ".join(part for part in parts if part)
