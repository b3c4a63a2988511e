"""Where `gates init` finds the project's name, version and Python: pyproject or setup.cfg."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import init_repo

from gates import config, init
from gates.cli import main
from gates.errors import ConfigError

BUILD_SYSTEM = (
    '[build-system]\nrequires = ["setuptools>=64", "setuptools-scm>=8"]\n'
    'build-backend = "setuptools.build_meta"\n'
)
SETUP_CFG = """\
[metadata]
name = demo-plugins
version = {version}
classifiers =
\tProgramming Language :: Python :: 3

[options]
packages = demo_plugins
python_requires = {python}
package_dir =
\t=src
"""


def _setuptools_project(root: Path, *, version: str = "1.4", python: str = ">=3.12") -> Path:
    (root / "pyproject.toml").write_text(BUILD_SYSTEM, encoding="utf-8")
    (root / "setup.cfg").write_text(SETUP_CFG.format(version=version, python=python))
    (root / "src/demo_plugins").mkdir(parents=True)
    (root / "src/demo_plugins/__init__.py").write_text("", encoding="utf-8")
    return root


def test_a_setuptools_project_declares_its_metadata_in_setup_cfg(tmp_path: Path) -> None:
    found = init.detect(_setuptools_project(tmp_path))
    assert (found.name, found.version, found.package, found.sources) == (
        "demo-plugins",
        "1.4",
        "demo_plugins",
        ("src/demo_plugins",),
    )
    assert found.pythons == ("3.12", "3.13")


@pytest.mark.parametrize("version", ["attr: demo_plugins.__version__", "file: VERSION"])
def test_a_version_setuptools_computes_reads_as_not_declared(tmp_path: Path, version: str) -> None:
    assert init.detect(_setuptools_project(tmp_path, version=version)).version is None


def test_project_in_pyproject_wins_over_setup_cfg(tmp_path: Path) -> None:
    _setuptools_project(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo-plugins"\nversion = "2.0"\n' + BUILD_SYSTEM
    )
    assert init.detect(tmp_path).version == "2.0"


def test_a_bad_python_requires_in_setup_cfg_names_the_file_and_key(tmp_path: Path) -> None:
    _setuptools_project(tmp_path, python=">=3.x")
    with pytest.raises(ConfigError) as raised:
        init.detect(tmp_path)
    assert str(raised.value) == (
        f"{tmp_path / 'setup.cfg'}: options.python_requires: not a version specifier: '>=3.x'"
    )


@pytest.mark.parametrize(
    "setup_cfg",
    ["[options]\npackages = demo_plugins\n", "[metadata\nname = x\n", b"[metadata]\nname = \xff\n"],
    ids=["no-name", "unparsable", "not-utf8"],
)
def test_a_setup_cfg_without_a_readable_name_is_the_missing_project_name(
    tmp_path: Path, setup_cfg: str | bytes
) -> None:
    _setuptools_project(tmp_path)
    file = tmp_path / "setup.cfg"
    if isinstance(setup_cfg, bytes):
        file.write_bytes(setup_cfg)
    else:
        file.write_text(setup_cfg)
    with pytest.raises(ConfigError) as raised:
        init.detect(tmp_path)
    assert (
        str(raised.value) == f"{tmp_path / 'pyproject.toml'}: project.name: required by gates init"
        " (in [project], [tool.poetry] or setup.cfg [metadata])"
    )


@pytest.mark.parametrize(
    ("pyproject", "tool"),
    [
        (
            '[build-system]\nrequires = ["setuptools>=64", "setuptools_scm[toml]>=8"]\n',
            "setuptools-scm",
        ),
        ('[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n', "hatch-vcs"),
        (
            '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n'
            '[tool.hatch.version.raw-options]\nlocal_scheme = "no-local-version"\n',
            None,
        ),
        (
            '[build-system]\nrequires = ["setuptools-scm"]\n'
            '[tool.setuptools_scm]\nlocal_scheme = "no-local-version"\n',
            None,
        ),
        ('[build-system]\nrequires = ["flit_core"]\n', None),
        ('[build-system]\nrequires = "hatch-vcs"\n[tool]\nsetuptools_scm = 3\n', None),
    ],
    ids=["setuptools-scm", "hatch-vcs", "hatch-no-local", "scm-no-local", "flit", "odd-types"],
)
def test_a_version_from_git_tags_that_builds_local_versions_is_noticed(
    tmp_path: Path, pyproject: str, tool: str | None
) -> None:
    _setuptools_project(tmp_path, version="attr: demo_plugins.__version__")
    (tmp_path / "pyproject.toml").write_text(pyproject)
    assert init.detect(tmp_path).git_version == tool


def test_gates_init_tells_a_setuptools_scm_project_its_gate_passes_on_a_tagged_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _setuptools_project(tmp_path, version="attr: demo_plugins.__version__")
    (tmp_path / "pyproject.toml").write_text(BUILD_SYSTEM)
    init_repo(tmp_path)
    assert main(["init", "--no-measure", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "note: package: the version comes from git tags (setuptools-scm): a commit after the "
        "last tag builds a local version (1.2.1.dev3+gabc1234) that the index refuses, so the "
        "package gate passes on a tagged commit: tag the release candidate before nox -s gates, "
        'or set local_scheme = "no-local-version"\n'
    ) in out


def test_a_setup_cfg_project_without_pyproject_gets_one_holding_its_gates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _setuptools_project(tmp_path)
    (tmp_path / "pyproject.toml").unlink()
    init_repo(tmp_path)
    assert main(["init", "--no-measure", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith(
        "found demo-plugins: src layout, package demo_plugins"
    )
    written = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert "build-system" not in written  # its build stays setuptools' own
    assert written["tool"]["gates"]["lint"]["paths"] == ["src/demo_plugins"]
    assert config.load(tmp_path).required == tuple(written["tool"]["gates"]["required"])
