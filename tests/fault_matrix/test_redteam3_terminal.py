"""Fault matrix, red team 3: names from the project never drive the terminal.

A file name, a test id or a config key can hold control characters: an ESC sequence that erases
the line above (``\\x1b[1A\\x1b[2K``) can hide "lint: FAIL" from whoever reads the terminal or
the CI log, or set the window title and the clipboard (OSC). Everything gates prints shows such a
character as its escape (``\\x1b``) and prints the rest as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_projects import build, gates

HIDE = "\x1b[1A\x1b[2K"
"""Cursor up one line, erase it."""
SHOWN = "\\x1b[1A\\x1b[2K"


def test_a_file_name_with_escape_sequences_is_shown_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")  # the annotations name the file too
    gates_toml = '[tool.gates]\nrequired = ["lint"]\n\n[tool.gates.lint]\nformat = false\n'
    files = {"pkg/__init__.py": "", f"pkg/x{HIDE}y.py": "import os\n"}
    root = build(tmp_path / "project", files, gates_toml)

    run = gates(root, "lint")

    assert "Traceback" not in run.err
    assert run.code == 1
    assert "\x1b" not in run.out + run.err
    assert f"    pkg/x{SHOWN}y.py:1: `os` imported but unused\n" in run.out
    assert f"::error file=pkg/x{SHOWN}y.py,line=1," in run.out
    decision = gates(root, "decide")
    assert "\x1b" not in decision.out + decision.err


def test_a_config_key_with_escape_sequences_is_shown_escaped_in_the_error(tmp_path: Path) -> None:
    root = build(tmp_path / "project", {}, '[tool.gates]\n"x\\u001b[1A\\u001b[2K" = 1\n')

    run = gates(root, "decide")

    assert "\x1b" not in run.err
    assert (run.code, run.err) == (
        2,
        f"gates: error: pyproject.toml:9: tool.gates.x{SHOWN}: unknown key\n",
    )
