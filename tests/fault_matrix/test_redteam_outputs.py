"""Fault matrix, red team: a file the user names for a report is written into, never replaced.

``gates report --html /dev/stdout`` (print the page) replaced the device's link with a regular
file when gates ran as root, as CI containers do: ``/dev/stdout`` was gone for every later
process of the container. A FIFO shows the same thing without root.
"""

from __future__ import annotations

import os
import stat
import subprocess
from typing import Any


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
