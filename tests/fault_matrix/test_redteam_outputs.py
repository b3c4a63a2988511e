"""Fault matrix, red team: what gates writes goes where it should, never through a link.

A file the user names for a report is written into, never replaced.

``gates report --html /dev/stdout`` (print the page) replaced the device's link with a regular
file when gates ran as root, as CI containers do: ``/dev/stdout`` was gone for every later
process of the container. A FIFO shows the same thing without root.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import Project


def test_a_report_written_to_a_pipe_goes_through_it(ledger_project: Any) -> None:
    project = ledger_project()
    project.record_run(10, 0, 0, 90.0)
    assert project.gates("decide")[0] == 0  # a decision for the page to show
    fifo = project.root.parent / "page.fifo"
    os.mkfifo(fifo)
    received = project.root.parent / "received.html"
    with received.open("wb") as sink:
        reader = subprocess.Popen(["cat", str(fifo)], stdout=sink)
        try:
            code, out, err = project.gates("report", "--html", str(fifo))
            reader.wait(timeout=10)
        finally:
            reader.kill()

    assert "Traceback" not in err
    assert (code, out, err) == (0, f"wrote {fifo}\n", "")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_dist_folder_symlinked_out_of_gates_is_refused_and_nothing_outside_changes(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    """The package gate deletes the tree's dist folder and moves a fresh build in its place:
    through a link it failed with a traceback (a dangling or loop link: anything)."""
    project = make_project(gates='[tool.gates]\nrequired = ["package"]\n')
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    dist = project.root / ".gates/dist"
    dist.mkdir(parents=True)
    link = dist / ("0" * 40)
    link.symlink_to(outside)

    code, out, err = project.gates("package")

    assert "Traceback" not in err
    assert (code, out, err) == (
        2,
        "",
        f"gates: error: {link}: is a symlink (to {outside}): release-gates writes and deletes"
        " only inside a real .gates folder; replace the link with a folder\n",
    )
    assert [p.name for p in outside.iterdir()] == ["keep.txt"]
