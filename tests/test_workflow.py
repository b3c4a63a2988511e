"""The GitHub Actions workflow's own rules (actionlint and zizmor run in `nox -s workflow`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml
from release_support import git, make_project

from gates import config
from gates.cli import main
from gates.ledger import open_ledger

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
        if name == "gates":
            expected = {"contents": "write"}  # the ledger ref
        if name == "release":
            expected = {"contents": "write", "id-token": "write"}
        assert job["permissions"] == expected, name


def test_the_gates_and_release_jobs_share_the_git_ledger_on_origin() -> None:
    fork = "github.event.pull_request.head.repo.fork"
    assert JOBS["gates"]["env"] == {"GATES_LEDGER_REMOTE": f"${{{{ !{fork} && 'origin' || '' }}}}"}
    assert JOBS["release"]["env"] == {"GATES_LEDGER_REMOTE": "origin"}
    for name in ("tests", "workflow-lint"):
        assert "env" not in JOBS[name]


def test_only_the_chain_step_holds_the_token_and_the_checkout_keeps_none() -> None:
    holding = [
        (job, step.get("name"))
        for job, step in _steps()
        if "github.token" in json.dumps(step.get("env", {}))
    ]
    assert holding == [("gates", "Gate chain")]
    checkout = JOBS["gates"]["steps"][0]
    assert checkout["with"]["persist-credentials"] is False
    chain = _step("gates", "Gate chain")
    assert chain["env"]["LEDGER_TOKEN"] == "${{ github.token }}"
    assert chain["run"].splitlines()[-1] == 'nox -s gates -- --shards "${RUNNER_TEMP}/shards"'


def test_the_chain_steps_git_credentials_reach_a_git_remote_as_a_header(tmp_path: Path) -> None:
    # The step's shell with `nox` replaced: what git would be configured with, from env only.
    script = _step("gates", "Gate chain")["run"].replace(
        'nox -s gates -- --shards "${RUNNER_TEMP}/shards"', "git config --get-regexp extraheader"
    )
    env = {
        **os.environ,
        "LEDGER_TOKEN": "t0ken",
        "GITHUB_SERVER_URL": "https://github.com",
        "RUNNER_TEMP": str(tmp_path),
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    header = "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46dDBrZW4="  # x-access-token:t0ken
    assert done.stdout == (
        f"::add-mask::eC1hY2Nlc3MtdG9rZW46dDBrZW4=\nhttp.https://github.com/.extraheader {header}\n"
    )


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


def _step(job: str, name: str) -> dict[str, Any]:
    return next(step for step in JOBS[job]["steps"] if step.get("name") == name)


def _names(job: str) -> list[str]:
    return [step.get("name", "") for step in JOBS[job]["steps"]]


def test_the_release_job_refuses_a_ledger_that_does_not_hold_the_gates_jobs_decision() -> None:
    gates, release = JOBS["gates"], JOBS["release"]
    assert gates["outputs"]["ledger_head"] == "${{ steps.head.outputs.ledger_head }}"
    assert _step("gates", "Ledger head")["id"] == "head"
    # Right after the chain: nothing else appends to the ledger in between.
    assert _names("gates").index("Ledger head") == _names("gates").index("Gate chain") + 1
    verify = _step("release", "Verify the ledger")
    assert verify["env"] == {"LEDGER_HEAD": "${{ needs.gates.outputs.ledger_head }}"}
    # Pulled from origin first; other runs may have appended since, so the decision must be
    # held (its hash covers every record before it), not be the newest.
    assert verify["run"].splitlines()[-2:] == [
        ".nox/release/bin/gates ledger sync",
        '.nox/release/bin/gates ledger verify --expect-record "$LEDGER_HEAD"',
    ]
    order = _names("release")
    # After the download, before the production decision appends to it and before publishing.
    assert order.index("Download gated state") + 1 == order.index("Verify the ledger")
    assert order.index("Verify the ledger") < order.index("Production decision")
    assert release["steps"][-1]["run"] == "nox -s release -- publish"


def _run_ledger_head_step(root: Path, output: Path) -> subprocess.CompletedProcess[str]:
    # As the runner runs a step without `shell:` (bash -e), with $GITHUB_OUTPUT set.
    script = _step("gates", "Ledger head")["run"]
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=root,
        env={**os.environ, "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
    )


def test_the_ledger_head_step_outputs_the_head_after_the_decision(tmp_path: Path) -> None:
    root = make_project(tmp_path / "demo")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('required = ["package"]', 'required = ["ok"]')
        + '\n[tool.gates.commands]\nok = "true"\n'
    )
    git(root, "commit", "-qam", "one command gate")
    assert main(["run", "ok", "--root", str(root)]) == 0
    assert main(["decide", "--root", str(root)]) == 0
    output = tmp_path / "github-output"

    step = _run_ledger_head_step(root, output)

    assert step.returncode == 0, step.stderr
    with open_ledger(config.load(root)) as ledger:
        [newest] = ledger.records(limit=1)
    assert output.read_text() == f"ledger_head={newest.hash}\n"

    # A decision.json without its record hash fails the step: no empty head reaches the release.
    written = root / ".gates" / "decision.json"
    written.write_text(json.dumps({**json.loads(written.read_text()), "hash": None}))
    output.unlink()
    assert _run_ledger_head_step(root, output).returncode != 0
    assert not output.exists()
