"""Shared fixtures: small real projects in tmp_path (git init), and the CLI called in-process."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from pg_cluster import cluster, server_bindir
from release_support import IndexServer, new_password, running_index

from gates import runner
from gates.cli import main
from gates.model import GateResult, Status
from gates.project import Project as GatesProject

# Property tests judge what they generate, not how fast: a shared 2-core CI machine may be slow
# to generate, and a health check failing on speed would fail the suite for nothing.
settings.register_profile(
    "gates", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile("gates")


CORPUS = "corpus"


def pytest_configure(config: pytest.Config) -> None:
    # Beside `slow` (pyproject.toml): the corpus is slower still and has a session of its own.
    config.addinivalue_line(
        "markers", f"{CORPUS}: real PyPI projects adopted and seeded with defects (nox -s corpus)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The corpus (half an hour) runs only when a marker expression names it: `-m corpus`.

    Not in `nox -s tests`, nor in the chain's tests_evidence, which runs the whole suite."""
    if CORPUS in (config.option.markexpr or ""):
        return
    deselected = [item for item in items if item.get_closest_marker(CORPUS)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(CORPUS)]


CLEAN_MODULE = '''\
"""Demo package."""


def add(a: int, b: int) -> int:
    return a + b
'''


@pytest.fixture(autouse=True)
def _no_fresh_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """``GATES_FRESH=1 nox -s gates`` runs this suite too: its tests of reuse set it themselves."""
    monkeypatch.delenv("GATES_FRESH", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _one_mypy_cache_per_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every typecheck of a fixture project reads the standard library's types from one cache
    (one per xdist worker: a base temp folder each) instead of building it again in each new
    project: about 1 s of CPU per mypy run. mypy checks each cached module against its source,
    so a project's own modules are checked as they are."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MYPY_CACHE_DIR", str(tmp_path_factory.mktemp("mypy-cache")))
        yield


@pytest.fixture(autouse=True)
def _fixture_projects_load_only_the_plugins_they_name(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pytest runs of the fixture projects (``gates tests``, ``gates init``'s measurement, a
    chain's session) load no plugin from this environment unless named (``-p``): hypothesis
    alone takes a second to import, about 2 s of every inner run. Module-scoped fixtures use
    ``pytest_projects.without_plugin_autoload``; the slow tests adopt real projects, whose own
    plugins must load as they would for their users."""
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


def source_coverage_reads(root: Path) -> str:
    """coverage.py itself, reading the project's settings in ``root`` as `gates tests` will."""
    read = subprocess.run(
        [sys.executable, "-c", "import coverage; print(coverage.Coverage().config.source)"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return read.stdout.strip()


def init_repo(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    git(root, "config", "commit.gpgsign", "false")


@dataclass
class Project:
    """A fixture project: files on disk in a git repository."""

    root: Path
    capsys: pytest.CaptureFixture[str]

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def gates(self, *args: str) -> tuple[int, str, str]:
        """Run ``gates ARGS --root ROOT`` in-process: (exit code, stdout, stderr)."""
        self.capsys.readouterr()
        code = main([*args, "--root", str(self.root)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def gates_json(self, *args: str) -> tuple[int, dict[str, object]]:
        code, out, _err = self.gates(*args, "--json")
        return code, json.loads(out)

    def commit(self, message: str = "commit") -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", message)
        return git(self.root, "rev-parse", "HEAD")


def pyproject(gates_toml: str = "", *, name: str = "demo", version: str = "0.1.0") -> str:
    return (
        f'[project]\nname = "{name}"\nversion = "{version}"\nrequires-python = ">=3.11"\n\n'
        f"[tool.mypy]\nstrict = true\n\n" + textwrap.dedent(gates_toml)
    )


@pytest.fixture
def make_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Project]:
    """``make_project(files={...}, gates='[tool.gates] ...')`` → a clean git project."""

    def make(
        files: Mapping[str, str] | None = None, gates: str = "", git_init: bool = True
    ) -> Project:
        root = tmp_path / "project"
        root.mkdir()
        project = Project(root, capsys)
        project.write("pyproject.toml", pyproject(gates))
        project.write(".gitignore", ".gates/\n")
        for relative, text in (files or {"demo/__init__.py": CLEAN_MODULE}).items():
            project.write(relative, text)
        if git_init:
            init_repo(root)
        return project

    return make


# The ledger, checklist and HTML report tests: a project whose gate results the test records. ----

LEDGER_PYPROJECT = """\
[project]
name = "demo"
version = "1.2.0"

[tool.gates]
required = ["tests", "coverage"]

[tool.gates.checklist]
must = ["CHANGELOG reviewed", { item = "All tests pass", gate = "tests" }]
should = ["docs reviewed"]
could = ["blog post drafted"]
"""


@dataclass
class LedgerProject(Project):
    """A project whose gate results are recorded by the test, as the gates themselves would."""

    def record(
        self, gate: str, metrics: Mapping[str, Any], *, status: Status = Status.PASS, **details: Any
    ) -> None:
        """Record ``gate``'s result (with ``details``) for the current tree."""
        result = GateResult(gate, status, f"{gate} {status.value}", dict(metrics), details=details)
        with GatesProject.load(self.root) as project:
            runner.record(
                project,
                result.stamped(
                    tree=project.workspace.tree_id(),
                    started_at=dt.datetime.now(dt.UTC),
                    duration_s=0.1,
                    tools={},
                ),
            )

    def record_run(self, passed: int, failed: int, skipped: int, covered: float) -> None:
        """A tests result and a coverage result with these figures."""
        tests_status = Status.PASS if failed == 0 else Status.FAIL
        self.record(
            "tests", {"passed": passed, "failed": failed, "skipped": skipped}, status=tests_status
        )
        self.record("coverage", {"percent_covered": covered})


@pytest.fixture
def ledger_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., LedgerProject]:
    """``ledger_project(pyproject_text)`` → a git project (default: checklist, tests + coverage)."""
    for variable in ("GATES_LEDGER_URL", "GITHUB_ACTIONS", "GITHUB_RUN_ID"):
        monkeypatch.delenv(variable, raising=False)

    def make(pyproject_text: str = LEDGER_PYPROJECT) -> LedgerProject:
        root = tmp_path / "project"
        root.mkdir()
        init_repo(root)
        project = LedgerProject(root, capsys)
        project.write("pyproject.toml", pyproject_text)
        return project

    return make


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL: GATES_TEST_POSTGRES_URL, or a throwaway cluster on 127.0.0.1."""
    given = os.environ.get("GATES_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bindir = server_bindir()
    if bindir is None:
        reason = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql,"
            " or set GATES_TEST_POSTGRES_URL"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with cluster(bindir, durable=False) as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """The server with no ledger tables in it: each test starts from an empty ledger."""
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS ledger_records, ledger_head, ledger_schema")
    return postgres_server


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    """A real package index (pypiserver on 127.0.0.1) behind a password, one per test module."""
    with running_index(tmp_path_factory.mktemp("pypi"), new_password()) as server:
        yield server
