"""Fault matrix: changelogs a careless or hostile project keeps, met by the package gate's
changelog check and by `gates init`.

Each case: the verdict (never a PASS for text that is not the version's section), the exact
finding or note, no traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import init_repo

from gates import dist, install_check, package
from gates.cli import main
from gates.config import PackageConfig
from gates.model import Status
from gates.tools import ToolRun

OK = ToolRun(argv=("x",), returncode=0, stdout="", stderr="", duration_s=0.1)


def _judge(file: str, text: str, version: str = "1.2.0") -> package.GateResult:
    wheel = dist.DistFile(
        f"demo-{version}-py3-none-any.whl", dist.WHEEL, "0" * 64, 10, version, modules=("demo",)
    )
    sdist = dist.DistFile(f"demo-{version}.tar.gz", dist.SDIST, "1" * 64, 10, version)
    evidence = package.PackageEvidence(
        dist_dir=".gates/dist/t",
        project_version=version,
        build=OK,
        files=(wheel, sdist),
        check=OK,
        installed=install_check.InstallCheck(install=OK, smoke=OK),
        changelog_file=file,
        changelog_text=text,
    )
    return package.judge(evidence, PackageConfig(changelog=file))


@pytest.mark.parametrize(
    ("file", "text", "version"),
    [
        ("CHANGES.rst", "Changes\n=======\n\nThe 1.2.0 release fixes it.\n", "1.2.0"),
        ("CHANGES.rst", "Changes since 1.2.0\n===================\n", "1.2.0"),
        ("CHANGES.rst", "1.2.0\n====\n", "1.2.0"),  # the underline is short
        ("CHANGES.rst", "## [1.2.0] - 2024-01-01\n", "1.2.0"),  # Markdown in an .rst file
        ("CHANGES.md", "1.2.0\n=====\n", "1.2.0"),  # an rst title in a .md file
        ("CHANGES.rst", "Version 1.2.0\n-------------\n", "1.2.0.post1"),
        ("CHANGES.rst", "Version 1.2.0\n-------------\n", "1.2.1"),
        ("CHANGES.rst", "\x00\ufeff1.2.0\x00\n=======\n", "1.2.0"),
        # A 5000-digit version: packaging raises ValueError, not InvalidVersion, for it.
        ("CHANGES.rst", "1" * 5000 + "\n" + "=" * 5000 + "\n", "1.2.0"),
        ("CHANGELOG.md", "## [" + "1" * 5000 + "]\n", "1.2.0"),
    ],
)
def test_text_that_is_not_the_versions_section_fails_the_gate(
    file: str, text: str, version: str
) -> None:
    result = _judge(file, text, version)
    assert result.status is Status.FAIL
    assert [f.message for f in result.findings] == [
        f"{file} has no section for {version} and no Unreleased section"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Version 1.2.0\r\n-------------\r\n\r\nReleased 2024-10-18\r\n",  # Windows line ends
        "\ufeffVersion 1.2.0\n-------------\n",  # a byte order mark before the first title
        "Changes\n=======\n\nunreleased\n----------\n",
    ],
)
def test_a_real_section_passes_whatever_the_line_ends_or_bom(text: str) -> None:
    assert _judge("CHANGES.rst", text).status is Status.PASS


def test_init_does_not_adopt_a_changelog_that_leads_out_of_the_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere.rst"
    outside.write_text("Version 1.0\n-----------\n")
    root = tmp_path / "mini"
    (root / "mini").mkdir(parents=True)
    (root / "mini/__init__.py").write_text("")
    (root / "pyproject.toml").write_text('[project]\nname = "mini"\nversion = "1.0"\n')
    (root / "CHANGES.rst").symlink_to(outside)
    init_repo(root)

    code = main(["init", "--no-measure", "--root", str(root)])
    out, err = capsys.readouterr()

    assert (code, err) == (0, "")
    assert "note: package: changelog check off (CHANGES.rst is a symlink out of the project)" in out
    written = (root / "pyproject.toml").read_text()
    assert tomllib.loads(written)["tool"]["gates"]["package"] == {"changelog": ""}
    assert "Traceback" not in out + err
