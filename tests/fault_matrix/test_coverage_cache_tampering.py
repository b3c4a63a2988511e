"""Fault matrix, the coverage gate's cache: a forged ``.gates/cache`` never lifts a failing total.

A real project measured by coverage.py at 70% and gated at 80%; the cache its first judgement
left is rewritten to claim every line ran (keeping the old seal, or sealing with a key of the
attacker's own, as a committed ``.gates`` would bring), then the gate judges again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_projects import build, gates

from gates.workspace import Workspace

MODULE = "def used():\n    a = 1\n    return a\n\n\ndef unused():\n    b = 2\n    return b\n"
"""6 statements, 2 never run: 66%."""


@pytest.fixture(autouse=True)
def _seal_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _measured(root: Path) -> Path:
    toml = (
        '[tool.coverage.run]\nsource = ["pkg"]\nrelative_files = true\n\n'
        '[tool.gates]\nrequired = ["coverage"]\n\n[tool.gates.coverage]\nmin_total = 80\n'
    )
    build(root, {"pkg/__init__.py": "", "pkg/mod.py": MODULE}, toml)
    evidence = root / ".gates" / "evidence"
    evidence.mkdir(parents=True)
    runner = root.parent / "runner.py"
    runner.write_text("from pkg.mod import used\n\nused()\n")
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", f"--data-file={evidence / '.coverage'}",
         str(runner)],
        cwd=root, check=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    stamp = {"tree": Workspace.at(root).tree_id(), "pytest_exit_code": 0}
    (evidence / "meta.json").write_text(json.dumps(stamp))
    return root


def _forge(root: Path, seal: bytes | None) -> None:
    path = root / ".gates" / "cache" / "coverage.json"
    cache = json.loads(path.read_text())
    for key, entry in cache["entries"].items():
        value = entry["value"]
        value["numbers"][4] = 0  # n_missing
        value["missing"], value["missing_text"] = [], ""
        if seal is not None:
            message = key.encode() + b"\n" + json.dumps(value, sort_keys=True).encode()
            entry["mac"] = hmac.new(seal, message, hashlib.sha256).hexdigest()
    path.write_text(json.dumps(cache))


@pytest.mark.parametrize(
    "seal", [None, b"attacker-key-of-thirty-two-bytes"], ids=["edited", "resealed"]
)
def test_a_forged_cache_entry_does_not_lift_the_total(tmp_path: Path, seal: bytes | None) -> None:
    root = _measured(tmp_path / "project")
    first = gates(root, "coverage")
    assert first.code == 1
    assert "coverage: FAIL — total 66.66% < 80% (gap 13.34%)" in first.out
    _forge(root, seal)

    # --fresh: an unchanged tree would reuse the recorded result and never read the cache.
    again = gates(root, "coverage", "--fresh")

    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)
    assert "Traceback" not in again.out + again.err
