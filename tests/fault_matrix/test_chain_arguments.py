"""Careless chain arguments (`nox -s gates -- ...`): one line naming the argument, no decision
left half-made, no traceback. Real nox, on a noxfile registering the chain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOXFILE = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from gates import chain
chain.register(install=["-e", "."])
"""


@pytest.mark.parametrize(
    ("posargs", "message"),
    [
        (["--jobs", "0"], "--jobs needs a number of sessions at once, got '0'"),
        (["--jobs", "-2"], "--jobs needs a number of sessions at once, got '-2'"),
        (["--jobs", "many"], "--jobs needs a number of sessions at once, got 'many'"),
        (
            ["--environment", "production", "--jobs"],
            "--jobs needs a number of sessions at once, got ''",
        ),
        (["--shards"], "--shards needs a folder of shard evidence folders"),
        (
            ["--jobs", "2", "--shards", "nowhere"],
            "--shards needs a folder of shard evidence folders",
        ),
    ],
)
def test_bad_chain_arguments_stop_before_any_gate_runs(
    tmp_path: Path, posargs: list[str], message: str
) -> None:
    (tmp_path / "noxfile.py").write_text(NOXFILE)
    ran = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "gates", "--", *posargs],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 1
    assert f"nox > Session gates aborted: {message}" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert not (tmp_path / ".gates").exists()  # no gate ran, nothing recorded
    assert not (tmp_path / ".nox" / ".cache").exists()  # no environment built
