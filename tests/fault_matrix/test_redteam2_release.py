"""What ``gates release publish`` trusts, second round: a decision of another project that shares
the ledger (a monorepo's git ledger, one PostgreSQL database for many projects) judged the same
tree id, and is newer than this project's own; it neither stands in for this project's verdict
nor hides it.
A real pypiserver on 127.0.0.1, a bare git remote, the real SQLite ledger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Project
from release_support import (
    IndexServer,
    decide,
    gates_cli,
    git,
    ledger_steps,
    prepared_project,
    twine_environment,
)

from gates import config
from gates.cli import main
from gates.ledger import open_ledger, record_decision
from gates.model import Decision, Verdict

PROJECT = "demo-neighbour"


def _gated_beside_a_neighbour(
    tmp_path: Path, index: IndexServer, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Decision]:
    """A prepared, packaged project and its GO; the index's credentials set."""
    root = prepared_project(tmp_path, PROJECT)
    assert main(["package", "--root", str(root)]) == 0
    go = decide(root)
    assert go.verdict is Verdict.GO
    twine_environment(index, monkeypatch)
    return root, go


def _record(root: Path, *decisions: Decision) -> None:
    with open_ledger(config.load(root)) as ledger:
        for decision in decisions:
            record_decision(ledger, decision)


def test_a_newer_go_of_another_project_on_the_same_tree_is_not_this_projects_go(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    index: IndexServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, go = _gated_beside_a_neighbour(tmp_path, index, monkeypatch)
    own = replace(go, id=go.id + "-again", verdict=Verdict.NO_GO, reasons=("smoke: FAIL",))
    _record(root, own, replace(go, id=go.id + "-neighbour", project="other-project"))

    code, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)

    assert "Traceback" not in err
    assert (code, out) == (1, "")
    assert err == f"gates: error: decision {own.id} is NO_GO: smoke: FAIL\n"
    assert index.files("demo_neighbour") == []
    assert git(root, "tag", "--list", "v0.2.0") == ""
    assert ledger_steps(root) == []


def test_a_newer_no_go_of_another_project_on_the_same_tree_leaves_this_projects_go(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    index: IndexServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, go = _gated_beside_a_neighbour(tmp_path, index, monkeypatch)
    neighbour = replace(go, id=go.id + "-neighbour", verdict=Verdict.NO_GO, project="other")
    _record(root, neighbour)

    code, _, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)

    assert (code, err) == (0, "")
    assert index.files("demo_neighbour") == [
        "demo_neighbour-0.2.0-py3-none-any.whl",
        "demo_neighbour-0.2.0.tar.gz",
    ]
    assert {step["decision"] for step in ledger_steps(root)} == {go.id}


def test_prepare_leaves_a_version_file_reached_through_a_symlink_alone(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    outside = tmp_path / "shared" / "common" / "__init__.py"
    outside.parent.mkdir(parents=True)
    outside.write_text('__version__ = "0.1.0"\n')
    project = make_project(
        files={"demo/__init__.py": '__version__ = "0.1.0"\n'},
        gates='[tool.gates.package]\nchangelog = ""\n',
    )
    (project.root / "common").symlink_to(outside.parent)
    project.commit()

    code, out, err = project.gates("release", "prepare", "0.2.0", "--commit")

    assert "Traceback" not in err
    assert (code, err) == (0, "")
    assert "changed demo/__init__.py" in out
    assert "common" not in out
    assert outside.read_text() == '__version__ = "0.1.0"\n'
    assert git(project.root, "status", "--porcelain") == ""


@pytest.mark.parametrize("key", ["repository_url", "index_url"])
@pytest.mark.parametrize("scheme", ["https", "ftp"])
def test_a_password_in_a_release_url_in_the_file_is_refused_without_echoing_it(
    make_project: Callable[..., Project], key: str, scheme: str
) -> None:
    secret = "s3cret-Upload-T0ken"
    project = make_project(
        gates=f'[tool.gates.release]\n{key} = "{scheme}://u:{secret}@127.0.0.1:1/"\n'
    )

    code, out, err = project.gates("status")

    assert "Traceback" not in err
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: pyproject.toml:10: tool.gates.release.{key}: holds a password: the file is"
        " committed and ships in the sdist; set TWINE_USERNAME and TWINE_PASSWORD instead\n"
    )


def test_prepare_refuses_a_pyproject_linked_from_outside_and_writes_nothing(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    project = make_project(
        files={"demo/__init__.py": '__version__ = "0.1.0"\n'},
        gates='[tool.gates.package]\nchangelog = ""\n',
    )
    shared = tmp_path / "shared-pyproject.toml"
    (project.root / "pyproject.toml").rename(shared)
    (project.root / "pyproject.toml").symlink_to(shared)
    project.commit()
    kept = shared.read_text()

    code, out, err = project.gates("release", "prepare", "0.2.0")

    assert "Traceback" not in err
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: pyproject.toml: is a symlink to {shared}, outside the project:"
        " prepare writes only inside it\n"
    )
    assert shared.read_text() == kept
    assert (project.root / "demo" / "__init__.py").read_text() == '__version__ = "0.1.0"\n'
