"""A project's decision records on a ledger several projects share: newest first across pages."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gates.ledger import open_ledger, record_decision
from gates.ledger.decisions import FIRST_PAGE, latest, newest
from gates.model import Decision, Verdict

LEGACY = Decision("legacy", Verdict.GO, "t", None, "1.0", "2026-01-01T00:00:00+00:00", ())
"""Recorded before decisions named their project: it stands for any."""


def _shared_ledger(path: Path) -> list[str]:
    """The legacy decision, then app and lib decisions taking turns past the first page: ids."""
    decisions = [LEGACY]
    for n in range(FIRST_PAGE * 2):
        project = "app" if n % 3 == 0 else "lib"
        decisions.append(replace(LEGACY, id=f"{project}-{n}", project=project))
    with open_ledger(path, environ={}) as ledger:
        for decision in decisions:
            record_decision(ledger, decision)
    return [d.id for d in decisions]


def test_newest_yields_only_the_projects_own_and_the_unnamed_newest_first(tmp_path: Path) -> None:
    ids = _shared_ledger(tmp_path / "l.db")
    with open_ledger(tmp_path / "l.db", environ={}) as ledger:
        apps = [r.payload["id"] for r in newest(ledger, "app")]
        everyone = [r.payload["id"] for r in newest(ledger, None)]
        strangers = [r.payload["id"] for r in newest(ledger, "tool")]

    assert apps == [i for i in reversed(ids) if i.startswith("app") or i == "legacy"]
    assert len(apps) == 12  # 11 of app's past two pages, and the legacy one
    assert everyone == ids[::-1]
    assert strangers == ["legacy"]


def test_latest_keeps_the_newest_of_the_project_oldest_first(tmp_path: Path) -> None:
    ids = _shared_ledger(tmp_path / "l.db")
    app = [i for i in ids if i.startswith("app") or i == "legacy"]
    with open_ledger(tmp_path / "l.db", environ={}) as ledger:
        last_three = [r.payload["id"] for r in latest(ledger, "app", limit=3)]
        every_app = [r.payload["id"] for r in latest(ledger, "app", limit=None)]
        none = latest(ledger, "app", limit=0)

    assert last_three == app[-3:]
    assert every_app == app
    assert none == []
