"""`gates init` on small fixture projects, and the templates against this repository's files."""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import corpus_support
import nox
import pytest
from conftest import CLEAN_MODULE, Project, git, init_repo, source_coverage_reads

from gates import __version__, chain, config, init, init_measure, release_source, templates
from gates.cli import main

REPO = Path(__file__).resolve().parent.parent

SRC_PYPROJECT = """\
# The demo project: comments and layout survive gates init.
[project]
name = "demo-lib"
version = "1.0.0"
requires-python = ">=3.11"
optional-dependencies = { test = ["pytest"] }

[tool.ruff]
line-length = 99   # kept

[tool.coverage.run]
branch = true
source = ["src/demo_lib"]
"""


@pytest.fixture(scope="session")
def release_gates_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout as a wheel, built once: a measuring venv installs it in a second."""
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        ["uv", "build", "--wheel", "-q", "--out-dir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return next(out.glob("release_gates-*.whl"))


@pytest.fixture
def from_wheel(release_gates_wheel: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Sessions, and so init's measuring venv, install release-gates from that wheel."""
    requirement = f"release-gates[tools,smoke] @ {release_gates_wheel.as_uri()}"
    monkeypatch.setenv(chain.RELEASE_GATES_ENV, requirement)
    return requirement


def _src_project(root: Path) -> None:
    """A src-layout project whose tests cover half of its code, with one lint finding."""
    files = {
        "pyproject.toml": SRC_PYPROJECT,
        ".gitignore": "dist/",
        "src/demo_lib/__init__.py": "import os\n\n"
        + CLEAN_MODULE
        + ("\n\ndef unused(a: int) -> int:\n    if a > 0:\n        return a\n    return -a\n"),
        "tests/test_demo.py": (
            "from demo_lib import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
        ),
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    init_repo(root)


def _run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["init", *args, "--root", str(root)])
    out, err = capsys.readouterr()
    return code, out, err


def test_detects_src_layout_package_tests_and_tools(tmp_path: Path) -> None:
    _src_project(tmp_path)
    project = init.detect(tmp_path)
    assert (project.name, project.package) == ("demo-lib", "demo_lib")
    assert project.sources == ("src/demo_lib",)
    assert project.src_layout and project.tests == "tests"
    assert project.install == ('"-e"', '".[test]"')
    assert project.pythons == ("3.11", "3.12", "3.13")
    assert project.ruff_configured and project.coverage_configured
    assert not project.mypy_configured


def test_detects_flat_layout_and_dependency_group(make_project: Callable[..., Project]) -> None:
    project = make_project(files={"demo/__init__.py": CLEAN_MODULE, "testing/test_x.py": ""})
    text = (project.root / "pyproject.toml").read_text()
    (project.root / "pyproject.toml").write_text(text + '\n[dependency-groups]\ndev = ["pytest"]\n')
    found = init.detect(project.root)
    assert (found.package, found.sources, found.src_layout, found.tests) == (
        "demo",
        ("demo",),
        False,
        "testing",
    )
    assert found.mypy_configured  # [tool.mypy] in the fixture's pyproject
    assert found.install[-1] == '*nox.project.dependency_groups(PYPROJECT, "dev")'


@pytest.mark.parametrize(
    ("files", "configured"),
    [
        ({"tox.ini": "[coverage:run]\nsource = demo\n"}, True),
        ({"setup.cfg": "[coverage:report]\nshow_missing = true\n"}, True),
        ({".coveragerc": "[run]\nbranch = true\n"}, True),
        ({"tox.ini": "[testenv]\ncommands = pytest\n"}, False),
        ({"setup.cfg": "[metadata]\nname = demo\n"}, False),
    ],
)
def test_coverage_settings_are_found_where_coverage_py_reads_them(
    make_project: Callable[..., Project], files: dict[str, str], configured: bool
) -> None:
    """Settings in tox.ini count as coverage.py reads them: gates init then keeps their scope."""
    project = make_project(files={"demo/__init__.py": CLEAN_MODULE, **files})
    found = init.detect(project.root)
    assert found.coverage_configured is configured
    assert found.keeps_coverage_scope is (configured and "source" in "".join(files.values()))


def test_detects_a_poetry_project_without_a_project_table(tmp_path: Path) -> None:
    """Poetry before 2 keeps name, version and Python in [tool.poetry]."""
    pyproject = (
        '[tool.poetry]\nname = "demo-lib"\nversion = "2.0"\n'
        '[tool.poetry.dependencies]\npython = "^3.12"\n'
        '[tool.poetry.dev-dependencies]\npytest = "^8.1"\n'
    )
    _minimal(tmp_path, pyproject, {"demo_lib/__init__.py": ""})
    found = init.detect(tmp_path)
    assert (found.name, found.version, found.package) == ("demo-lib", "2.0", "demo_lib")
    assert found.pythons == ("3.12", "3.13")
    assert found.install == ('"-e"', '"."', '"pytest>=8.1,<9"')


@pytest.mark.parametrize(
    ("files", "found"),
    [
        (
            {"src/demo_lib.py": "", "src/test_demo_lib.py": ""},
            (("src/demo_lib.py",), True, "src"),
        ),
        ({"demo_lib.py": "", "tests/test_x.py": ""}, (("demo_lib.py",), False, "tests")),
        ({"src/demo_lib.py": ""}, (("src/demo_lib.py",), True, None)),
    ],
    ids=["src-tests-beside", "flat-tests-folder", "src-no-tests"],
)
def test_detects_a_distribution_of_one_module(
    tmp_path: Path, files: dict[str, str], found: tuple[tuple[str], bool, str | None]
) -> None:
    """typing_extensions, six: no package folder, one module named as the project."""
    _minimal(tmp_path, '[project]\nname = "demo-lib"\n', files)
    project = init.detect(tmp_path)
    assert (project.package, (project.sources, project.src_layout, project.tests)) == (
        "demo_lib",
        found,
    )
    assert project.describe().startswith(
        f"demo-lib: {'src' if found[1] else 'flat'} layout, module demo_lib in {found[0][0]}, "
    )


def test_every_package_a_distribution_ships_is_gated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """attrs ships `attr` and `attrs`: gating the one named as the project let an unused import
    and a type error in the other through to a GO."""
    files = {"src/attrs/__init__.py": "", "src/attr/__init__.py": "", "tests/test_x.py": ""}
    _minimal(tmp_path, '[project]\nname = "attrs"\n', files)
    found = init.detect(tmp_path)
    assert (found.package, found.sources) == ("attrs", ("src/attrs", "src/attr"))
    assert "package attrs in src/attrs/, package attr in src/attr/, tests in tests/" in (
        found.describe()
    )
    code, _, err = _run(capsys, tmp_path, "--no-measure")
    assert (code, err) == (0, "")
    written = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]
    assert written["gates"]["lint"]["paths"] == ["src/attrs", "src/attr", "tests"]
    assert written["gates"]["typecheck"]["paths"] == ["src/attrs", "src/attr"]
    assert written["coverage"]["run"]["source"] == ["src/attrs", "src/attr"]


@pytest.mark.parametrize(
    ("name", "files", "found"),
    [
        # jaraco.functools 4.6.0: jaraco/ has no __init__.py, other distributions add to it.
        ("jaraco.functools", {"jaraco/functools/__init__.py": "", "test_functools.py": ""},
         ("jaraco.functools", ("jaraco/functools",), None)),
        ("acme-cloud-store", {"src/acme/cloud/store/__init__.py": "", "tests/test_x.py": ""},
         ("acme.cloud.store", ("src/acme/cloud/store",), "tests")),
        # toolz 1.2.0: its tests are a subpackage, found by its pytest testpaths.
        ("toolz", {"toolz/__init__.py": "", "toolz/tests/__init__.py": "", "tlz/__init__.py": ""},
         ("toolz", ("toolz", "tlz"), "toolz/tests")),
    ],
    ids=["namespace", "src-namespace-two-deep", "tests-in-the-package"],
)  # fmt: skip
def test_detects_namespace_packages_and_tests_inside_the_package(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    files: dict[str, str],
    found: tuple[str, tuple[str, ...], str | None],
) -> None:
    _minimal(tmp_path, f'[project]\nname = "{name}"\n', files)
    project = init.detect(tmp_path)
    assert (project.package, project.sources, project.tests) == found
    code, _, err = _run(capsys, tmp_path, "--no-measure")
    assert (code, err) == (0, "")
    written = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]
    # The tests inside a package are linted with it, not twice.
    assert written["gates"]["lint"]["paths"] == [
        *found[1],
        *(["tests"] if found[2] == "tests" else []),
    ]
    assert written["gates"]["typecheck"]["paths"] == list(found[1])


def test_namespace_folder_with_an_init_is_a_package_not_a_namespace(tmp_path: Path) -> None:
    files = {"jaraco/__init__.py": "", "jaraco/functools/__init__.py": ""}
    _minimal(tmp_path, '[project]\nname = "jaraco.functools"\n', files)
    assert init.detect(tmp_path).sources == ("jaraco",)


@pytest.mark.slow
def test_tests_only_the_projects_pytest_settings_find_are_measured(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    from_wheel: str,
) -> None:
    """A namespace package tested by a module at the root and by doctests (jaraco.functools'
    pytest.ini: --doctest-modules): init measured nothing ("no test folder"), so coverage was
    never required and an untested module passed. Run as `gates init --root REL`, which sent
    the measuring venv's gates to REL/REL."""
    files = {
        "acme/tools/__init__.py": (
            'def double(x: int) -> int:\n    """\n    >>> double(2)\n    4\n    """\n'
            "    return x * 2\n\n\ndef half(x: int) -> int:\n    return x // 2\n"
        ),
        "test_tools.py": (
            "from acme.tools import half\n\n\ndef test_half():\n    assert half(4) == 2\n"
        ),
        "pytest.ini": "[pytest]\naddopts = --doctest-modules --import-mode importlib\n"
        "consider_namespace_packages = true\n",
    }
    pyproject = INSTALLABLE.replace('name = "mini"', 'name = "acme.tools"')
    pyproject += '[tool.hatch.build.targets.wheel]\npackages = ["acme"]\n'
    _minimal(tmp_path / "acme-tools", pyproject, files)
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, Path("acme-tools"))
    assert (code, err) == (0, ""), out
    gates = tomllib.loads((tmp_path / "acme-tools/pyproject.toml").read_text())["tool"]["gates"]
    assert gates["required"] == ["lint", "typecheck", "coverage", "buckets", "package"]
    assert gates["coverage"]["min_total"] == 100  # the doctest and the root module's test


def test_init_measures_and_writes_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], from_wheel: str
) -> None:
    _src_project(tmp_path)
    code, out, err = _run(capsys, tmp_path)
    assert (code, err) == (0, "")
    assert out.startswith(
        "found demo-lib: src layout, package demo_lib in src/demo_lib/, tests in tests/; "
        "ruff settings, no mypy settings (mypy defaults apply), coverage settings\n"
    )
    for path in ("noxfile.py", ".github/workflows/gates.yml", "smoke.toml", "pyproject.toml"):
        assert f"wrote {path}" in out
    # Whatever coverage.py measured today, rounded down, is the threshold.
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    gates = document["tool"]["gates"]
    measured = gates["coverage"]["min_total"]
    assert isinstance(measured, int) and 30 <= measured < 100
    assert f"coverage.min_total = {measured}" in out
    # No CHANGELOG.md: the package gate's changelog check starts switched off.
    assert gates["package"] == {"changelog": ""}
    assert "note: package: changelog check off (no CHANGELOG.md)" in out
    # The unused import is today's finding: kept in a baseline so adoption starts green.
    assert gates["lint"]["baseline"] == init.LINT_BASELINE
    assert (tmp_path / init.LINT_BASELINE).is_file()
    assert "note: lint: 1 findings today" in out
    assert main(["lint", "--root", str(tmp_path)]) == 0
    # The rest of pyproject.toml is preserved byte for byte, comments included.
    assert (tmp_path / "pyproject.toml").read_text().startswith(SRC_PYPROJECT)
    gitignore = (tmp_path / ".gitignore").read_text()
    assert gitignore == (
        "dist/\n# release-gates results and evidence\n.gates/\n"
        "# setuptools' editable installs\n*.egg-info/\n"
    )
    noxfile = (tmp_path / "noxfile.py").read_text()
    assert 'PROJECT = ["-e", ".[test]"]' in noxfile
    compile(noxfile, "noxfile.py", "exec")
    smoke = tomllib.loads((tmp_path / "smoke.toml").read_text())
    assert smoke["steps"][0]["command"] == ["python", "-c", "import demo_lib"]


PINNED_BELOW_RELEASE_GATES = """\
import packaging
import pytest

import mini


def test_x():
    assert (packaging.__version__, pytest.__version__[:2]) == ("24.0", "7.")
    assert mini.X == 1
    assert mini.size(-1) == 1
"""


def test_pins_that_conflict_with_release_gates_own_are_measured_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], from_wheel: str
) -> None:
    """itsdangerous 2.2.0 pins packaging==24.0 for its tests, cleo pytest<8 (release-gates needs
    packaging>=24.2, pytest>=8): the project's environment holds the pins, release-gates' own
    environment, beside it, its dependencies."""
    files = {
        "pyproject.toml": '[project]\nname = "mini"\nversion = "1.0"\n'
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
        # Coverage settings of its own, without branch: measured with branches all the same,
        # as `gates tests` will measure it (the branch not taken here is the only gap).
        "mini/__init__.py": "X = 1\n\n\ndef size(x):\n    if x < 0:\n        x = -x\n"
        "    return x\n",
        ".coveragerc": "[run]\nsource = mini\n",
        "requirements-dev.txt": "packaging==24.0\npytest<8\n",
        "tests/test_x.py": PINNED_BELOW_RELEASE_GATES,
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    init_repo(tmp_path)
    code, out, err = _run(capsys, tmp_path)
    assert (code, err) == (0, "")
    assert "coverage.min_total = 85" in out  # 6 of 5 statements + 2 branches (100 without)
    assert (
        "note: measured in a fresh uv venv, Python "
        f"{'.'.join(map(str, sys.version_info[:3]))}: -e . -r requirements-dev.txt pytest "
        f"coverage; release-gates beside it: {from_wheel}\n"
    ) in out
    noxfile = (tmp_path / "noxfile.py").read_text()
    assert 'PROJECT = ["-e", ".", "-r", "requirements-dev.txt"]' in noxfile
    assert "    project=PROJECT,\n" in noxfile


def test_existing_noxfile_is_refused_with_force_hint(
    make_project: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project()
    (project.root / "noxfile.py").write_text("# mine\n")
    before = (project.root / "pyproject.toml").read_text()
    code, out, err = _run(capsys, project.root, "--no-measure")
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {project.root}: already has noxfile.py; gates init never overwrites: "
        "re-run with --force to replace them\n"
    )
    assert (project.root / "noxfile.py").read_text() == "# mine\n"
    assert (project.root / "pyproject.toml").read_text() == before
    assert not (project.root / "smoke.toml").exists()

    code, _out, err = _run(capsys, project.root, "--no-measure", "--force")
    assert code == 0
    assert '"""Release gates for demo' in (project.root / "noxfile.py").read_text()


def test_existing_tool_gates_is_refused(
    make_project: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(gates='[tool.gates]\nrequired = ["lint"]\n')
    code, _out, err = _run(capsys, project.root, "--no-measure")
    assert code == 2
    assert "already has pyproject.toml [tool.gates]; gates init never overwrites" in err


def test_non_python_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "index.html").write_text("<p>hi</p>")
    init_repo(tmp_path)
    code, out, err = _run(capsys, tmp_path)
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {tmp_path}: not a Python project "
        "(no pyproject.toml, setup.py or setup.cfg)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "index.html"]


def test_setup_py_only_project_exits_2_asking_for_a_declared_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    code, _out, err = _run(capsys, tmp_path)
    assert code == 2
    assert err == (
        f"gates: error: {tmp_path / 'pyproject.toml'}: project.name: required by gates init "
        "(in [project], [tool.poetry] or setup.cfg [metadata])\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["setup.py"]


def test_not_a_git_repository_exits_2_before_writing(
    make_project: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(git_init=False)
    code, _out, err = _run(capsys, project.root, "--no-measure")
    assert code == 2
    assert "git" in err and err.count("\n") == 1
    assert not (project.root / "noxfile.py").exists()


def test_generated_noxfile_loads_in_nox_with_a_dependency_group(
    make_project: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(files={"demo/__init__.py": CLEAN_MODULE, "tests/test_x.py": ""})
    with (project.root / "pyproject.toml").open("a") as file:
        file.write('\n[dependency-groups]\ndev = ["pytest>=8"]\n')
    assert _run(capsys, project.root, "--no-measure")[0] == 0
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "--list"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    names = re.findall(r"^[*-] (\S+) ->", listed.stdout, flags=re.MULTILINE)
    assert names == list(chain.Chain(install=()).sessions())
    noxfile = (project.root / "noxfile.py").read_text()
    assert 'PROJECT = ["-e", ".", *nox.project.dependency_groups(PYPROJECT, "dev")]' in noxfile


def test_generated_noxfile_is_short_and_defines_no_session_itself(tmp_path: Path) -> None:
    """Its sessions come from the installed release-gates: upgrading it upgrades the chain."""
    text = templates.noxfile(project="p", install=['"-e"', '".[test]"'])
    assert len(text.splitlines()) < 80
    tree = ast.parse(text)
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    assert not any(f'"{name}"' in text for name in chain.CHAIN)
    # nox reads the script block: it installs release-gates when nox's own Python lacks it.
    (tmp_path / "noxfile.py").write_text(text)
    script = nox.project.load_toml(tmp_path / "noxfile.py")
    assert script["dependencies"] == ["nox>=2026.10", f"release-gates>={__version__}"]
    # Clean under ruff's defaults, whatever the project's own settings.
    for check in (["check"], ["format", "--check"]):
        ruff = [sys.executable, "-m", "ruff", *check, "--isolated", "noxfile.py"]
        ran = subprocess.run(ruff, cwd=tmp_path, capture_output=True, text=True, check=False)
        assert ran.returncode == 0, ran.stdout + ran.stderr


def test_generated_noxfile_without_release_gates_says_how_to_get_it(
    make_project: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project()
    assert _run(capsys, project.root, "--no-measure")[0] == 0
    # What nox does with the file (script mode off), in a Python where gates cannot be imported.
    hide_gates = "import runpy, sys; sys.modules['gates'] = None; runpy.run_path('noxfile.py')"
    ran = subprocess.run(
        [sys.executable, "-c", hide_gates],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.stderr == (
        "noxfile.py: error: import of gates halted; None in sys.modules: the gate sessions come "
        "from release-gates; run nox in script mode (the default), or install both: "
        f"uv tool install nox --with '{release_source.installed().script_dependency()}'\n"
    )


def test_generated_chain_refuses_shards_that_are_not_there(
    make_project: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project()
    assert _run(capsys, project.root, "--no-measure")[0] == 0
    ran = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "gates", "--", "--shards", "nowhere"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 1
    assert "nox > Session gates aborted: --shards needs a folder of shard evidence folders" in (
        ran.stderr
    )
    assert "Traceback" not in ran.stderr


def test_gitignore_entries_added_once(tmp_path: Path) -> None:
    assert init.ignore_tool_output(tmp_path) is True
    assert init.ignore_tool_output(tmp_path) is False
    text = (tmp_path / ".gitignore").read_text()
    assert (text.count(".gates/"), text.count("*.egg-info/")) == (1, 1)


def test_gitignore_keeps_the_projects_own_egg_info_entry(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.egg-info\ndist")
    assert init.ignore_tool_output(tmp_path) is True
    assert (tmp_path / ".gitignore").read_text() == (
        "*.egg-info\ndist\n# release-gates results and evidence\n.gates/\n"
    )


def _minimal(root: Path, pyproject: str, files: dict[str, str]) -> None:
    """A git project with exactly ``pyproject`` and ``files``."""
    for relative, text in {"pyproject.toml": pyproject, **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    init_repo(root)


MINIMAL = '[project]\nname = "mini"\nversion = "1.0"\nrequires-python = ">=3.99"\n'
INSTALLABLE = MINIMAL.replace(">=3.99", ">=3.11") + (
    '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
)
"""A project a measuring venv installs (hatchling: it leaves no build files in the tree)."""


def _clean_mini(root: Path) -> None:
    """A small clean project: formatted, typed, tested, with a readme and no changelog."""
    files = {
        "mini/__init__.py": '"""Mini."""\n',
        "tests/test_mini.py": "import mini\n\n\ndef test_it() -> None:\n    assert mini\n",
        "README.md": "# mini\n",
    }
    _minimal(root, INSTALLABLE.replace('">=3.11"', '">=3.11"\nreadme = "README.md"'), files)


def test_no_measure_writes_a_config_a_clean_project_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing required that could never pass: no coverage without a threshold, no changelog
    check without a changelog, no format check that was never run."""
    _clean_mini(tmp_path)
    code, _, err = _run(capsys, tmp_path, "--no-measure")
    assert (code, err) == (0, "")
    gates = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["gates"]
    assert gates["required"] == ["lint", "typecheck", "buckets", "package"]
    assert (gates["lint"]["format"], gates["package"]["changelog"]) == (False, "")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "adopt")

    for command in (["tests", "--evidence"], ["lint"], ["typecheck"], ["buckets"], ["package"]):
        assert main([*command, "--root", str(tmp_path)]) == 0, capsys.readouterr()
    assert main(["decide", "--root", str(tmp_path)]) == 0, capsys.readouterr().out


@pytest.mark.slow
def test_no_measure_config_is_go_through_the_generated_noxfile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same, end to end: `nox -s gates` with the noxfile gates init wrote (its script block
    and RELEASE_GATES name this checkout, where gates init ran from)."""
    _clean_mini(tmp_path)
    assert _run(capsys, tmp_path, "--no-measure")[0] == 0
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "adopt")
    code, _seconds, log = corpus_support.nox(tmp_path, "-s", "gates", release_gates=None)
    decision = json.loads((tmp_path / ".gates/decision.json").read_text())
    assert (code, decision["verdict"]) == (0, "GO"), log[-3000:]
    assert [gate["status"] for gate in decision["gates"]] == ["PASS"] * 4


def test_a_python_the_project_refuses_gets_the_newest_workflow_python(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _minimal(tmp_path, MINIMAL, {"mini/__init__.py": "X = 1\n"})
    assert _run(capsys, tmp_path, "--no-measure")[0] == 0
    # A requires-python beyond every version the workflow knows: the newest one.
    assert 'python: ["3.13"]' in (tmp_path / ".github/workflows/gates.yml").read_text()


@pytest.mark.parametrize(
    ("extra", "where", "module"),
    [
        ({"tests/test_x.py": "import tomli_w\n\n\ndef test_x():\n    assert tomli_w\n"},
         "tests/test_x.py", "tomli_w"),
        # pycodestyle's setup.cfg loads covdefaults: coverage.py stops before pytest starts, so
        # no test ran (measured anyway, the chain's tests session failed: buckets ERROR).
        ({"tests/test_x.py": "def test_x():\n    assert True\n",
          "setup.cfg": "[coverage:run]\nplugins = covdefaults_nowhere\n"},
         "tests", "covdefaults_nowhere"),
    ],
    ids=["test-import", "coverage-plugin"],
)  # fmt: skip
def test_tests_that_cannot_import_exit_2_naming_the_module_and_where_to_declare_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    from_wheel: str,
    extra: dict[str, str],
    where: str,
    module: str,
) -> None:
    files = {
        "mini/__init__.py": "X = 1\n",
        "requirements-dev.txt": "pytest\n",  # declared, but without what the tests import
        **extra,
    }
    _minimal(tmp_path, INSTALLABLE, files)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "project")
    code, out, err = _run(capsys, tmp_path)
    assert (code, out) == (2, "")
    assert err == (
        f"gates: error: {where}: the tests cannot run: no module named {module!r}; "
        "declare it with the test requirements (requirements-dev.txt) and run gates init "
        "again (nothing was written)\n"
    )
    changed = git(tmp_path, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert [line for line in changed if "__pycache__" not in line] == []


@pytest.mark.slow
def test_tests_that_measure_nothing_leave_no_coverage_threshold(
    tmp_path: Path, from_wheel: str
) -> None:
    files = {
        "mini/__init__.py": "X = 1\n",
        "tests/test_x.py": "def test_x():\n    pass\n",
        ".coveragerc": "[run]\nsource = elsewhere\n",  # the project's own settings apply
    }
    _minimal(tmp_path, INSTALLABLE, files)
    outcome = init.run(tmp_path)
    assert outcome.thresholds["coverage.min_total"] is None
    # Its settings measure nothing; measured with the package as source, no test imports it.
    assert (
        "the project's coverage settings measured none of mini: measured with source set to "
        "them, and source written into those settings; the tests ran and cover none of it (0%): "
        "no coverage threshold"
    ) in outcome.notes, outcome.notes
    assert "coverage settings" in outcome.found and "no coverage settings" not in outcome.found


USES_TOMLI_W = "import tomli_w\n\nimport mini\n\n\ndef test_x():\n    assert tomli_w and mini.X\n"
"""A test that needs tomli-w: installed in the measuring venv only when the declaration is read."""


@pytest.mark.parametrize(
    ("pyproject", "files", "project_line", "source"),
    [
        pytest.param(
            "",
            {"tox.ini": "[testenv]\ndeps = -r requirements/tests.txt\n",
             "requirements/tests.txt": "tomli-w\n"},
            'PROJECT = ["-e", ".", "-r", "requirements/tests.txt"]',
            "tox.ini [testenv] (tox)",
            id="tox-r-file",
        ),
        pytest.param(
            "",
            {"requirements-dev.txt": "tomli-w>=1\n"},
            'PROJECT = ["-e", ".", "-r", "requirements-dev.txt"]',
            "requirements-dev.txt (requirements file)",
            id="requirements-dev", marks=pytest.mark.slow,
        ),
        pytest.param(
            '[dependency-groups]\ntest = ["tomli-w"]\n',
            {},
            'PROJECT = ["-e", ".", *nox.project.dependency_groups(PYPROJECT, "test")]',
            "pyproject.toml [dependency-groups] test (dependency group)",
            id="dependency-group", marks=pytest.mark.slow,
        ),
        pytest.param(
            '[tool.hatch.envs.default]\ndependencies = ["tomli-w"]\n',
            {},
            'PROJECT = ["-e", ".", "tomli-w"]',
            "pyproject.toml [tool.hatch.envs.default] (Hatch environment)",
            id="hatch-env", marks=pytest.mark.slow,
        ),
        pytest.param(
            '[tool.pdm.dev-dependencies]\ntest = ["tomli-w"]\n',
            {},
            'PROJECT = ["-e", ".", "tomli-w"]',
            "pyproject.toml [tool.pdm.dev-dependencies] test (PDM dev-dependencies)",
            id="pdm-dev-deps", marks=pytest.mark.slow,
        ),
        pytest.param(
            '[tool.poetry.group.test.dependencies]\ntomli-w = "^1.0"\n',
            {},
            'PROJECT = ["-e", ".", "tomli-w>=1.0,<2"]',
            "pyproject.toml [tool.poetry.group.test.dependencies] (Poetry group)",
            id="poetry-group", marks=pytest.mark.slow,
        ),
    ],
)  # fmt: skip
def test_test_requirements_are_measured_and_written_where_declared(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    from_wheel: str,
    pyproject: str,
    files: dict[str, str],
    project_line: str,
    source: str,
) -> None:
    """Each declaration style: init installs what it declares in the measuring venv (the test
    imports tomli_w), measures, and writes the same into the noxfile."""
    files = {"mini/__init__.py": "X = 1\n", "tests/test_x.py": USES_TOMLI_W, **files}
    _minimal(tmp_path, INSTALLABLE + pyproject, files)
    code, out, err = _run(capsys, tmp_path, "--json")
    assert (code, err) == (0, "")
    outcome = json.loads(out)
    assert outcome["thresholds"]["coverage.min_total"] == 100
    assert f"test requirements: {source}" in outcome["notes"]
    assert any(n.endswith(from_wheel) for n in outcome["notes"]), outcome["notes"]
    assert project_line in (tmp_path / "noxfile.py").read_text()


FAILING_AT_ADOPTION = """\
import pytest

import mini


@pytest.mark.parametrize("n", [1])
def test_old_bug(n):
    assert n == 2


def test_fine():
    assert mini.X
"""


def test_tests_failing_at_adoption_are_filed_where_they_block_nothing_until_it_lapses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], from_wheel: str
) -> None:
    _minimal(
        tmp_path,
        INSTALLABLE,
        {"mini/__init__.py": "X = 1\n", "tests/test_x.py": FAILING_AT_ADOPTION},
    )
    code, out, err = _run(capsys, tmp_path, "--json")
    assert (code, err) == (0, "")
    assert (
        "1 test(s) fail today: filed in the bucket 'failing-at-adoption'; thresholds measured"
        " anyway"
    ) in json.loads(out)["notes"]
    [rule] = config.load(tmp_path).buckets
    expires = dt.date.today() + dt.timedelta(days=30)
    assert (rule.name, rule.blocking, rule.expires) == ("failing-at-adoption", False, expires)
    assert rule.match.nodeid == ("tests/test_x.py::test_old_bug[[]1]",)  # brackets as themselves

    def buckets() -> object:
        main(["tests", "--root", str(tmp_path), "--evidence"])
        capsys.readouterr()
        main(["buckets", "--root", str(tmp_path), "--json"])
        return json.loads(capsys.readouterr().out)["status"]

    assert buckets() == "WARN"  # day one: green
    (tmp_path / "tests" / "test_y.py").write_text("def test_new():\n    assert False\n")
    assert buckets() == "FAIL"  # a test failing since adoption still blocks


@pytest.mark.slow
def test_type_baseline_is_what_mypy_finds_beside_the_project_s_dependencies(
    tmp_path: Path, from_wheel: str
) -> None:
    """The chain's typecheck runs where the project's dependencies are installed, so the baseline
    is recorded there too: the typed return of tomli_w.dumps, not "cannot find tomli_w"."""
    pyproject = INSTALLABLE.replace(
        'version = "1.0"', 'version = "1.0"\ndependencies = ["tomli-w"]'
    )
    module = 'import tomli_w\n\nTEXT: int = tomli_w.dumps({"a": 1})\n'
    test = "import mini\n\n\ndef test_it():\n    assert mini.TEXT\n"
    _minimal(tmp_path, pyproject, {"mini/__init__.py": module, "tests/test_mini.py": test})
    outcome = init.run(tmp_path)
    assert "typecheck: 1 findings today, kept in .gates-baseline/typecheck.json" in outcome.notes
    baseline = json.loads((tmp_path / init.TYPECHECK_BASELINE).read_text())
    assert [finding["rule"] for finding in baseline["findings"]] == ["assignment"]


def test_init_from_an_installed_wheel_writes_that_wheel_into_the_noxfile(
    tmp_path: Path, release_gates_wheel: Path
) -> None:
    """The README's quick start from a wheel: the chain installs the wheel gates init ran from
    (PEP 610 direct_url.json), and a release from an index once nothing records another."""
    venv, project = tmp_path / "venv", tmp_path / "project"
    for command in (
        ["uv", "venv", "-q", "--python", sys.executable, str(venv)],
        ["uv", "pip", "install", "-q", "--python", str(venv / "bin/python"), release_gates_wheel],
    ):
        subprocess.run(command, check=True, capture_output=True)
    _minimal(project, INSTALLABLE, {"mini/__init__.py": "X = 1\n"})
    init_command = [str(venv / "bin/gates"), "init", "--no-measure", "--force", "--root", project]

    def written() -> tuple[list[str], str]:
        # Not this checkout's gates: `gates tests` puts a link to it on PYTHONPATH.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        ran = subprocess.run(init_command, capture_output=True, text=True, check=False, env=env)
        assert (ran.returncode, ran.stderr) == (0, ""), ran.stdout
        text = (project / "noxfile.py").read_text()
        script = nox.project.load_toml(project / "noxfile.py")["dependencies"]
        return script, next(line for line in text.splitlines() if line.startswith("RELEASE_GATES"))

    wheel = release_gates_wheel.as_uri()
    assert written() == (
        ["nox>=2026.10", f"release-gates @ {wheel}"],
        f'RELEASE_GATES = "release-gates[tools,smoke] @ {wheel}"',
    )
    # Installed from an index, a distribution has no direct_url.json.
    next(venv.glob("lib/python*/site-packages/release_gates-*.dist-info/direct_url.json")).unlink()
    assert written() == (
        ["nox>=2026.10", f"release-gates>={__version__}"],
        f'RELEASE_GATES = "release-gates[tools,smoke]=={__version__}"',
    )


@pytest.mark.slow
def test_no_test_folder_is_noted_and_no_tool_table_is_created(
    tmp_path: Path, from_wheel: str
) -> None:
    _minimal(tmp_path, INSTALLABLE, {"mini/__init__.py": "X = 1\n", "ruff.toml": ""})
    outcome = init.run(tmp_path)
    assert init_measure.NO_TESTS_FOUND in outcome.notes
    assert "ruff settings, no mypy settings" in outcome.found
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert document["tool"]["coverage"]["run"]["source"] == ["mini"]
    assert "tests" not in document["tool"]["gates"]["lint"]["paths"]


@pytest.mark.slow
def test_a_test_run_that_breaks_before_any_test_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], from_wheel: str
) -> None:
    # boltons 25.0.0 under pytest 9: its conftest's hook no longer loads, pytest exits 1 and
    # coverage reports 0% of the package; min_total = 0 would pass an untested module forever.
    files = {
        "mini/__init__.py": "X = 1\n",
        # A hook argument pytest does not have: pluggy refuses the conftest, pytest exits 1.
        "tests/conftest.py": "def pytest_ignore_collect(bogus, config):\n    return None\n",
        "tests/test_x.py": "def test_x():\n    assert True\n",
    }
    _minimal(tmp_path, INSTALLABLE, files)
    before = (tmp_path / "pyproject.toml").read_text()
    code, _, err = _run(capsys, tmp_path)
    assert code == 2
    assert err.startswith("gates: error: tests: the tests cannot run (pytest exit 1): "), err
    assert "pytest_ignore_collect" in err and err.count("\n") == 1, err
    assert (tmp_path / "pyproject.toml").read_text() == before
    assert not (tmp_path / "noxfile.py").exists()


@pytest.mark.parametrize(
    ("pyproject", "files", "message"),
    [
        ("[project\n", {}, "pyproject.toml: invalid TOML: "),
        (
            '[project]\nversion = "1"\n',
            {},
            "project.name: required by gates init (in [project], [tool.poetry] or setup.cfg "
            "[metadata])",
        ),
        (
            '[project]\nname = "mini"\nrequires-python = "3.x"\n',
            {"mini/__init__.py": ""},
            "project.requires-python: not a version specifier: '3.x'",
        ),
        (
            '[project]\nname = "mini"\n',
            {"src/readme.txt": ""},
            "project 'mini': no package folder found "
            "(looked for src/*/__init__.py, */__init__.py, src/mini.py and mini.py)",
        ),
    ],
)
def test_unusable_pyproject_exits_2_naming_the_problem(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pyproject: str,
    files: dict[str, str],
    message: str,
) -> None:
    _minimal(tmp_path, pyproject, files)
    code, out, err = _run(capsys, tmp_path, "--no-measure")
    assert (code, out) == (2, "")
    assert message in err and err.count("\n") == 1


def test_a_pyproject_that_is_not_utf8_exits_2_naming_line_and_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _minimal(tmp_path, "", {"mini/__init__.py": ""})
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "mini"\n# caf\xe9\n')
    code, out, err = _run(capsys, tmp_path, "--no-measure")
    assert (code, out) == (2, "")
    assert err == "gates: error: pyproject.toml:3: not UTF-8 text (byte e9)\n"


def test_a_changelog_with_a_stray_byte_is_read_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _minimal(tmp_path, MINIMAL.replace(">=3.99", ">=3.11"), {"mini/__init__.py": ""})
    (tmp_path / "CHANGELOG.md").write_bytes(b"# Changelog\n\n## Unreleased\n- caf\xe9\n")
    code, _, err = _run(capsys, tmp_path, "--no-measure")
    assert (code, err) == (0, "")


def test_broken_setup_cfg_is_not_a_tool_setting(tmp_path: Path) -> None:
    _minimal(tmp_path, MINIMAL, {"mini/__init__.py": "", "setup.cfg": "no section header\n"})
    assert not init.detect(tmp_path).mypy_configured


# The templates against this repository: what init writes is what this repo runs.


def test_workflow_template_is_this_repos_workflow() -> None:
    rendered = templates.workflow(project="release-gates", pythons=("3.11", "3.12", "3.13"))
    assert rendered == (REPO / ".github/workflows/gates.yml").read_text(encoding="utf-8")


def test_every_placeholder_is_filled() -> None:
    rendered = (
        templates.workflow(project="p", pythons=("3.12",))
        + templates.noxfile(project="p", install=['"."'])
        + templates.smoke_plan(package="p")
    )
    assert not re.search(r"@[A-Z_]+@", rendered)


# A real open-source project, end to end: cachetools' sdist ships its pytest suite (~1 s).
# The corpus (tests/test_corpus.py) adopts it too, and seeds defects; this checks the venv reuse.

REAL_PROJECT = corpus_support.BY_NAME["cachetools"]


@pytest.fixture
def real_sdist() -> Path:
    """cachetools' pinned sdist, downloaded once into ~/.cache (nothing vendored)."""
    return corpus_support.download_or_skip(REAL_PROJECT.sdist)


@pytest.mark.slow
def test_real_project_adopts_and_runs_every_gate(
    real_sdist: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = corpus_support.unpack(real_sdist, tmp_path)
    code, out, err = _run(capsys, root)
    assert (code, err) == (0, ""), out
    document = tomllib.loads((root / "pyproject.toml").read_text())
    assert document["tool"]["gates"]["typecheck"]["paths"] == ["src/cachetools"]
    assert document["tool"]["gates"]["coverage"]["min_total"] >= 50
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "gates init")

    first_code, first_s, first_log = corpus_support.nox(root, "-s", "gates")
    decision = json.loads((root / ".gates/decision.json").read_text())
    assert [gate["name"] for gate in decision["gates"]] == list(init.REQUIRED)
    for gate in decision["gates"]:
        assert gate["result"] is not None, (gate["name"], first_log[-3000:])
    assert first_code == (0 if decision["verdict"] != "NO_GO" else 1)
    buckets = json.loads((root / ".gates/results/buckets.json").read_text())
    # Its mixin tests share names across a dozen classes: not one of them was rerun.
    assert buckets["metrics"]["flaky"] == 0, buckets["details"]["flaky"]

    second_code, second_s, second_log = corpus_support.nox(root, "-s", "gates")
    assert second_code == first_code
    # The shared environments are built once: nothing is created or installed again.
    assert " venv " not in second_log and "pip install" not in second_log
    with capsys.disabled():
        print(
            f"\n{REAL_PROJECT.name}: verdict {decision['verdict']}; "
            f"nox -s gates cold {first_s:.1f} s, warm {second_s:.1f} s"
        )


PALLETS_CHANGES = "Version 1.0\n-----------\n\nUnreleased\n\n-   First.\n"


@pytest.mark.parametrize(
    ("changes", "package", "note"),
    [
        (
            {"CHANGES.rst": PALLETS_CHANGES},
            {"changelog": "CHANGES.rst"},
            "checks the changelog CHANGES.rst",
        ),
        (
            {"HISTORY.md": "## 0.9\n", "NEWS.rst": PALLETS_CHANGES},
            {"changelog": ""},
            "changelog check off (HISTORY.md has no section for 1.0 or Unreleased)",
        ),
        # CHANGELOG.md comes first, and is the package gate's default: nothing to write.
        ({"CHANGELOG.md": "## [Unreleased]\n", "CHANGES.rst": PALLETS_CHANGES}, None, None),
    ],
)
def test_init_checks_the_changelog_the_project_keeps(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, str],
    package: dict[str, str] | None,
    note: str | None,
) -> None:
    _minimal(tmp_path, MINIMAL.replace(">=3.99", ">=3.11"), {"mini/__init__.py": "", **changes})
    code, out, err = _run(capsys, tmp_path, "--no-measure")
    assert (code, err) == (0, "")
    written = (tmp_path / "pyproject.toml").read_text()
    assert tomllib.loads(written)["tool"]["gates"].get("package") == package
    notes = [line for line in out.splitlines() if line.startswith("note: package:")]
    assert notes == ([f"note: package: {note}"] if note else [])
    if package == {"changelog": ""}:
        assert "check off at adoption: HISTORY.md has no section for 1.0 or Unreleased" in written


UNSCOPED_INI = {
    ".coveragerc": (
        "[report]\nshow_missing = true\n",
        "[report]\nshow_missing = true\n\n[run]\n# by gates init: a module no test imports"
        " counts too\nsource = mini\n",
    ),
    "setup.cfg": (
        "[metadata]\nname = mini\n\n[coverage:run]\nbranch = true\n",
        "[metadata]\nname = mini\n\n[coverage:run]\n# by gates init: a module no test imports"
        " counts too\nsource = mini\nbranch = true\n",
    ),
}
"""Coverage settings coverage.py reads instead of pyproject.toml, without a scope: as found, and
as gates init leaves them (comments and order kept)."""


@pytest.mark.parametrize("placed", ["pyproject.toml", *UNSCOPED_INI])
def test_coverage_settings_without_a_scope_get_the_package_as_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], from_wheel: str, placed: str
) -> None:
    """cleo configures [tool.coverage.report] alone: coverage then measures only what the tests
    import, and a module no test imports would never lower the total. Wherever the settings
    are, the package becomes their source, there."""
    report = "[tool.coverage.report]\nshow_missing = true\n" if placed == "pyproject.toml" else ""
    files = {
        "mini/__init__.py": "X = 1\n",
        "mini/unused.py": "Y = 2\n",
        "tests/test_x.py": "import mini\n\n\ndef test_x():\n    assert mini.X == 1\n",
    }
    if placed in UNSCOPED_INI:
        files[placed] = UNSCOPED_INI[placed][0]
    _minimal(tmp_path, INSTALLABLE + report, files)
    code, out, err = _run(capsys, tmp_path)
    assert (code, err) == (0, "")
    assert "coverage.min_total = 50" in out  # mini/unused.py counts, unimported
    coverage = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"].get("coverage")
    if placed in UNSCOPED_INI:
        assert coverage is None  # coverage.py would not read it there
        assert (tmp_path / placed).read_text() == UNSCOPED_INI[placed][1]
        assert f"\nwrote {placed}\n" in out
    else:
        assert coverage == {"report": {"show_missing": True}, "run": {"source": ["mini"]}}
    assert source_coverage_reads(tmp_path) == "['mini']"


STALE_SCOPE = {
    ".coveragerc": (
        "[run]\ninclude =\n    old_name/*\n    tests/*\n",
        "[run]\n# by gates init: a module no test imports counts too\nsource = mini\n"
        "include =\n    old_name/*\n    tests/*\n",
    ),
    "setup.cfg": (
        "[coverage:run]\nsource =\n    old_name\nbranch = true\n",
        "[coverage:run]\n# by gates init: a module no test imports counts too\nsource = mini\n"
        "branch = true\n",
    ),
    "pyproject.toml": ('[tool.coverage.run]\nsource = ["old_name"]\n', None),
}
"""Coverage settings whose scope misses the package (pluggy's include patterns, left from before
its move to src/, matched its tests alone), and as gates init leaves them."""


@pytest.mark.parametrize("placed", list(STALE_SCOPE))
def test_coverage_settings_that_measure_none_of_the_package_get_it_as_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], from_wheel: str, placed: str
) -> None:
    """Kept as they were, the coverage gate would measure the tests (or nothing): a module no
    test imports, added later, would never lower the total, and the chain would stay GO."""
    before, after = STALE_SCOPE[placed]
    files = {
        "mini/__init__.py": "X = 1\n",
        "mini/unused.py": "Y = 2\n",
        "tests/test_x.py": "import mini\n\n\ndef test_x():\n    assert mini.X == 1\n",
    }
    pyproject = INSTALLABLE + (before if placed == "pyproject.toml" else "")
    if placed != "pyproject.toml":
        files[placed] = before
    _minimal(tmp_path, pyproject, files)
    code, out, err = _run(capsys, tmp_path)
    assert (code, err) == (0, "")
    assert "coverage.min_total = 50" in out  # the package, mini/unused.py unimported
    assert (
        "note: the project's coverage settings measured none of mini: measured with source set "
        "to them, and source written into those settings\n"
    ) in out
    if after is not None:
        assert (tmp_path / placed).read_text() == after
    assert source_coverage_reads(tmp_path) == "['mini']"


def test_ruff_settings_without_pyflakes_get_its_rules_in_the_lint_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], from_wheel: str
) -> None:
    """pluggy selects isort's rules alone: kept so, an unused import would pass the lint gate."""
    files = {
        "mini/__init__.py": "X = 1\n",
        "mini/old.py": "import os\n",  # today's finding: into the baseline
        "tests/test_x.py": "import mini\n\n\ndef test_x():\n    assert mini.X == 1\n",
    }
    _minimal(tmp_path, INSTALLABLE + '[tool.ruff.lint]\nselect = ["I"]\n', files)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "project")
    code, out, err = _run(capsys, tmp_path)
    assert (code, err) == (0, "")
    assert (
        "note: lint: checks pyflakes' rules (F) too: the project's ruff settings leave out unused "
        "imports and undefined names ([tool.gates.lint] extend_select)\n"
    ) in out
    written = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["gates"]["lint"]
    assert written["extend_select"] == ["F"]
    baseline = json.loads((tmp_path / ".gates-baseline/lint.json").read_text())
    assert "F401" in json.dumps(baseline)
