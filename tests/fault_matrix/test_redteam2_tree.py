"""The tree id against git's content filters: what the gates read and what they build is the
tree id's content, whatever a clean or smudge filter in the repository's config would make of it.

A clean filter (``git add``) that prints the committed file made every later edit invisible to the
tree id, so a PASS of the old code was reused for the new; a smudge filter (``git checkout``)
put other code into the package built from the gated tree, which then shipped under a GO.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Project, git
from release_support import MODULE, make_project

from gates.cli import main
from gates.workspace import unfiltered

LINT_ONLY = '[tool.gates]\nrequired = ["lint"]\n'


def filter_files(root: Path, pattern: str, **commands: str) -> None:
    """A filter driver ``hide`` in the repository's own config, applied to ``pattern`` by
    ``.git/info/attributes`` (nothing committed shows it)."""
    for kind, command in commands.items():
        git(root, "config", f"filter.hide.{kind}", command)
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "attributes").write_text(f"{pattern} filter=hide\n")


def test_an_edit_a_clean_filter_hides_from_git_add_still_runs_the_gate_again(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates=LINT_ONLY)
    project.commit()
    assert project.gates("lint")[0] == 0
    filter_files(project.root, "demo/*.py", clean="git show HEAD:%f")

    project.write("demo/__init__.py", "import os\n")
    code, out, err = project.gates("lint", "--json")

    assert "Traceback" not in err
    assert (code, err, json.loads(out)["status"]) == (1, "", "FAIL")  # a new tree: nothing reused
    code, decision = project.gates_json("decide")
    assert (code, decision["verdict"]) == (1, "NO_GO")


def test_a_smudge_filter_does_not_change_what_the_package_gate_builds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo")
    evil = tmp_path / "evil.py"
    evil.write_text("import os\nos.system('echo pwned')\n")
    filter_files(root, "src/**/*.py", smudge=f"cat {evil}")
    gated = (root / "src" / MODULE / "__init__.py").read_text()

    code = main(["package", "--root", str(root), "--json"])
    result = json.loads(capsys.readouterr().out)

    assert (code, result["status"]) == (0, "PASS")
    [wheel] = (root / result["details"]["dist_dir"]).glob("*.whl")
    with zipfile.ZipFile(wheel) as built:
        assert built.read(f"{MODULE}/__init__.py").decode() == gated


def test_git_lfs_filter_is_kept_and_any_other_is_switched_off(tmp_path: Path) -> None:
    root = make_project(tmp_path / "demo")
    git(root, "config", "filter.lfs.clean", "git-lfs clean -- %f")
    git(root, "config", "filter.lfs.process", "git-lfs filter-process")
    assert unfiltered(root) == ()
    git(root, "config", "filter.lfs.smudge", "cat /elsewhere")  # the lfs name alone is no pass
    assert unfiltered(root) == tuple(
        part
        for key in ("clean", "smudge", "process", "required")
        for part in ("-c", f"filter.lfs.{key}=" + ("false" if key == "required" else ""))
    )


def test_an_uncommitted_edit_in_a_submodule_is_refused_not_hidden_behind_its_commit(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    upstream = tmp_path / "vendored"
    upstream.mkdir()
    git(upstream, "init", "-q")
    (upstream / "helper.py").write_text("def g() -> int:\n    return 2\n")
    git(upstream, "add", "-A")
    git(upstream, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "helper")
    project = make_project(gates=LINT_ONLY)
    git(
        project.root,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "-q",
        "add",
        str(upstream),
        "demo/vendored",
    )
    project.commit()
    assert project.gates("lint")[0] == 0

    (project.root / "demo" / "vendored" / "helper.py").write_text("import os\n")
    code, out, err = project.gates("lint")

    assert "Traceback" not in err
    assert (code, out) == (2, "")
    assert err == (
        "gates: error: demo/vendored: a submodule with uncommitted changes (the tree id holds only"
        " its commit): commit or stash them in the submodule\n"
    )
    code, out, err = project.gates("decide")
    assert (code, out) == (2, "")
    assert err.startswith("gates: error: demo/vendored: a submodule with uncommitted changes")
