"""tools.stream: a tool's output copied as it comes, the tail kept, failures named."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from gates import tools
from gates.errors import ToolError


def test_stream_copies_output_and_keeps_the_tail(tmp_path: Path) -> None:
    output = io.StringIO()
    script = "import sys\nfor n in range(50):\n    print(n)\nprint('err', file=sys.stderr)\n"
    run = tools.stream(
        [sys.executable, "-c", script], cwd=tmp_path, timeout_s=60, output=output, env=os.environ
    )
    assert run.returncode == 0
    assert output.getvalue().splitlines() == [*map(str, range(50)), "err"]
    assert run.tail().splitlines() == [*map(str, range(11, 50)), "err"]


def test_stream_names_a_tool_that_cannot_start(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-tool"
    with pytest.raises(ToolError) as caught:
        tools.stream([str(missing)], cwd=tmp_path, timeout_s=60, output=io.StringIO(), env={})
    assert str(caught.value) == f"{missing} could not start: No such file or directory"
