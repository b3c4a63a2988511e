"""``gates release prepare``: the version bump, the dated changelog, the release commit. Real git
repositories in tmp_path; no index is needed."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from release_support import CHANGELOG, gates_cli, git, make_project


def test_prepare_bumps_version_files_and_changelog_and_commits_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo")
    before = (root / "pyproject.toml").read_text()
    head = git(root, "rev-parse", "HEAD")

    code, out, err = gates_cli(capsys, root, "release", "prepare", "0.2.0", "--commit", "--json")

    assert code == 0, err
    result = json.loads(out)
    assert result["previous_tag"] == "v0.1.0"
    assert result["changed"] == ["pyproject.toml", "src/gates_demo/__init__.py", "CHANGELOG.md"]
    after = (root / "pyproject.toml").read_text()
    # tomlkit: exactly one line differs, the comment above it survives.
    assert after == before.replace('version = "0.1.0"', 'version = "0.2.0"')
    assert '__version__ = "0.2.0"' in (root / "src/gates_demo/__init__.py").read_text()
    today = datetime.date.today().isoformat()
    assert (root / "CHANGELOG.md").read_text() == CHANGELOG.replace(
        "## [Unreleased]\n", f"## [Unreleased]\n\n## [0.2.0] - {today}\n"
    )
    assert git(root, "rev-list", "--count", f"{head}..HEAD") == "1"
    assert git(root, "log", "-1", "--format=%s") == "Release 0.2.0"
    assert git(root, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("banana", "gates: error: 'banana' is not a PEP 440 version"),
        ("v0.3.0", "gates: error: 'v0.3.0' is not in normal form: use 0.3.0"),
        ("0.1.0", "gates: error: 0.1.0 is not greater than the last tag v0.1.0"),
        ("0.0.9", "gates: error: 0.0.9 is not greater than the last tag v0.1.0"),
    ],
)
def test_prepare_refuses_bad_versions_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], version: str, message: str
) -> None:
    root = make_project(tmp_path / "demo")
    code, out, err = gates_cli(capsys, root, "release", "prepare", version)
    assert (code, out, err) == (2, "", message + "\n")
    assert git(root, "status", "--porcelain") == ""


def test_prepare_commit_refuses_unrelated_edits_in_the_files_it_commits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo")
    stray_edit = (root / "CHANGELOG.md").read_text() + "\nstray edit\n"
    (root / "CHANGELOG.md").write_text(stray_edit)

    code, _out, err = gates_cli(capsys, root, "release", "prepare", "0.2.0", "--commit")

    assert code == 2
    assert err == (
        "gates: error: CHANGELOG.md has uncommitted changes: commit them first "
        "(the release commit holds only the release edits)\n"
    )
    assert (root / "CHANGELOG.md").read_text() == stray_edit


def test_prepare_refuses_an_empty_unreleased_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo")
    (root / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n"
    )
    git(root, "commit", "-qam", "empty changelog")

    code, _out, err = gates_cli(capsys, root, "release", "prepare", "0.2.0")

    assert code == 2
    assert (
        err == "gates: error: CHANGELOG.md: the Unreleased section is empty: nothing to release\n"
    )
    assert 'version = "0.1.0"' in (root / "pyproject.toml").read_text()  # nothing written


def test_prepare_leaves_a_dynamic_version_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo")
    pyproject = root / "pyproject.toml"
    dynamic = (
        pyproject.read_text().replace('version = "0.1.0"', 'dynamic = ["version"]')
        + '\n[tool.hatch.version]\nsource = "vcs"\n'
    )
    pyproject.write_text(dynamic)
    git(root, "commit", "-qam", "version from the tag")

    code, out, err = gates_cli(capsys, root, "release", "prepare", "0.2.0")

    assert code == 0, err
    assert out.splitlines() == [
        "prepared 0.2.0 (last tag: v0.1.0)",
        "  version is dynamic ([project].dynamic): pyproject.toml left alone",
        "  changed CHANGELOG.md",
    ]
    assert pyproject.read_text() == dynamic
    assert '__version__ = "0.1.0"' in (root / "src/gates_demo/__init__.py").read_text()


def test_prepare_refuses_a_restructuredtext_changelog_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Even with a Markdown-looking "## [Unreleased]" line in it: an .rst file is never rewritten.
    root = make_project(
        tmp_path / "demo", extra='[tool.gates.package]\nchangelog = "CHANGES.rst"\n'
    )
    (root / "CHANGES.rst").write_text("Unreleased\n==========\n\n## [Unreleased]\n\n- new\n")
    git(root, "add", "--all")
    git(root, "commit", "-qm", "rst changelog")

    code, out, err = gates_cli(capsys, root, "release", "prepare", "0.2.0", "--commit")

    assert (code, out) == (2, "")
    assert err == (
        "gates: error: CHANGES.rst: release prepare dates only a Markdown Keep a Changelog "
        "('## [Unreleased]'), not reStructuredText: date it by hand, or set "
        "[tool.gates.package] changelog to a Markdown file\n"
    )
    assert git(root, "status", "--porcelain") == ""
