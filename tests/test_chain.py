"""The chain's nox sessions: what each runs, in which shared environment, registration, real nox.

The session bodies are driven with a recording stand-in for ``nox.Session`` (the
:class:`gates.chain_envs.Session` protocol; mypy checks that nox's class satisfies it); real nox
lists this repository's sessions, and runs a whole chain side by side on a project that does not
install, at the end.
The order and the plan are tests/test_chain_plan.py's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import IO, NoReturn

import nox
import pytest
from conftest import init_repo
from nox._options import NoxConfig
from nox.command import CommandFailed

from gates import __version__, chain, chain_envs, envs
from gates.chain_envs import ENVS_DIR
from gates.chain_plan import CHAIN, CHAIN_ENV, chain_plan, nox_argv

REPO = Path(__file__).resolve().parent.parent


class Stopped(Exception):
    """``session.error`` / ``session.skip``: nox stops the session there."""


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    codes: list[int] | None
    env: dict[str, str | None]


@dataclass
class FakeSession:
    """Records what a session body asks of nox; creating a venv leaves its python behind."""

    bin: str
    cache_dir: Path
    posargs: list[str] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    installs: list[tuple[str, ...]] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)
    """Requirement → what installing it writes to stderr before it fails."""
    _runner: SimpleNamespace = field(
        default_factory=lambda: SimpleNamespace(global_config=NoxConfig())
    )

    def run(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        success_codes: Iterable[int] | None = None,
        external: bool = False,
        stderr: IO[str] | None = None,
    ) -> object:
        codes = None if success_codes is None else list(success_codes)
        self.runs.append(Run(args, codes, dict(env or {})))
        failing = [self.broken[arg] for arg in args if "install" in args and arg in self.broken]
        if failing:
            assert stderr is not None, "an install's errors are kept for the gate's ERROR"
            stderr.write(failing[0])
            raise CommandFailed("Returned code 1", return_code=1)
        if "venv" in args[1:3]:  # uv venv ... / python -m venv ...: what they would leave
            python = envs.python(Path(args[-1]))
            python.parent.mkdir(parents=True)
            python.touch()
        return True

    def install(self, *args: str) -> None:
        self.installs.append(args)

    def error(self, *args: object) -> NoReturn:
        raise Stopped("error: " + " ".join(map(str, args)))

    def skip(self, *args: object) -> NoReturn:
        raise Stopped("skip: " + " ".join(map(str, args)))

    def gates(self) -> list[tuple[tuple[str, ...], list[int] | None]]:
        """The ``gates`` commands run, with their accepted exit codes."""
        return [(r.args, r.codes) for r in self.runs if r.args[0] == "gates"]

    def installed(self) -> list[tuple[str, ...]]:
        """What each install into a shared environment installed."""
        found = []
        for run in self.runs:
            if "install" in run.args:
                rest = run.args[run.args.index("--quiet") + 1 :]
                found.append(rest[2:] if rest[:1] == ("--python",) else rest)
        return found


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSession:
    """A session in a project folder (cwd), alone (not in a chain's run)."""
    (tmp_path / "venv/bin").mkdir(parents=True)
    envs.python(tmp_path / "venv").touch()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(chain.SMOKE_URL_ENV, raising=False)
    monkeypatch.delenv(CHAIN_ENV, raising=False)
    return FakeSession(bin=str(tmp_path / "venv/bin"), cache_dir=Path(".nox/.cache"))


@pytest.fixture
def in_chain(session: FakeSession, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session runs in the chain's nox, as `nox -s gates -- --environment production`."""
    monkeypatch.setenv(CHAIN_ENV, chain_plan(["--environment", "production"]).environment())


TEST_CHAIN = chain.Chain(install=("-e", ".[test]"), smoke_plan="plan.toml")


# What each session runs.


def test_a_gate_alone_fails_when_the_gate_fails(session: FakeSession) -> None:
    session.posargs = ["--junit", "x.xml"]
    TEST_CHAIN.sessions()["buckets"][1](session)
    assert session.gates() == [(("gates", "buckets", "--junit", "x.xml"), [0])]
    assert session.installed() == [("-e", ".[test]")]


@pytest.mark.usefixtures("in_chain")
def test_a_gate_in_the_chain_records_failure_as_evidence(session: FakeSession) -> None:
    session.posargs = ["--environment", "production"]  # nox's posargs are not the gate's
    TEST_CHAIN.sessions()["lint"][1](session)
    TEST_CHAIN.sessions()["decide"][1](session)
    assert session.gates() == [
        (("gates", "lint"), [0, 1, 2]),
        (("gates", "decide", "--environment", "production"), None),
    ]


@pytest.mark.usefixtures("in_chain")
@pytest.mark.parametrize(
    ("name", "installs"),
    [
        ("lint", ("-e", ".", "release-gates")),
        ("tests_evidence", ("-e", ".", "release-gates")),
        ("package", ("release-gates",)),
        ("coverage", ("release-gates",)),
        ("buckets", ("release-gates",)),
        ("decide", ("release-gates",)),
        ("report", ("release-gates",)),
    ],
)
def test_sessions_that_only_judge_evidence_do_not_install_the_project(
    session: FakeSession, name: str, installs: tuple[str, ...]
) -> None:
    """A project that no longer installs must still end the chain in a recorded decision."""
    judging = chain.Chain(("-e", ".", "release-gates"), judge_install=("release-gates",))
    judging.sessions()[name][1](session)
    assert session.installed() == [installs]


def test_sessions_share_one_environment_built_once_per_requirements(
    session: FakeSession, tmp_path: Path
) -> None:
    judging = chain.Chain(("-e", ".", "release-gates"), judge_install=("release-gates",))
    for name in ("lint", "typecheck", "coverage", "package", "buckets", "decide"):
        judging.sessions()[name][1](session)
    venvs = [r.env["VIRTUAL_ENV"] for r in session.runs if r.args[0] == "gates"]
    assert len(set(venvs)) == 2  # the project's and the judges' (package builds in isolation)
    assert venvs[0] == venvs[1] != venvs[2] == venvs[3] == venvs[4] == venvs[5]
    assert session.installed() == [("-e", ".", "release-gates"), ("release-gates",)]
    assert sum("venv" in r.args[1:3] for r in session.runs) == 2

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "2"\n')
    judging.sessions()["lint"][1](session)
    # Installed again into the same environment, not a new one.
    assert session.installed()[-1] == ("-e", ".", "release-gates")
    assert sum("venv" in r.args[1:3] for r in session.runs) == 2
    assert session.runs[-1].env["VIRTUAL_ENV"] == venvs[0]


@pytest.mark.usefixtures("in_chain")
def test_commands_run_as_in_the_activated_environment_outside_the_chain(
    session: FakeSession,
) -> None:
    """A test suite run by the chain that runs nox itself must not join the chain."""
    TEST_CHAIN.sessions()["typecheck"][1](session)
    run = session.runs[-1]
    venv = str(run.env["VIRTUAL_ENV"])
    assert str(run.env["PATH"]).startswith(str(envs.bin_dir(Path(venv))))
    assert run.env[CHAIN_ENV] is None
    assert Path(venv).parent == (session.cache_dir / ENVS_DIR).absolute()
    assert Path(venv).is_absolute()  # on PATH for tools that work in other folders
    assert (Path(venv).parent / ".gitignore").read_text() == "*\n"


def test_tests_alone_fail_and_tests_as_evidence_do_not(
    session: FakeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    session.posargs = ["-k", "fast"]
    TEST_CHAIN.tests(session)
    TEST_CHAIN.tests_evidence(session)
    monkeypatch.setenv(CHAIN_ENV, '{"tests_evidence": ["-p", "gates.shard"]}')
    TEST_CHAIN.tests_evidence(session)
    assert session.gates() == [
        (("gates", "tests", "--", "-k", "fast"), None),
        (("gates", "tests", "--evidence", "--", "-k", "fast"), [0, 1, 2]),
        (("gates", "tests", "--evidence", "--", "-p", "gates.shard"), [0, 1, 2]),
    ]


BESIDE = chain.Chain(install=("release-gates",), project=("-e", ".", "pytest<8"))
"""A noxfile from ``gates init`` today: release-gates runs beside the project's environment."""


def _venv_of(run: Run) -> Path:
    return Path(str(run.env["VIRTUAL_ENV"]))


@pytest.mark.usefixtures("in_chain")
def test_release_gates_runs_beside_the_projects_environment_never_in_it(
    session: FakeSession,
) -> None:
    for name in ("lint", "typecheck", "tests_evidence", "coverage", "package", "decide"):
        BESIDE.sessions()[name][1](session)
    # Two environments, each built once: the project's (no release-gates) and the judge's.
    assert session.installed() == [("release-gates",), ("-e", ".", "pytest<8", *chain.TEST_RUNNERS)]
    judge = {_venv_of(run) for run in session.runs if run.args[0] == "gates"}
    assert len(judge) == 1
    project_python = str(envs.python(_project_venv(session)))
    assert session.gates() == [
        (("gates", "lint"), [0, 1, 2]),
        (("gates", "typecheck", "--python", project_python), [0, 1, 2]),
        (("gates", "tests", "--python", project_python, "--evidence", "--"), [0, 1, 2]),
        (("gates", "coverage"), [0, 1, 2]),
        (("gates", "package"), [0, 1, 2]),
        (("gates", "decide", "--environment", "production"), None),
    ]
    assert Path(project_python).parent.parent not in judge


def _project_venv(session: FakeSession) -> Path:
    """The environment the project's requirements were installed into."""
    [installing] = [r for r in session.runs if "install" in r.args and "pytest<8" in r.args]
    python = Path(installing.args[installing.args.index("--python") + 1])
    return python.parent.parent


def test_the_tests_alone_run_under_the_projects_interpreter(session: FakeSession) -> None:
    session.posargs = ["-k", "fast"]
    BESIDE.tests(session)
    [(command, _codes)] = session.gates()
    assert command == (
        "gates",
        "tests",
        "--python",
        str(envs.python(_project_venv(session))),
        "--",
        "-k",
        "fast",
    )


def test_the_smoke_plans_commands_find_the_project_first_on_path(
    session: FakeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(chain.SMOKE_URL_ENV, "https://staging.example")
    BESIDE.smoke(session)
    run = session.runs[-1]
    first, second = str(run.env["PATH"]).split(":")[:2]
    assert first == str(envs.bin_dir(_project_venv(session)))
    assert second == str(envs.bin_dir(_venv_of(run)))


def test_a_noxfile_command_can_run_in_the_projects_environment(session: FakeSession) -> None:
    BESIDE.run(session, "python", "bench.py", extra=("junitparser",), in_project=True)
    assert session.installed()[-1] == ("-e", ".", "pytest<8", *chain.TEST_RUNNERS, "junitparser")
    assert session.runs[-1].env["VIRTUAL_ENV"] == str(_project_venv(session))


def test_smoke_without_a_target_is_skipped(session: FakeSession) -> None:
    with pytest.raises(Stopped) as stopped:
        TEST_CHAIN.smoke(session)
    assert str(stopped.value) == (
        "skip: no smoke target: set GATES_SMOKE_URL to the deployment to check"
    )
    assert session.runs == []


@pytest.mark.usefixtures("in_chain")
def test_smoke_checks_the_target_and_a_down_target_is_evidence_in_the_chain(
    session: FakeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(chain.SMOKE_URL_ENV, "https://staging.example")
    TEST_CHAIN.smoke(session)
    command = ("gates", "smoke", "plan.toml", "--base-url", "https://staging.example")
    assert session.gates() == [(command, [0, 1, 2, 3])]


def test_gate_passes_its_environment(session: FakeSession) -> None:
    TEST_CHAIN.gate(session, "smoke", "plan.toml", env={"SMOKE_EMAIL": "demo@example.com"})
    assert session.runs[-1].env["SMOKE_EMAIL"] == "demo@example.com"


@pytest.mark.parametrize(
    ("name", "posargs", "command"),
    [
        ("decide", ["--environment", "production"], ("decide", "--environment", "production")),
        ("report", ["--html", "r.html"], ("report", "--html", "r.html")),
        ("release", ["publish", "--dry-run"], ("release", "publish", "--dry-run")),
    ],
)
def test_decide_report_and_release_pass_their_arguments(
    session: FakeSession, name: str, posargs: list[str], command: tuple[str, ...]
) -> None:
    session.posargs = posargs
    TEST_CHAIN.sessions()[name][1](session)
    assert session.gates() == [(("gates", *command), None)]


def test_release_keeps_a_venv_of_its_own(session: FakeSession, tmp_path: Path) -> None:
    """CI calls `.nox/release/bin/gates ledger verify` after `nox -s release --install-only`."""
    for _ in range(2):
        TEST_CHAIN.release(session)
    assert session.installs == [("-e", ".[test]")]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "2"\n')
    TEST_CHAIN.release(session)
    assert len(session.installs) == 2
    assert (tmp_path / "venv" / envs.READY).is_file()
    assert session.installed() == []  # no shared environment


def test_workflow_lints_every_workflow_file(session: FakeSession, tmp_path: Path) -> None:
    workflows = tmp_path / ".github/workflows"
    workflows.mkdir(parents=True)
    for name in ("b.yml", "a.yaml", "notes.txt"):
        (workflows / name).write_text("")
    TEST_CHAIN.workflow(session)
    found = [".github/workflows/a.yaml", ".github/workflows/b.yml"]
    assert session.installs == [chain.WORKFLOW_LINTERS]
    assert [run.args for run in session.runs] == [
        ("actionlint", *found),
        ("zizmor", "--offline", *found),
    ]


def test_sessions_install_this_release_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(chain.RELEASE_GATES_ENV, raising=False)
    assert chain.release_gates() == f"release-gates[tools,smoke]=={__version__}"
    wheel = "release-gates[tools] @ file:///w/release_gates-0.1.0-py3-none-any.whl"
    assert chain.release_gates(wheel) == wheel  # where gates init found it
    monkeypatch.setenv(chain.RELEASE_GATES_ENV, "/src/release-gates[tools]")
    assert chain.release_gates(wheel) == "/src/release-gates[tools]"


def test_an_edited_requirements_file_is_installed_again(
    session: FakeSession, tmp_path: Path
) -> None:
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    for _ in range(2):
        install = chain.Chain(install=("-e", ".", "-r", "requirements-dev.txt"))
        install.setup(session)
    assert len(session.installed()) == 1
    (tmp_path / "requirements-dev.txt").write_text("pytest\ntomli-w\n")
    install.setup(session)
    assert len(session.installed()) == 2


def test_every_session_says_what_it_does() -> None:
    for name, (doc, _body) in TEST_CHAIN.sessions().items():
        assert doc and "\n" not in doc.split(".")[0], name


# The chain session: the plan, in a nox of its own.


def test_gates_runs_the_plan_in_a_parallel_nox_telling_each_session_its_arguments(
    session: FakeSession,
) -> None:
    session.posargs = ["--jobs", "3", "--environment", "production"]
    TEST_CHAIN.gates(session)
    [run] = session.runs
    plan = chain_plan(session.posargs)
    assert run.args == tuple(nox_argv(session._runner.global_config, plan))
    assert run.env == {CHAIN_ENV: plan.environment(), "NOX_SCRIPT_MODE": "none"}


@pytest.mark.parametrize("posargs", [["--shards"], ["--jobs", "0"]])
def test_bad_chain_arguments_stop_the_chain_before_it_runs(
    session: FakeSession, posargs: list[str]
) -> None:
    session.posargs = posargs
    with pytest.raises(Stopped) as stopped:
        TEST_CHAIN.gates(session)
    assert str(stopped.value).startswith("error: --")
    assert session.runs == []


# An environment that does not install: the gate is recorded as ERROR naming the error.

README_ERROR = "error: Failed to build\n         OSError: Readme file does not exist: MISSING.md\n"


def _stopped_naming_errors(
    stopped: pytest.ExceptionInfo[Stopped], gate: str, recorded: str | None = None
) -> Path:
    """The errors file the session's one-line failure names (it says which ERRORs it recorded)."""
    message = str(stopped.value)
    match = re.fullmatch(
        rf"error: {gate}: an environment did not install \(the installer's errors: (\S+)\):"
        rf" recorded as ERROR \({recorded or gate}\)",
        message,
    )
    assert match, message
    return Path(match[1])


@pytest.mark.usefixtures("in_chain")
def test_a_gate_whose_project_does_not_install_records_the_installers_error(
    session: FakeSession,
) -> None:
    session.broken = {"pytest<8": README_ERROR}
    with pytest.raises(Stopped) as stopped:
        BESIDE.sessions()["typecheck"][1](session)
    errors = _stopped_naming_errors(stopped, "typecheck")
    assert errors.read_text() == README_ERROR  # the installer's stderr, kept for the gate
    # Recorded from release-gates' own environment, the project's being what failed.
    command = ("gates", "typecheck", "--setup-failed", str(errors))
    assert session.gates() == [(command, [0, 1, 2])]
    assert session.installed()[-1] == ("release-gates",)
    installs = [r for r in session.runs if "install" in r.args]
    assert all(r.env == chain_envs.UNWRAPPED for r in installs)  # uv's errors on one line each


@pytest.mark.parametrize("chain_run", [False, True], ids=["alone", "in the chain's nox"])
def test_tests_that_cannot_run_record_their_judges_too_in_the_chain(
    session: FakeSession, monkeypatch: pytest.MonkeyPatch, chain_run: bool
) -> None:
    """nox stops coverage and buckets when the tests' session fails: they are recorded with it,
    their evidence being missing for the same reason."""
    if chain_run:
        monkeypatch.setenv(CHAIN_ENV, chain_plan(["--environment", "production"]).environment())
    session.broken = {"pytest<8": README_ERROR}
    with pytest.raises(Stopped) as stopped:
        BESIDE.tests_evidence(session)
    judges = ["coverage", "buckets"] if chain_run else []
    errors = _stopped_naming_errors(stopped, "tests", ", ".join(["tests", *judges]))
    recorded = ("--setup-failed", str(errors))
    assert session.gates() == [
        (("gates", "tests", *recorded, "--evidence", "--"), [0, 1, 2]),
        *((("gates", name, *recorded), [0, 1, 2]) for name in judges),
    ]


def test_a_noxfile_from_before_records_with_its_judging_environment(session: FakeSession) -> None:
    """install holds the project (it fails): the ERROR is recorded from judge_install's."""
    before = chain.Chain(install=(".[test]", "release-gates"), judge_install=("release-gates",))
    session.broken = {".[test]": README_ERROR}
    with pytest.raises(Stopped) as stopped:
        before.sessions()["lint"][1](session)
    errors = _stopped_naming_errors(stopped, "lint")
    assert session.gates() == [(("gates", "lint", "--setup-failed", str(errors)), [0, 1, 2])]


def test_when_release_gates_itself_does_not_install_nothing_can_record(
    session: FakeSession,
) -> None:
    session.broken = {"release-gates": "error: No solution found\n"}
    with pytest.raises(Stopped) as stopped:
        BESIDE.sessions()["lint"][1](session)
    assert re.fullmatch(
        r"error: lint: an environment did not install \(the installer's errors: \S+\), nor did"
        r" release-gates' own \(\S+\)",
        str(stopped.value),
    ), stopped.value
    assert session.gates() == []


def test_an_install_that_works_leaves_no_errors_file(session: FakeSession) -> None:
    BESIDE.sessions()["typecheck"][1](session)
    assert list((session.cache_dir / ENVS_DIR).glob("*.errors")) == []


# Registration into nox.


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """nox's session registry, empty, and its options restored after the test."""
    for option in ("default_venv_backend", "reuse_venv", "sessions"):
        monkeypatch.setattr(nox.options, option, getattr(nox.options, option))
    nox.registry.reset()
    yield
    nox.registry.reset()


@pytest.mark.usefixtures("registry")
def test_register_defines_every_session_but_the_noxfiles_own(session: FakeSession) -> None:
    registered = chain.register(["."], smoke_plan="s.toml", own=["smoke"])
    assert registered == chain.Chain(install=(".",), smoke_plan="s.toml")
    sessions = nox.registry.get()
    assert list(sessions) == [name for name in TEST_CHAIN.sessions() if name != "smoke"]
    assert sessions["lint"].__doc__ == "ruff check and ruff format --check, as a gate."
    assert sessions["release"].default is False and sessions["lint"].default is True
    assert {name for name, s in sessions.items() if s.venv_backend is None} == chain.OWN_VENV
    assert sessions["gates"].venv_backend == sessions["lint"].venv_backend == "none"
    assert nox.options.sessions == ["gates"]
    assert nox.options.reuse_venv == "yes"
    sessions["report"](session)  # what nox calls runs the chain's session body
    assert session.gates() == [(("gates", "report"), None)]


@pytest.mark.usefixtures("registry")
def test_a_noxfiles_own_session_fails_with_one_line_when_its_environment_does_not_install(
    session: FakeSession,
) -> None:
    @chain.session()
    def bench(nox_session: nox.Session) -> None:
        BESIDE.run(nox_session, "python", "bench.py", in_project=True)

    session.broken = {"pytest<8": README_ERROR}
    with pytest.raises(Stopped) as stopped:
        nox.registry.get()["bench"](session)
    assert re.fullmatch(
        r"error: an environment did not install \(the installer's errors: \S+\)", str(stopped.value)
    )


@pytest.mark.usefixtures("registry")
@pytest.mark.parametrize("chain_run", [False, True], ids=["alone", "in the chain's nox"])
def test_gates_run_side_by_side_and_wait_for_the_tests_only_in_the_chain(
    monkeypatch: pytest.MonkeyPatch, chain_run: bool
) -> None:
    if chain_run:
        monkeypatch.setenv(CHAIN_ENV, "{}")
    else:
        monkeypatch.delenv(CHAIN_ENV, raising=False)
    chain.register(["."])
    sessions = nox.registry.get()
    parallel = {name for name, s in sessions.items() if s.allow_parallel}
    assert parallel == set(CHAIN) - {"decide"}
    assert sessions["decide"].allow_parallel is False  # alone, and last
    # `nox -s coverage` alone judges the evidence there; in the chain it waits for the tests.
    assert sessions["coverage"].requires == (["tests_evidence"] if chain_run else [])
    assert sessions["lint"].requires == []


@pytest.mark.usefixtures("registry")
def test_register_refuses_a_session_the_chain_does_not_have() -> None:
    with pytest.raises(ValueError) as raised:
        chain.register(["."], own=["smoke", "deploy"])
    assert str(raised.value) == "register(own=...): not a chain session: deploy"
    assert nox.registry.get() == {}


def test_nox_lists_this_repos_sessions() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "--list"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    # `--list --json` lists only the selected sessions (here: the chain session alone).
    names = re.findall(r"^[*-] (\S+) ->", listed.stdout, flags=re.MULTILINE)
    # The noxfile's own sessions (tests, smoke) are listed after the registered ones.
    own = {"tests", "e2e", "corpus", "smoke", "bench"}
    assert names[: -len(own)] == [name for name in TEST_CHAIN.sessions() if name not in own]
    assert set(names[-len(own) :]) == own
    assert "* gates ->" in listed.stdout  # `nox` alone runs the chain


# Real nox, side by side: a project that no longer installs still ends in a recorded NO_GO.

BROKEN_NOXFILE = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from gates import chain
chain.register(project=["-e", "."], install=["-e", {str(REPO) + "[tools]"!r}])
"""
MISSING_README = """\
[project]
name = "broken"
version = "0"
readme = "MISSING.md"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.ruff]
extend-exclude = ["noxfile.py"]

[tool.gates]
required = ["lint", "typecheck", "coverage", "buckets", "package"]
"""
"""Its build backend refuses it (the readme it names is missing): the project does not install."""


def test_a_project_that_does_not_install_ends_in_a_no_go_naming_the_install_error(
    tmp_path: Path,
) -> None:
    root = tmp_path / "broken"
    (root / "broken").mkdir(parents=True)
    (root / "broken/__init__.py").write_text("")
    (root / "pyproject.toml").write_text(MISSING_README)
    (root / "noxfile.py").write_text(BROKEN_NOXFILE)
    (root / ".gitignore").write_text(".nox/\n.gates/\n")
    init_repo(root)
    proc = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "gates", "--", "--jobs", "2"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    blocks = re.findall(r"^=+ \S+ (\w+): (\w+)", out, flags=re.MULTILINE)
    assert blocks[-1] == ("decide", "failed")  # NO_GO, after every other session
    # The gates that need the project record the install's error and stop; the others run
    # beside them. package builds in isolation: it records its build's error (FAIL).
    assert ("typecheck", "aborted") in blocks and ("tests_evidence", "aborted") in blocks
    assert ("lint", "success") in blocks and ("package", "success") in blocks
    decision = json.loads((root / ".gates/decision.json").read_text())
    error = "what it needs did not install: OSError: Readme file does not exist: MISSING.md"
    assert decision["verdict"] == "NO_GO"
    # The tests could not run, so neither can what judges their evidence: nox stops those
    # sessions, and the tests' session records them with the same error.
    assert ("coverage", "aborted") in blocks and ("buckets", "aborted") in blocks
    assert decision["reasons"][:3] == [
        f"typecheck: ERROR ({error})",
        f"coverage: ERROR ({error})",
        f"buckets: ERROR ({error})",
    ]
    assert decision["reasons"][3].startswith("package: FAIL (python -m build failed: ")
    tests = json.loads((root / ".gates/results/tests.json").read_text())
    assert (tests["status"], tests["summary"]) == ("ERROR", error)
    assert tests["tree"] == decision["tree"]  # bound to this tree: not "did not run", not stale
    decided = out[out.index(" decide: failed") :]
    assert "NO_GO (decision " in decided and "Traceback" not in out
