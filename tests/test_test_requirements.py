"""Test requirements found wherever a project declares them (read only, nothing installed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gates.errors import ConfigError
from gates.test_requirements import Style, discover

NAME = '[project]\nname = "demo"\nversion = "1"\n'


def _project(root: Path, pyproject: str = "", files: dict[str, str] | None = None) -> Path:
    (root / "pyproject.toml").write_text(NAME + pyproject, encoding="utf-8")
    for relative, text in (files or {}).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_nothing_declared(tmp_path: Path) -> None:
    found = discover(_project(tmp_path))
    assert found.chosen is None
    assert found.install_args() == ("-e", ".")
    assert found.describe().startswith("none declared (dependency group, extra, Hatch")


def test_dependency_group_with_an_included_group(tmp_path: Path) -> None:
    groups = (
        '[dependency-groups]\ncov = ["coverage"]\nTest = ["pytest>=8", {include-group = "cov"}]\n'
    )
    found = discover(_project(tmp_path, groups))
    assert found.chosen is not None and found.chosen.source.style is Style.DEPENDENCY_GROUP
    assert found.install_args() == ("-e", ".", "pytest>=8", "coverage")
    assert found.noxfile_items() == (
        '"-e"',
        '"."',
        '*nox.project.dependency_groups(PYPROJECT, "Test")',
    )


def test_a_test_extra_wins_over_a_dev_group(tmp_path: Path) -> None:
    pyproject = (
        '[project.optional-dependencies]\ntesting = ["pytest"]\n'
        '[dependency-groups]\ndev = ["ruff"]\n'
    )
    found = discover(_project(tmp_path, pyproject))
    assert found.install_args() == ("-e", ".[testing]")
    assert [str(s) for s in found.also_found] == ["pyproject.toml [dependency-groups] dev"]


def test_tox_deps_with_a_requirements_file_and_a_reference(tmp_path: Path) -> None:
    tox = (
        "[base]\ndeps = pytest-xdist  # parallel\n"
        "[testenv]\nextras = toml\ndeps =\n"
        "    -r{toxinidir}/requirements/tests.txt\n    {[base]deps}\n"
        "    py38: importlib-metadata\n    {env:EXTRA}\n    -e .\n"
    )
    found = discover(_project(tmp_path, files={"tox.ini": tox, "requirements/tests.txt": "x\n"}))
    assert found.chosen is not None and str(found.chosen.source) == "tox.ini [testenv]"
    assert found.install_args() == (
        "-e", ".[toml]", "-r", "requirements/tests.txt", "pytest-xdist",
    )  # fmt: skip
    assert found.chosen.notes == (
        "tox.ini: [testenv] deps: 'py38: importlib-metadata' left out: factor-conditional "
        "(which factors apply is tox's choice)",
        "tox.ini: [testenv] deps: '{env:EXTRA}' left out: a tox substitution gates cannot expand",
    )
    assert found.also_found == ()  # the file tox reads is not a second declaration


def test_requirements_dev_file(tmp_path: Path) -> None:
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    found = discover(_project(tmp_path))
    assert found.install_args() == ("-e", ".", "-r", "requirements-dev.txt")
    assert found.chosen is not None and found.chosen.source.style is Style.REQUIREMENTS_FILE


def test_a_requirements_file_in_the_test_folder_wins_over_a_dev_file(tmp_path: Path) -> None:
    """packaging 24.1 keeps its test requirements (pretend, pytest) in tests/requirements.txt."""
    files = {"tests/requirements.txt": "pretend\npytest\n", "requirements-dev.txt": "nox\n"}
    found = discover(_project(tmp_path, files=files))
    assert found.install_args() == ("-e", ".", "-r", "tests/requirements.txt")


def test_hatch_test_env_inherits_default_dependencies(tmp_path: Path) -> None:
    hatch = (
        '[tool.hatch.envs.default]\ndependencies = ["pytest", "coverage"]\n'
        '[tool.hatch.envs.test]\nextra-dependencies = ["pytest-mock"]\nfeatures = ["yaml"]\n'
    )
    found = discover(_project(tmp_path, hatch))
    assert found.install_args() == ("-e", ".[yaml]", "pytest", "coverage", "pytest-mock")
    assert [str(s) for s in found.also_found] == ["pyproject.toml [tool.hatch.envs.default]"]


def test_hatch_toml_and_context_formatting(tmp_path: Path) -> None:
    (tmp_path / "hatch.toml").write_text(
        '[envs.default]\ndependencies = ["pytest", "demo-plugin @ {root:uri}/plugin"]\n'
    )
    found = discover(_project(tmp_path))
    assert found.install_args() == ("-e", ".", "pytest")
    assert found.chosen is not None and found.chosen.notes == (
        "hatch.toml: envs.default: 'demo-plugin @ {root:uri}/plugin' left out: "
        "Hatch context formatting is not expanded",
    )


def test_a_marker_s_quotes_stay_inside_the_noxfile_string(tmp_path: Path) -> None:
    marked = 'trustme>=0.9; python_version < "3.13"'
    found = discover(_project(tmp_path, f"[tool.pdm.dev-dependencies]\ntest = [{marked!r}]\n"))
    assert [ast.literal_eval(item) for item in found.noxfile_items()] == ["-e", ".", marked]


def test_pdm_dev_dependencies(tmp_path: Path) -> None:
    pdm = '[tool.pdm.dev-dependencies]\nlint = ["ruff"]\ntest = ["pytest>=7", "-e file:///${PROJECT_ROOT}/x"]\n'
    found = discover(_project(tmp_path, pdm))
    assert found.install_args() == ("-e", ".", "pytest>=7")
    assert found.chosen is not None and found.chosen.source.style is Style.PDM


def test_poetry_group_translated_to_pep_440(tmp_path: Path) -> None:
    poetry = (
        "[tool.poetry.group.test.dependencies]\n"
        'pytest = "^7.2"\nhypothesis = { version = "~6.1.3", extras = ["cli"] }\n'
        'legacy = { version = "^0.0.3", python = "<3.12" }\n'
        'odd = "1.0 || 2.0"\nmine = { path = "../mine" }\n'
        '[tool.poetry.dev-dependencies]\nblack = "*"\n'
    )
    found = discover(_project(tmp_path, poetry))
    assert found.install_args() == (
        "-e", ".", "pytest>=7.2,<8", "hypothesis[cli]>=6.1.3,<6.2",
        'legacy>=0.0.3,<0.0.4; (python_full_version < "3.12")', "odd",
    )  # fmt: skip
    assert found.chosen is not None and found.chosen.notes == (
        "pyproject.toml: tool.poetry.group.test.dependencies: odd: '||' (either range) has no "
        "PEP 440 spelling: version left free",
        "pyproject.toml: tool.poetry.group.test.dependencies: mine: a path source is not a "
        "version on an index: left out",
    )
    assert [str(s) for s in found.also_found] == ["pyproject.toml [tool.poetry.dev-dependencies]"]


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        (
            '[dependency-groups]\ntest = [{include-group = "test"}]\n',
            "pyproject.toml: dependency-groups.test: includes itself (through test)",
        ),
        (
            '[dependency-groups]\ntest = ["pytest >= oops"]\n',
            "pyproject.toml: dependency-groups.test: 'pytest >= oops': not a PEP 508 requirement",
        ),
        (
            '[tool.hatch.envs.test]\ndependencies = "pytest"\n',
            "pyproject.toml: tool.hatch.envs.test.dependencies: expected a list of requirement",
        ),
        (
            "[tool.poetry]\ngroup = 3\n",
            "pyproject.toml: tool.poetry.group: expected a table, found int",
        ),
    ],
)
def test_unreadable_declarations_name_file_and_key(
    tmp_path: Path, pyproject: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        discover(_project(tmp_path, pyproject))
    assert str(raised.value).startswith(message)


def test_tox_reference_cycle_and_bad_ini_are_config_errors(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "tox.ini").write_text("[testenv]\ndeps = {[testenv]deps}\n")
    with pytest.raises(ConfigError, match=r"^tox.ini: \[testenv\] deps: \{\[...\]\} references"):
        discover(root)
    (root / "tox.ini").write_text("deps = x\n")
    with pytest.raises(ConfigError, match=r"^tox\.ini: not an ini file: File contains no section"):
        discover(root)
