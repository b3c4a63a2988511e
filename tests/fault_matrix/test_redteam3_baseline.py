"""Fault matrix, red team 3: a baseline rewritten by ``--update-baseline`` is not part of the tree
the run recorded its result for.

``gates lint --update-baseline`` took the tree id, then wrote the baseline (a tracked file: the
tree changed) and recorded its PASS for the tree from before, whose baseline does not know the
new finding. ``git checkout lint-baseline.json`` brought that tree back, and ``gates decide``
gave GO for an unused import no baseline of that tree accepts. The PASS is the tree's with the
new baseline.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git
from pytest_projects import build, gates

BASELINE = '{"tool": "lint", "findings": []}\n'


def test_a_pass_judged_with_a_rewritten_baseline_is_not_the_pass_of_the_tree_before(
    tmp_path: Path,
) -> None:
    gates_toml = (
        '[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\npaths = ["pkg"]\n'
        'baseline = "lint-baseline.json"\nformat = false\n'
    )
    files = {"pkg/__init__.py": "import os\n", "lint-baseline.json": BASELINE}
    root = build(tmp_path / "project", files, gates_toml)
    assert gates(root, "lint").code == 1

    run = gates(root, "lint", "--update-baseline")

    assert "Traceback" not in run.err
    assert (run.code, run.err) == (0, "")
    assert gates(root, "decide").code == 0  # the tree with the new baseline
    git(root, "checkout", "lint-baseline.json")
    decision = gates(root, "decide", "--json")
    assert (decision.code, json.loads(decision.out)["verdict"]) == (1, "NO_GO")
    assert json.loads(decision.out)["reasons"][0].startswith("lint: stale: judged tree ")
