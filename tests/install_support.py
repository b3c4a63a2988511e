"""Installers that fail for real: tests/test_setup_failure.py and the fault matrix use them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gates.chain_envs import UNWRAPPED

HATCH_README = (
    '[project]\nname = "broken"\nversion = "0"\nreadme = "MISSING.md"\n\n'
    '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
)
"""A project whose build backend refuses its metadata: the readme it names is not there."""


def install_errors(*argv: str, cwd: Path) -> str:
    """Run an installer that must fail, as the chain does; what it wrote to stderr."""
    env = {**os.environ, **UNWRAPPED}
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    return proc.stderr
