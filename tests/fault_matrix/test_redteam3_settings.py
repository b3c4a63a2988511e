"""Fault matrix, red team 3: a tool's settings from outside the project never judge it.

A project with no ruff settings of its own: ruff looked for them in the folders above the
project and in the user's config folder, which the tree id does not hold (a ``ruff.toml`` left
in the home folder, a checkout inside another project). ``ignore = ["F"]`` there made the lint
gate PASS on an unused import, and the decision GO; the same tree FAILs anywhere else.
"""

from __future__ import annotations

import json
from pathlib import Path

from pytest_projects import build, gates, recorded, write

OUTSIDE = '[lint]\nignore = ["F"]\n'


def test_ruff_settings_above_the_project_are_not_read(tmp_path: Path) -> None:
    write(tmp_path, "ruff.toml", OUTSIDE)
    gates_toml = '[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\nformat = false\n'
    root = build(tmp_path / "project", {"pkg/__init__.py": "import os\n"}, gates_toml)

    run = gates(root, "lint")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "lint")["summary"]) == (1, "1 new finding (F401)")
    decision = gates(root, "decide", "--json")
    assert (decision.code, json.loads(decision.out)["verdict"]) == (1, "NO_GO")


def test_the_projects_own_ruff_settings_still_apply(tmp_path: Path) -> None:
    write(tmp_path, "ruff.toml", '[lint]\nselect = ["ALL"]\n')
    gates_toml = (
        '[tool.ruff.lint]\nignore = ["F401"]\n\n'
        '[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\nformat = false\n'
    )
    root = build(tmp_path / "project", {"pkg/__init__.py": "import os\n"}, gates_toml)

    run = gates(root, "lint")

    assert (run.code, recorded(root, "lint")["summary"]) == (0, "clean")
