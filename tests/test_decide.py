"""decide and status: staleness, not-run gates, waivers, command gates, GitHub outputs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CLEAN_MODULE, Project, git

BOTH = '[tool.gates]\nrequired = ["lint", "typecheck"]\n[tool.gates.typecheck]\npaths = ["demo"]\n'


def test_clean_project_is_go(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=BOTH)
    assert project.gates("lint")[0] == 0
    assert project.gates("typecheck")[0] == 0
    code, data = project.gates_json("decide")
    assert code == 0
    assert data["verdict"] == "GO"
    assert [(g["name"], g["status"]) for g in data["gates"]] == [
        ("lint", "PASS"),
        ("typecheck", "PASS"),
    ]
    written = json.loads((project.root / ".gates/decision.json").read_text())
    assert written["id"] == data["id"]
    assert written["tree"] == data["tree"]
    assert "| lint | PASS |" in (project.root / ".gates/decision.md").read_text()


def test_a_detached_checkout_records_the_branch_github_actions_names(
    make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(gates=BOTH)
    project.commit()
    git(project.root, "checkout", "-q", "--detach")
    for name in ("GITHUB_HEAD_REF", "GITHUB_REF_TYPE", "GITHUB_REF_NAME", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_OUTPUT", str(project.root / ".gates" / "output"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    branches = []
    for name, value in (("GITHUB_REF_TYPE", "tag"), ("GITHUB_REF_NAME", "v1.0")):
        monkeypatch.setenv(name, value)
        branches.append(project.gates_json("decide")[1]["branch"])  # a tag: no branch
    monkeypatch.setenv("GITHUB_REF_TYPE", "branch")
    monkeypatch.setenv("GITHUB_REF_NAME", "main")
    branches.append(project.gates_json("decide")[1]["branch"])
    monkeypatch.setenv("GITHUB_HEAD_REF", "feature/login")  # a pull request's merge commit
    branches.append(project.gates_json("decide")[1]["branch"])
    monkeypatch.delenv("GITHUB_ACTIONS")
    branches.append(project.gates_json("decide")[1]["branch"])

    assert branches == [None, None, "main", "feature/login", None]


def test_edit_after_lint_makes_it_stale(make_project: Callable[..., Project]) -> None:
    project = make_project(gates='[tool.gates]\nrequired = ["lint"]\n')
    assert project.gates("lint")[0] == 0
    project.write("demo/__init__.py", CLEAN_MODULE + "\n# edited\n")
    code, out, _ = project.gates("decide")
    assert code == 1
    assert "stale: judged tree" in out
    assert "NO_GO" in out
    code, rows = project.gates_json("status")
    assert rows == [
        {
            "gate": "lint",
            "tier": "required",
            "status": "PASS",
            "fresh": False,
            "summary": "clean",
            "started_at": rows[0]["started_at"],  # type: ignore[index]
        }
    ]


def test_untracked_file_changes_the_tree_ignored_file_does_not(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates='[tool.gates]\nrequired = ["lint"]\n')
    project.commit()
    assert project.gates("lint")[0] == 0
    project.write("notes.txt", "new untracked file\n")
    assert project.gates("decide")[0] == 1
    (project.root / "notes.txt").unlink()
    assert project.gates("decide")[0] == 0
    (project.root / ".git/info/exclude").write_text("*.log\n")
    project.write("build.log", "ignored by git")
    project.write("demo/__pycache__/x.cpython-311.pyc", "tool output, never source")
    assert project.gates("decide")[0] == 0


def test_required_gate_that_never_ran_is_no_go(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=BOTH)
    assert project.gates("lint")[0] == 0
    code, data = project.gates_json("decide")
    assert code == 1
    assert data["verdict"] == "NO_GO"
    assert data["reasons"] == ["typecheck: did not run for this tree (run 'gates typecheck')"]


def _waiver(expires: dt.date) -> str:
    return (
        '[tool.gates]\nrequired = ["lint"]\n\n[[tool.gates.waivers]]\ngate = "lint"\n'
        'reason = "legacy imports, cleaned up in 0.3"\nowner = "release-manager"\n'
        f"expires = {expires.isoformat()}\n"
    )


def test_waiver_with_future_expiry_gives_go_with_waivers(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates=_waiver(dt.date.today() + dt.timedelta(days=30)))
    project.write("demo/__init__.py", "import os\n\n" + CLEAN_MODULE)
    assert project.gates("lint")[0] == 1
    code, data = project.gates_json("decide")
    assert code == 0
    assert data["verdict"] == "GO_WITH_WAIVERS"
    assert [w["reason"] for w in data["waivers"]] == ["legacy imports, cleaned up in 0.3"]
    assert data["gates"][0]["status"] == "WARN"
    assert data["gates"][0]["waived"] is True
    code, out, _ = project.gates("decide")
    assert "waiver used: lint (release-manager: legacy imports, cleaned up in 0.3)" in out


def test_expired_waiver_is_reported_and_ignored(make_project: Callable[..., Project]) -> None:
    expired_on = dt.date.today() - dt.timedelta(days=1)
    project = make_project(gates=_waiver(expired_on))
    project.write("demo/__init__.py", "import os\n\n" + CLEAN_MODULE)
    assert project.gates("lint")[0] == 1
    code, data = project.gates_json("decide")
    assert code == 1
    assert data["verdict"] == "NO_GO"
    assert data["waivers"] == []
    assert [w["gate"] for w in data["expired_waivers"]] == ["lint"]
    assert data["reasons"] == [
        "lint: FAIL (1 new finding (F401))",
        "waiver ignored: lint (release-manager: legacy imports, cleaned up in 0.3) until "
        f"{expired_on.isoformat()} expired on {expired_on.isoformat()}",
    ]


def test_error_result_is_never_waived(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=_waiver(dt.date.today() + dt.timedelta(days=30)))
    project.write("ruff.toml", "[lint]\nselect = 42\n")
    assert project.gates("lint")[0] == 2
    code, data = project.gates_json("decide")
    assert code == 1
    assert data["verdict"] == "NO_GO"
    assert data["waivers"] == []


def test_command_gate(make_project: Callable[..., Project]) -> None:
    gates = (
        '[tool.gates]\nrequired = ["lint", "docs"]\nadvisory = ["spell"]\n'
        "[tool.gates.commands]\n"
        "docs = \"python -c 'print(1)'\"\n"
        'spell = ["python", "-c", "import sys; print(\'typo: teh\'); sys.exit(3)"]\n'
    )
    project = make_project(gates=gates)
    assert project.gates("lint")[0] == 0
    code, data = project.gates_json("run", "docs")
    assert code == 0
    assert data["status"] == "PASS"
    code, data = project.gates_json("run", "spell")
    assert code == 1
    assert data["summary"].startswith("exit 3: ")
    assert data["details"]["output_tail"] == "typo: teh"
    code, decision = project.gates_json("decide")
    assert code == 0
    assert decision["verdict"] == "GO"
    assert [g["status"] for g in decision["gates"]] == ["PASS", "PASS", "WARN"]
    code, _, err = project.gates("run", "nope")
    assert code == 2
    assert err == (
        "gates: error: pyproject.toml: tool.gates.commands: no command gate 'nope' (docs, spell)\n"
    )


def test_missing_command_is_error(make_project: Callable[..., Project]) -> None:
    gates = '[tool.gates]\nrequired = ["x"]\n[tool.gates.commands]\nx = "no-such-tool-here --all"\n'
    project = make_project(gates=gates)
    code, _, err = project.gates("run", "x")
    assert code == 2
    assert err.startswith("gates: error: no-such-tool-here not found")
    assert json.loads((project.root / ".gates/results/x.json").read_text())["status"] == "ERROR"
    assert project.gates("decide")[0] == 1


def test_not_a_git_repository(make_project: Callable[..., Project]) -> None:
    project = make_project(git_init=False)
    code, out, err = project.gates("decide")
    assert code == 2
    assert out == ""
    assert err == (
        f"gates: error: {project.root}: not a git repository "
        "(results are bound to the git tree; run 'git init')\n"
    )


def test_github_actions_outputs(
    make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GATES_TEST_TOKEN", "s3cr3t-value-never-shown")
    project = make_project(gates='[tool.gates]\nrequired = ["lint"]\n')
    project.write("demo/__init__.py", "import os\n\n" + CLEAN_MODULE)
    code, out, _ = project.gates("lint")
    assert code == 1
    assert "::error file=demo/__init__.py,line=1,title=lint F401::`os` imported but unused" in out
    code, out, _ = project.gates("decide")
    assert code == 1
    assert "| lint | FAIL | 0 | 1 | 1 | 1 new finding (F401) |" in summary.read_text()
    assert output.read_text().startswith("verdict=NO_GO\ndecision=")
    for path in [summary, output, *project.root.glob(".gates/**/*.*")]:
        # Bytes: .gates/ also holds the ledger database.
        assert b"s3cr3t-value-never-shown" not in path.read_bytes()
    assert "s3cr3t-value-never-shown" not in out


def test_annotations_are_capped(
    make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    project = make_project(
        gates='[tool.gates]\nrequired = ["lint"]\n[tool.gates.lint]\nformat = false\n'
    )
    project.write("demo/many.py", "".join(f"import m{i}\n" for i in range(60)))
    code, out, _ = project.gates("lint")
    assert code == 1
    assert out.count("::error file=") == 50
    assert "::error::lint: 10 more findings not annotated" in out


def test_with_json_the_annotations_go_to_stderr_and_stdout_stays_json(
    make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    project = make_project(
        gates='[tool.gates]\nrequired = ["lint"]\n[tool.gates.lint]\nformat = false\n'
    )
    project.write("demo/one.py", "import os\n")
    code, out, err = project.gates("lint", "--json")
    assert (code, json.loads(out)["status"]) == (1, "FAIL")
    assert err.startswith("::error file=demo/one.py,line=1,title=lint F401::")


def test_a_gate_that_errored_on_its_config_is_named_with_its_error_not_as_never_run(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates='[tool.gates]\nrequired = ["coverage"]\n')
    code, _, err = project.gates("coverage")
    message = (
        "pyproject.toml: tool.gates.coverage: no threshold configured "
        "(set min_total, paths or min_changed_lines)"
    )
    assert (code, err) == (2, f"gates: error: {message}\n")

    code, data = project.gates_json("decide")

    assert (code, data["verdict"]) == (1, "NO_GO")
    assert data["reasons"] == [f"coverage: ERROR ({message})"]
