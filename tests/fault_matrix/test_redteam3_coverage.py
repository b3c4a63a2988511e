"""Fault matrix, red team 3: changed lines are the lines git changed, whatever git is told to show.

``min_changed_lines`` read the lines of ``git diff``, which follows the checkout's own settings and
attributes, none of them in the tree id: a local ``diff.mnemonicPrefix`` renamed every file
(``w/pkg/calc.py``), a ``-diff`` attribute or a ``textconv`` that prints nothing hid the file's
changes, and an added line of code starting ``++ `` (``++ 0`` is a Python statement) read as the
next file's header, so the hunks after it counted for no file. Each gave 100% of changed lines for
an untested function.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git
from pytest_projects import CALC, build, commit, gates, recorded, write

TESTS = """\
from pkg.calc import add, sign


def test_add():
    assert add(1, 2) == 3


def test_sign():
    assert sign(-2) == -1
    assert sign(2) == 1
"""
UNTESTED = "\n\ndef untested(x):\n    return x * 2\n"
GATES_TOML = """\
[tool.coverage.run]
source = ["pkg"]

[tool.gates]
required = ["coverage"]

[tool.gates.coverage]
min_changed_lines = 100
base_ref = "main"
"""


def feature(tmp_path: Path, calc: str) -> Path:
    """A branch off ``main`` whose ``pkg/calc.py`` is ``calc``."""
    files = {"pkg/__init__.py": "", "pkg/calc.py": CALC, "tests/test_calc.py": TESTS}
    root = build(tmp_path / "project", files, GATES_TOML)
    git(root, "checkout", "-q", "-b", "feature")
    write(root, "pkg/calc.py", calc)
    commit(root, "an untested function")
    return root


def hidden_by_local_settings(root: Path) -> None:
    git(root, "config", "diff.mnemonicPrefix", "true")


def hidden_by_a_diff_attribute(root: Path) -> None:
    write(root, ".git/info/attributes", "*.py -diff\n")


def hidden_by_a_textconv(root: Path) -> None:
    write(root, ".git/info/attributes", "*.py diff=nothing\n")
    git(root, "config", "diff.nothing.textconv", "true")


@pytest.mark.parametrize(
    "hide", [hidden_by_local_settings, hidden_by_a_diff_attribute, hidden_by_a_textconv]
)
def test_changed_lines_git_is_told_to_hide_still_count(tmp_path: Path, hide: object) -> None:
    root = feature(tmp_path, CALC + UNTESTED)
    assert callable(hide)
    hide(root)
    assert gates(root, "tests").code == 0

    run = gates(root, "coverage")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "coverage")["summary"]) == (
        1,
        "changed lines 50% < 100% (gap 50%): pkg/calc.py:12",
    )


def test_an_added_line_that_reads_like_a_file_header_hides_no_later_change(
    tmp_path: Path,
) -> None:
    root = feature(tmp_path, "++ 0\n" + CALC + UNTESTED)
    assert gates(root, "tests").code == 0

    run = gates(root, "coverage")

    assert "Traceback" not in run.err
    assert (run.code, recorded(root, "coverage")["summary"]) == (
        1,
        "changed lines 66.66% < 100% (gap 33.34%): pkg/calc.py:13",
    )
