"""What ``gates init`` writes into the project's coverage.py settings in pyproject.toml."""

from __future__ import annotations

from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.items import Table

SCOPES = ("source", "source_pkgs", "include")
"""The ``[run]`` settings that say what to measure."""


def scoped(document: dict[str, Any]) -> bool:
    """Whether pyproject.toml's coverage settings say what to measure. Settings that do not
    (cleo's ``[tool.coverage.report]`` alone) measure only the files the tests import: a module
    no test imports would never count against the total."""
    run = document.get("tool", {}).get("coverage", {}).get("run", {})
    return any(key in run for key in SCOPES)


def source_setting(source: str) -> str:
    """coverage.py's ``source`` for the package folder or one-module file ``source``: a module
    is named by its import name (a path there must be a folder; the module's folder would
    measure its neighbours too)."""
    return source.rpartition("/")[2].removesuffix(".py") if source.endswith(".py") else source


def add_settings(tool: Table | Container, source: str, *, scope_only: bool) -> None:
    """``[tool.coverage.run]`` measuring the package ``source`` with branches; ``scope_only``:
    the project has coverage settings of its own, and only ``source`` is added to them."""
    source = source_setting(source)
    if not scope_only:
        coverage = tomlkit.table(is_super_table=True)
        run = tomlkit.table()
        run.add("branch", True)
        run.add("source", [source])
        run.add("relative_files", True)  # CI shards are combined on another runner
        coverage["run"] = run
        tool["coverage"] = coverage
        return
    settings = tool["coverage"]
    if "run" not in settings:
        settings["run"] = tomlkit.table()
    settings["run"]["source"] = [source]
    settings["run"]["source"].comment("by gates init: a module no test imports counts too")
