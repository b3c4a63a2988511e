"""The package gate on a small real project: real build, twine, venv and smoke."""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from release_support import git, make_project

from gates import dist, install_check, package
from gates.cli import main
from gates.config import PackageConfig
from gates.model import Status
from gates.tools import ToolRun
from gates.workspace import Workspace

NO_ISOLATION = "\n[tool.gates.package]\nisolation = false\n"
"""For tests about judging, not building: the first test covers the default isolated build."""


def run_gate(
    root: Path, capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, dict[str, object]]:
    code = main(["package", "--root", str(root), "--json", *options])
    return code, json.loads(capsys.readouterr().out)


def test_builds_checks_installs_and_hashes_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo")

    code, result = run_gate(root, capsys)

    assert code == 0, result["summary"]
    assert result["status"] == "PASS"
    details = result["details"]
    assert isinstance(details, dict)
    folder = root / details["dist_dir"]
    assert folder == root / ".gates" / "dist" / str(result["tree"])
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert details["artifacts"] == on_disk
    assert sorted(on_disk) == ["gates_demo-0.1.0-py3-none-any.whl", "gates_demo-0.1.0.tar.gz"]
    assert details["version"] == "0.1.0"
    assert details["smoke_command"] == ["python", "-c", "import gates_demo"]
    # Built from the gated tree alone: .gates/ (earlier builds, results) never gets in, and the
    # same tree builds the same bytes.
    with tarfile.open(folder / "gates_demo-0.1.0.tar.gz") as sdist:
        assert sorted(sdist.getnames()) == [
            "gates_demo-0.1.0/CHANGELOG.md",
            "gates_demo-0.1.0/PKG-INFO",
            "gates_demo-0.1.0/README.md",
            "gates_demo-0.1.0/pyproject.toml",
            "gates_demo-0.1.0/src/gates_demo/__init__.py",
        ]
    installs = root / ".gates" / install_check.CACHE
    [venv] = [p for p in installs.iterdir() if p.is_dir()]
    code, again = run_gate(root, capsys, "--fresh")
    assert code == 0
    assert again["details"]["artifacts"] == details["artifacts"]  # type: ignore[index]
    # The wheel went into the same venv again: its requirements did not change.
    assert [p for p in installs.iterdir() if p.is_dir()] == [venv]
    # Building leaves the tree as it was: the result is not stale.
    assert main(["status", "--root", str(root), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["gate"], r["fresh"]) for r in rows] == [("package", True)]


def test_readme_that_does_not_render_fails_via_twine_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo", extra=NO_ISOLATION)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"README.md"', '"README.rst"'))
    (root / "README.rst").write_text("Demo\n====\n\n.. no-such-directive:: here\n")

    code, result = run_gate(root, capsys)

    assert code == 1
    assert result["status"] == "FAIL"
    messages = [f["message"] for f in result["findings"]]  # type: ignore[attr-defined]
    assert any(
        m.startswith("twine check: gates_demo-0.1.0")
        and "`long_description` has syntax errors in markup" in m
        for m in messages
    ), messages


def test_metadata_the_index_would_refuse_fails_although_build_and_twine_accept_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo", extra=NO_ISOLATION)
    pyproject = root / "pyproject.toml"
    private = 'requires-python = ">=3.11"\nclassifiers = ["Private :: Do Not Upload"]'
    pyproject.write_text(pyproject.read_text().replace('requires-python = ">=3.11"', private))

    code, result = run_gate(root, capsys)

    assert code == 1
    assert result["summary"] == (
        "the index would refuse gates_demo-0.1.0-py3-none-any.whl, gates_demo-0.1.0.tar.gz: "
        "classifier 'Private :: Do Not Upload' is private: the index refuses every upload with it"
    )
    assert [f["rule"] for f in result["findings"]] == ["index"]  # type: ignore[attr-defined]


def test_missing_changelog_section_and_failing_smoke_fail_the_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        tmp_path / "demo",
        extra="""
        [tool.gates.package]
        smoke = "python -c 'import gates_demo, sys; sys.exit(gates_demo.hello() != \\"hi\\")'"
        isolation = false
        """,
    )
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## [0.0.9] - 2025-01-01\n- old\n")

    code, result = run_gate(root, capsys)

    assert code == 1
    assert [f["message"] for f in result["findings"]] == [  # type: ignore[attr-defined]
        "CHANGELOG.md has no section for 0.1.0 and no Unreleased section",
        "smoke command exited 1: no output",
    ]
    assert result["summary"] == (
        "CHANGELOG.md has no section for 0.1.0 and no Unreleased section (+1 more)"
    )


def test_a_restructuredtext_changelog_backs_the_check_by_its_titles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        tmp_path / "demo",
        extra='[tool.gates.package]\nchangelog = "CHANGES.rst"\nisolation = false\n',
    )
    changes = root / "CHANGES.rst"
    # The version in prose and under a short underline: neither is its section.
    changes.write_text(
        "Version 0.2.0\n-------------\n\nUnreleased, after 0.1.0.\n\n0.1.0\n----\n\n- First.\n"
    )
    git(root, "add", "--all")
    git(root, "commit", "-qm", "changes")

    code, result = run_gate(root, capsys)

    assert (code, result["summary"]) == (
        1,
        "CHANGES.rst has no section for 0.1.0 and no Unreleased section",
    )
    changes.write_text(changes.read_text().replace("0.1.0\n----\n", "0.1.0\n-----\n"))
    git(root, "commit", "-qam", "full underline")

    code, result = run_gate(root, capsys)

    assert (code, result["details"]["changelog_section"]) == (0, "0.1.0")  # type: ignore[index]


def test_the_smoke_imports_the_installed_wheel_not_the_source_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A module the wheel leaves out: importable from the source tree, not from the wheel.
    root = make_project(
        tmp_path / "demo",
        extra="""
        [tool.gates.package]
        smoke = ["python", "-c", "import gates_demo.extra"]
        changelog = ""
        isolation = false
        """,
    )
    (root / "src" / "gates_demo" / "extra.py").write_text("X = 1\n")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'packages = ["src/gates_demo"]',
            'packages = ["src/gates_demo"]\nexclude = ["src/gates_demo/extra.py"]',
        )
    )
    git(root, "add", "--all")

    code, result = run_gate(root, capsys)

    assert code == 1
    assert "changelog_section" not in result["details"]  # type: ignore[operator]
    [finding] = result["findings"]  # type: ignore[misc]
    assert finding["message"].startswith("smoke command exited 1: ModuleNotFoundError")


def test_a_dynamic_version_is_read_from_the_built_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo", extra=NO_ISOLATION)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('version = "0.1.0"', 'dynamic = ["version"]')
        + '\n[tool.hatch.version]\npath = "src/gates_demo/__init__.py"\n'
    )
    git(root, "commit", "-qam", "version from __init__")

    code, result = run_gate(root, capsys)

    assert code == 0, result["summary"]
    assert result["details"]["version"] == "0.1.0"  # type: ignore[index]
    assert result["details"]["changelog_section"] == "0.1.0"  # type: ignore[index]


def _setuptools(root: Path, version: str) -> None:
    """The demo project built by setuptools, its version ``version`` (a pyproject table)."""
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text().replace('version = "0.1.0"', 'dynamic = ["version"]')
    backend = 'requires = ["setuptools>=64", "setuptools-scm>=8"]'
    text = text.replace('requires = ["hatchling"]', backend)
    text = text.replace("hatchling.build", "setuptools.build_meta")
    pyproject.write_text(text.replace("[tool.gates]", f"{version}\n\n[tool.gates]"))
    git(root, "add", "--all")
    git(root, "commit", "-qm", "setuptools")
    git(root, "tag", "-f", "-a", "v0.1.0", "-m", "Release 0.1.0")


def test_a_version_from_git_is_read_as_in_place_and_the_index_is_not_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo", extra=NO_ISOLATION)
    _setuptools(root, "[tool.setuptools_scm]")
    index = (root / ".git" / "index").read_bytes()

    code, result = run_gate(root, capsys)

    assert code == 0, result["summary"]
    assert result["details"]["version"] == "0.1.0"  # type: ignore[index]
    assert (root / ".git" / "index").read_bytes() == index
    (root / "src" / "gates_demo" / "__init__.py").write_text('"""Edited."""\n')
    version = run_gate(root, capsys)[1]["details"]["version"]  # type: ignore[index]
    assert version.startswith("0.1.1.dev0+g") and ".d2" in version  # dirty, as in place


def test_a_tracked_egg_info_is_not_rewritten_by_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Else the tree id changes under the gates' feet and every result reads as stale."""
    root = make_project(tmp_path / "demo", extra=NO_ISOLATION)
    sources = root / "src" / "gates_demo.egg-info" / "SOURCES.txt"
    sources.parent.mkdir()
    sources.write_text("committed long ago\n")
    _setuptools(root, '[tool.setuptools.dynamic]\nversion = { attr = "gates_demo.__version__" }')

    code, result = run_gate(root, capsys)

    assert code == 0, result["summary"]
    assert sources.read_text() == "committed long ago\n"
    assert git(root, "status", "--porcelain", "--untracked-files=no") == ""


def test_bad_package_config_names_file_key_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo", extra="\n[tool.gates.package]\nsmoek = 'x'\n")

    assert main(["package", "--root", str(root)]) == 2

    assert capsys.readouterr().err == (
        "gates: error: pyproject.toml:20: tool.gates.package.smoek: unknown key\n"
    )


def _run(code: int = 0, out: str = "") -> ToolRun:
    return ToolRun(argv=("x",), returncode=code, stdout=out, stderr="", duration_s=0.1)


def _file(name: str, version: str) -> dist.DistFile:
    kind = dist.WHEEL if name.endswith(".whl") else dist.SDIST
    modules = ("demo",) if kind == dist.WHEEL else ()
    return dist.DistFile(name, kind, "0" * 64, 10, version, modules=modules)


def test_judge_flags_metadata_version_that_is_not_the_project_version() -> None:
    evidence = package.PackageEvidence(
        dist_dir=".gates/dist/t",
        project_version="0.2.0",
        build=_run(),
        files=(_file("demo-0.2.0-py3-none-any.whl", "0.2.0"), _file("demo-0.2.0.tar.gz", "0.2")),
        check=_run(),
        installed=install_check.InstallCheck(install=_run(), smoke=_run()),
        changelog_file="CHANGELOG.md",
        changelog_text="## [Unreleased]\n",
    )
    assert package.judge(evidence, PackageConfig()).status is Status.PASS  # 0.2 == 0.2.0

    tampered = package.PackageEvidence(
        **{**evidence.__dict__, "files": (_file("demo-0.2.0-py3-none-any.whl", "0.2.1"),)}
    )
    result = package.judge(tampered, PackageConfig())

    assert result.status is Status.FAIL
    assert [f.message for f in result.findings] == [
        "no sdist was built",
        "demo-0.2.0-py3-none-any.whl: metadata version 0.2.1 != 0.2.0 ([project].version)",
    ]


def test_judge_reports_a_failed_build_with_its_last_line() -> None:
    evidence = package.PackageEvidence(
        dist_dir=".gates/dist/t",
        project_version="1.0",
        build=_run(1, "building...\nERROR Backend subprocess exited"),
    )
    result = package.judge(evidence, PackageConfig())
    assert result.status is Status.FAIL
    assert result.summary == "python -m build failed: ERROR Backend subprocess exited"


def test_a_failed_build_is_summarised_by_the_backends_own_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo", extra=NO_ISOLATION)
    pyproject = root / "pyproject.toml"
    unknown = 'requires-python = ">=3.11"\nclassifiers = ["Topic :: Nope"]'
    pyproject.write_text(pyproject.read_text().replace('requires-python = ">=3.11"', unknown))

    code, result = run_gate(root, capsys)

    assert (code, result["summary"]) == (
        1,
        "python -m build failed: ValueError: Unknown classifier in field `project.classifiers`: "
        "Topic :: Nope",
    )


def test_without_uv_the_venv_comes_from_python_m_venv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "demo", extra=NO_ISOLATION)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # git stays, uv goes
    assert shutil.which("uv") is None

    code, result = run_gate(root, capsys)

    assert code == 0, result["summary"]
    assert result["status"] == "PASS"


def test_judge_reports_install_failures_and_unimportable_wheels() -> None:
    wheel = dist.DistFile("demo-1.0-py3-none-any.whl", dist.WHEEL, "0" * 64, 1, "1.0")
    sdist = _file("demo-1.0.tar.gz", "1.0")
    base = package.PackageEvidence(
        dist_dir="d", project_version="1.0", build=_run(), files=(wheel, sdist), check=_run()
    )
    no_module = package.judge(base, PackageConfig(changelog=None))
    assert [f.message for f in no_module.findings] == [
        "the wheel has no importable module to smoke"
    ]
    broken = package.PackageEvidence(
        **{
            **base.__dict__,
            "installed": install_check.InstallCheck(
                install=_run(1, "ERROR: No matching distribution for nothing"), smoke=None
            ),
        }
    )
    assert [f.message for f in package.judge(broken, PackageConfig(changelog=None)).findings] == [
        "the wheel does not install: ERROR: No matching distribution for nothing"
    ]
    twine = package.PackageEvidence(**{**base.__dict__, "check": _run(1, "boom")})
    assert package.judge(twine, PackageConfig(changelog=None, smoke=("true",))).summary == (
        "twine check failed: boom"
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[tool.gates.package]\nsmoke = ""\n', "tool.gates.package.smoke: empty command"),
        (
            '[tool.gates.package]\nsmoke = "python -c \'x"\n',
            "tool.gates.package.smoke: cannot split command: No closing quotation",
        ),
        (
            '[tool.gates.release]\nrepository_url = "ftp://host/"\n',
            "tool.gates.release.repository_url: expected an http(s) URL, got 'ftp://host/'",
        ),
        (
            "[tool.gates.release]\nremote = 1\n",
            "tool.gates.release.remote: expected a string, got an integer",
        ),
    ],
)
def test_package_and_release_config_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str
) -> None:
    root = make_project(tmp_path / "demo", extra="\n" + toml)

    assert main(["status", "--root", str(root)]) == 2

    err = capsys.readouterr().err
    assert err.startswith("gates: error: pyproject.toml:")
    assert err.rstrip("\n").endswith(message)


def test_an_unchanged_package_is_reused_while_its_built_files_are_as_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo", extra=NO_ISOLATION)
    code, built = run_gate(root, capsys)
    assert code == 0, built["summary"]

    code = main(["package", "--root", str(root)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.endswith(
        f"package: reused result from {built['started_at']} (--fresh runs it again)\n"
    )

    # release publish uploads exactly these files: one gone, the gate builds them again.
    wheel = root / ".gates" / "dist" / str(built["tree"]) / "gates_demo-0.1.0-py3-none-any.whl"
    wheel.unlink()
    code = main(["package", "--root", str(root)])
    captured = capsys.readouterr()
    assert code == 0
    assert "reused result" not in captured.out
    assert captured.err == "gates: package: not reused: the files its run left changed\n"
    assert wheel.is_file()


def test_a_dist_folder_that_cannot_be_replaced_is_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "demo", extra=NO_ISOLATION)
    workspace = Workspace.at(root)
    target = package.dist_dir(workspace, workspace.tree_id())
    target.parent.mkdir(parents=True)
    target.write_text("not a folder\n")  # what rmtree cannot take away

    code = main(["package", "--root", str(root)])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"gates: error: {target}: cannot replace it with the new build: ")
    assert "Traceback" not in err
    recorded = json.loads((root / ".gates" / "results" / "package.json").read_text())
    assert recorded["status"] == "ERROR"
    assert target.read_text() == "not a folder\n"
