"""What the release manager owns: the release checklist, sign-offs, and turning a GO into NO_GO.

The checklist comes from ``[tool.gates.checklist]`` (must / should / could items). An item tied to a
gate is checked when that gate let the latest decision for the current tree through; any other
item is checked by a sign-off (``gates signoff ITEM --by NAME``) recorded in the ledger for the
version being released. A production decision is NO_GO while a must-have item is unchecked. A
person can always turn a GO into NO_GO; nothing here can turn a NO_GO into a GO.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gates.checkmark import ChecklistMark
from gates.config import ChecklistConfig, ChecklistItem, Priority
from gates.errors import ConfigError, GatesError
from gates.jsonfields import ByField
from gates.ledger import Record, RecordKind
from gates.model import Decision, JSONValue
from gates.project import Project

PRODUCTION = "production"
"""The environment whose decisions the checklist's must-haves hold back."""


def environment_name(text: str | None) -> str | None:
    """An environment as decisions record it, in lower case: ``Production`` is the production
    the must-haves hold back, not another environment that skips them."""
    return text.strip().casefold() if text is not None else None


_HEADINGS = {
    Priority.MUST: "Must have",
    Priority.SHOULD: "Should have",
    Priority.COULD: "Could have",
}


@dataclass(frozen=True)
class CheckedItem:
    item: ChecklistItem
    checked: bool
    note: str
    """Why it is (not) checked: the gate's status or who signed off, when, and their note."""

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "item": self.item.name,
            "priority": self.item.priority.value,
            "gate": self.item.gate,
            "checked": self.checked,
            "note": self.note,
        }


@dataclass(frozen=True)
class Checklist(ByField):
    version: str | None
    decision: str | None
    """Id of the decision gate items were checked against."""
    items: tuple[CheckedItem, ...]

    @property
    def marks(self) -> tuple[ChecklistMark, ...]:
        """Each item's state, as a decision records it."""
        return tuple(
            ChecklistMark(c.item.name, c.item.priority.value, c.checked, c.note) for c in self.items
        )

    def unchecked(self, priority: Priority) -> tuple[CheckedItem, ...]:
        return tuple(c for c in self.items if c.item.priority is priority and not c.checked)


def build(
    config: ChecklistConfig,
    *,
    project: str | None,
    version: str | None,
    tree: str,
    decision: Decision | None,
    signoffs: Sequence[Record],
) -> Checklist:
    """Check every item against ``decision`` and the sign-offs recorded for ``project``'s
    ``version`` (pure). A shared ledger holds other projects' sign-offs; without a static version
    (one from a VCS tag) each release is signed off by its ``tree``, else a sign-off of any
    earlier release would count for this one."""
    signed: dict[str, Mapping[str, JSONValue]] = {}
    for record in signoffs:
        payload = record.payload
        if record.kind is not RecordKind.SIGNOFF or payload.get("project") != project:
            continue
        if payload.get("version") == version and (
            version is not None or payload.get("tree") == tree
        ):
            signed[str(payload.get("item"))] = {**payload, "at": record.created_at}
    outcomes = {g.name: g for g in decision.gates} if decision else {}
    items = []
    for item in config.items:
        if item.gate is not None:
            outcome = outcomes.get(item.gate)
            if decision is None:
                items.append(CheckedItem(item, False, "no decision for this tree yet"))
            elif outcome is None:
                items.append(CheckedItem(item, False, f"gate {item.gate} was not in the decision"))
            else:
                # A waived gate, or an advisory one that failed (it only warns), let the release
                # through, but its item is not done: not ticked.
                failed = outcome.result is not None and not outcome.result.status.ok
                advisory = outcome.status.ok and failed
                why = " (waived)" if outcome.waived else " (advisory, failed)" if advisory else ""
                note = f"gate {item.gate}: {outcome.status.value}{why}"
                done = outcome.status.ok and not outcome.waived and not failed
                items.append(CheckedItem(item, done, note))
            continue
        signoff = signed.get(item.name)
        if signoff is None:
            hint = f"needs: gates signoff {_quote(item.name)} --by NAME"
            items.append(CheckedItem(item, False, hint))
        else:
            note = f"signed off by {signoff.get('by')} at {str(signoff['at'])[:16]}"
            if signoff.get("note"):
                note += f": {signoff['note']}"
            items.append(CheckedItem(item, True, note))
    return Checklist(version, decision.id if decision else None, tuple(items))


def _quote(name: str) -> str:
    return f'"{name}"' if " " in name else name


def render(checklist: Checklist, project: str | None = None) -> str:
    """The checklist as Markdown task lists, one section per priority."""
    title = " ".join(x for x in (project, checklist.version) if x) or "this project"
    lines = [f"# Release checklist: {title}", ""]
    basis = checklist.decision or "none for this tree yet"
    lines += [f"Gate items checked against decision: {basis}", ""]
    if not checklist.items:
        lines += ["No items: add must/should/could lists to [tool.gates.checklist].", ""]
    for priority in Priority:
        entries = [c for c in checklist.items if c.item.priority is priority]
        if not entries:
            continue
        lines += [f"## {_HEADINGS[priority]}", ""]
        for entry in entries:
            mark = "x" if entry.checked else " "
            lines.append(f"- [{mark}] {entry.item.name} — {entry.note}")
        lines.append("")
    return "\n".join(lines)


def load(project: Project, *, version: str | None) -> Checklist:
    """The checklist for ``version`` (default: the project's) as the ledger has it now."""
    config, ledger = project.config, project.ledger
    tree = project.workspace.tree_id()
    return build(
        config.checklist,
        project=config.project_name,
        version=version or config.version,
        tree=tree,
        decision=ledger.latest_decision(tree, project=config.project_name),
        signoffs=ledger.records(RecordKind.SIGNOFF),
    )


def signoff(
    project: Project, *, item: str, by: str, note: str | None, version: str | None
) -> Record:
    """Record that ``by`` signed off the manual checklist item ``item`` for ``version``."""
    config = project.config
    manual = [i.name for i in config.checklist.items if i.gate is None]
    where = f"{config.file.name}: tool.gates.checklist"
    if item not in manual:
        known = ", ".join(repr(name) for name in manual) or "none configured"
        raise ConfigError(f"{where}: no manual item {item!r} to sign off (items: {known})")
    if not by.strip():
        raise GatesError("signoff: --by needs a name")
    payload: dict[str, JSONValue] = {
        "item": item,
        "by": by.strip(),
        "note": note,
        "version": version or config.version,
        "project": config.project_name,
        "tree": project.workspace.tree_id(),
    }
    return project.ledger.append(RecordKind.SIGNOFF, payload)


def who() -> str:
    """Who decides when nobody says: the CI run (its URL) or the local user."""
    env = os.environ
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
