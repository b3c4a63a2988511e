"""The command line itself: bad option values are usage errors (exit 2), never a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest
from conftest import Project


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("history", "--limit", "-1"),
         "argument --limit: expected a whole number from 1 to 1000000, got '-1'"),
        (("history", "--limit", "99999999999999999999"),
         "argument --limit: expected a whole number from 1 to 1000000, got "
         "'99999999999999999999'"),
        (("history", "--limit", "9" * 5000), "argument --limit: invalid _count value"),
        (("decide", "--environment", " "), "argument --environment: expected a name, got a blank"),
    ],
)  # fmt: skip
def test_bad_option_values_are_usage_errors(
    make_project: Callable[..., Project], args: tuple[str, ...], message: str
) -> None:
    project = make_project()
    code, out, err = project.gates(*args)
    assert (code, out) == (2, "")
    assert message in err.splitlines()[-1]
    assert "Traceback" not in err


def test_history_limit_takes_the_newest(make_project: Callable[..., Project]) -> None:
    project = make_project(gates='[tool.gates]\nrequired = ["lint"]\n')
    for _ in range(3):
        project.gates("decide")
    code, data = project.gates_json("history", "--limit", "2")
    assert code == 0
    assert isinstance(data, list) and len(data) == 2


@pytest.mark.parametrize("variable", ["GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"])
def test_a_runner_file_that_cannot_be_written_is_exit_2_not_a_traceback(
    make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    project = make_project(gates='[tool.gates]\nrequired = ["lint"]\n')
    missing = project.root / "no-such-folder" / "file"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv(variable, str(missing))
    code, _, err = project.gates("decide")
    assert (code, err) == (
        2,
        f"gates: error: {variable}={missing}: cannot write: No such file or directory\n",
    )


def test_version_and_help_load_no_gate_config_or_ledger_module() -> None:
    """Cold start: ``gates --version`` and ``--help`` import argparse and the gate registry only
    (what they load, not how long it takes: the time is in benchmarks/bench_cold_start.py)."""
    script = (
        "import sys\nfrom gates import cli\n"
        "for argv in (['--version'], ['--help']):\n"
        "    try:\n        cli.main(argv)\n    except SystemExit:\n        pass\n"
        "print(sorted(name for name in sys.modules if name.startswith('gates')))\n"
        "print('dataclasses' in sys.modules, 'pathlib' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    *_, modules, heavy = proc.stdout.splitlines()
    assert modules == "['gates', 'gates.cli', 'gates.errors', 'gates.gate']"
    assert heavy == "False False"
