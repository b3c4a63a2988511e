"""The GitHub Actions workflow's own rules (actionlint and zizmor run in `nox -s workflow`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parent.parent / ".github/workflows/gates.yml"
TEXT = WORKFLOW.read_text(encoding="utf-8")
DATA: dict[str, Any] = yaml.safe_load(TEXT)
JOBS: dict[str, Any] = DATA["jobs"]


def _steps() -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in JOBS.items() for step in job["steps"]]


def test_every_action_is_pinned_by_full_sha_with_its_version() -> None:
    uses = re.findall(r"uses: (\S+)(.*)", TEXT)
    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (action, comment)


def test_permissions_are_least_privilege() -> None:
    assert DATA["permissions"] == {}
    for name, job in JOBS.items():
        expected = {"contents": "read"}
        if name == "release":
            expected = {"contents": "write", "id-token": "write"}
        assert job["permissions"] == expected, name


def test_no_expression_is_interpolated_into_a_shell_command() -> None:
    for job, step in _steps():
        assert "${{" not in step.get("run", ""), (job, step["run"])


def test_shards_upload_hidden_coverage_files_and_the_gates_job_reads_them() -> None:
    matrix = JOBS["tests"]["strategy"]["matrix"]
    assert matrix["python"] == ["3.11", "3.12", "3.13"]
    assert len(matrix["shard"]) == int(DATA["env"]["SHARDS"])
    upload = next(s for _, s in _steps() if s.get("name") == "Upload evidence")
    assert upload["with"]["include-hidden-files"] is True
    assert JOBS["gates"]["needs"] == "tests"
    assert JOBS["gates"]["outputs"]["verdict"] == "${{ steps.chain.outputs.verdict }}"


def test_release_runs_in_the_protected_environment_after_a_go() -> None:
    release = JOBS["release"]
    assert release["environment"]["name"] == "release"
    assert release["needs"] == "gates"
    assert "github.event_name == 'workflow_dispatch'" in release["if"]
    assert "startsWith(github.ref, 'refs/tags/v')" in release["if"]
    assert "needs.gates.outputs.verdict != 'NO_GO'" in release["if"]
    assert release["steps"][-1]["run"] == "nox -s release -- publish"
