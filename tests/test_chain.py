"""The chain's nox sessions: order from the gate registry, what each session runs, registration.

The session bodies are driven with a recording stand-in for ``nox.Session`` (the
:class:`gates.chain.Session` protocol; mypy checks that nox's class satisfies it); real nox lists
and runs them in ``test_nox_lists_this_repos_sessions`` and in tests/test_init.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import nox
import pytest

from gates import __version__, chain
from gates.gate import BUILTIN, GateSpec

REPO = Path(__file__).resolve().parent.parent
FLAG = chain.CHAIN_FLAG


class Stopped(Exception):
    """``session.error`` / ``session.skip``: nox stops the session there."""


@dataclass
class FakeSession:
    """Records what a session body asks of nox."""

    bin: str
    posargs: list[str] = field(default_factory=list)
    runs: list[tuple[tuple[str, ...], list[int] | None, dict[str, str] | None]] = field(
        default_factory=list
    )
    installs: list[tuple[str, ...]] = field(default_factory=list)
    notified: list[tuple[str, list[str]]] = field(default_factory=list)

    def run(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        success_codes: Iterable[int] | None = None,
    ) -> object:
        codes = None if success_codes is None else list(success_codes)
        self.runs.append(
            (args, codes, None if env is None else {k: str(v) for k, v in env.items()})
        )
        return True

    def install(self, *args: str) -> None:
        self.installs.append(args)

    def notify(self, target: str, posargs: Iterable[str] | None = None) -> None:
        self.notified.append((target, list(posargs or [])))

    def error(self, *args: object) -> NoReturn:
        raise Stopped("error: " + " ".join(map(str, args)))

    def skip(self, *args: object) -> NoReturn:
        raise Stopped("skip: " + " ".join(map(str, args)))


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSession:
    """A session in a project folder (cwd) whose venv is tmp_path/venv."""
    (tmp_path / "venv/bin").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(chain.SMOKE_URL_ENV, raising=False)
    return FakeSession(bin=str(tmp_path / "venv/bin"))


CHAIN = chain.Chain(install=("-e", ".[test]"), smoke_plan="plan.toml")


# The order: the registry's, derived.


def test_chain_order_is_the_registrys_with_tests_as_evidence_then_decide() -> None:
    assert chain.CHAIN == (
        "lint",
        "typecheck",
        "tests_evidence",
        "coverage",
        "buckets",
        "package",
        "smoke",
        "decide",
    )
    assert chain.CHAIN[:-1] == tuple(chain.session_name(spec.name) for spec in BUILTIN)


def _spec(name: str, *after: str) -> GateSpec:
    return GateSpec(name, f"gates.{name}", name, init_required=False, after=after)


def test_a_gate_listed_before_the_gates_it_judges_runs_after_them() -> None:
    specs = (_spec("report_card", "tests", "lint"), _spec("lint"), _spec("tests"), _spec("pkg"))
    assert chain.chain_order(specs) == ("lint", "tests_evidence", "report_card", "pkg", "decide")


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (
            (_spec("lint"), _spec("coverage", "tests")),
            "gate registry: 'after' names unknown gates ['tests']: {'coverage': ['tests']}",
        ),
        (
            (_spec("a", "b"), _spec("b", "a")),
            "gate registry: 'after' names a cycle: {'a': ['b'], 'b': ['a']}",
        ),
    ],
)
def test_a_registry_with_no_order_is_refused(specs: tuple[GateSpec, ...], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        chain.chain_order(specs)
    assert str(raised.value) == message


def test_every_gate_judging_the_sharded_evidence_knows_how_to_read_the_shards() -> None:
    judges = {spec.name for spec in BUILTIN if chain.SHARDED_GATE in spec.after}
    assert judges == set(chain.SHARD_EVIDENCE)


# What `nox -s gates` notifies.


def test_plan_runs_every_session_in_the_chain_and_gives_the_rest_to_decide() -> None:
    plan = chain.chain_plan(["--environment", "production"])
    assert [name for name, _ in plan] == list(chain.CHAIN)
    assert dict(plan)["lint"] == [FLAG]
    assert dict(plan)["decide"] == [FLAG, "--environment", "production"]


def test_plan_with_shards_judges_them_instead_of_running_the_tests(tmp_path: Path) -> None:
    plan = dict(chain.chain_plan(["--shards", str(tmp_path), "--environment", "staging"]))
    assert "tests_evidence" not in plan
    assert plan["coverage"] == [FLAG, "--data", str(tmp_path)]
    assert plan["buckets"] == [FLAG, "--junit", str(tmp_path)]
    assert plan["package"] == [FLAG]
    assert plan["decide"] == [FLAG, "--environment", "staging"]


@pytest.mark.parametrize("posargs", [["--shards"], ["--shards", "nowhere"]])
def test_shards_without_a_folder_stop_the_chain(
    session: FakeSession, posargs: list[str], tmp_path: Path
) -> None:
    session.posargs = posargs
    with pytest.raises(Stopped) as stopped:
        CHAIN.gates(session)
    assert str(stopped.value) == "error: --shards needs a folder of shard evidence folders"
    assert session.notified == []


def test_gates_session_notifies_the_plan(session: FakeSession) -> None:
    CHAIN.gates(session)
    assert session.notified == chain.chain_plan([])


# What each session runs.


def test_a_gate_alone_fails_when_the_gate_fails(session: FakeSession) -> None:
    session.posargs = ["--junit", "x.xml"]
    CHAIN.sessions()["buckets"][1](session)
    assert session.runs == [(("gates", "buckets", "--junit", "x.xml"), [0], None)]
    assert session.installs == [("-e", ".[test]")]


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
    session.posargs = [FLAG]
    judging.sessions()[name][1](session)
    assert session.installs == [installs]


def test_a_gate_in_the_chain_records_failure_as_evidence(session: FakeSession) -> None:
    session.posargs = [FLAG]
    CHAIN.sessions()["lint"][1](session)
    assert session.runs == [(("gates", "lint"), [0, 1, 2], None)]


def test_tests_alone_fail_and_tests_as_evidence_do_not(session: FakeSession) -> None:
    session.posargs = ["-k", "fast"]
    CHAIN.tests(session)
    session.posargs = [FLAG, "-k", "fast"]
    CHAIN.tests_evidence(session)
    assert session.runs == [
        (("gates", "tests", "--", "-k", "fast"), None, None),
        (("gates", "tests", "--evidence", "--", "-k", "fast"), [0, 1, 2], None),
    ]


def test_smoke_without_a_target_is_skipped(session: FakeSession) -> None:
    with pytest.raises(Stopped) as stopped:
        CHAIN.smoke(session)
    assert str(stopped.value) == (
        "skip: no smoke target: set GATES_SMOKE_URL to the deployment to check"
    )
    assert session.runs == []


def test_smoke_checks_the_target_and_a_down_target_is_evidence_in_the_chain(
    session: FakeSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(chain.SMOKE_URL_ENV, "https://staging.example")
    session.posargs = [FLAG]
    CHAIN.smoke(session)
    command = ("gates", "smoke", "plan.toml", "--base-url", "https://staging.example")
    assert session.runs == [(command, [0, 1, 2, 3], None)]


def test_gate_passes_its_environment(session: FakeSession) -> None:
    CHAIN.gate(session, "smoke", "plan.toml", env={"SMOKE_EMAIL": "demo@example.com"})
    assert session.runs[0][2] == {"SMOKE_EMAIL": "demo@example.com"}


@pytest.mark.parametrize(
    ("name", "posargs", "command"),
    [
        (
            "decide",
            [FLAG, "--environment", "production"],
            ("decide", "--environment", "production"),
        ),
        ("report", ["--html", "r.html"], ("report", "--html", "r.html")),
        ("release", ["publish", "--dry-run"], ("release", "publish", "--dry-run")),
    ],
)
def test_decide_report_and_release_pass_their_arguments(
    session: FakeSession, name: str, posargs: list[str], command: tuple[str, ...]
) -> None:
    session.posargs = posargs
    CHAIN.sessions()[name][1](session)
    assert session.runs == [(("gates", *command), None, None)]


def test_workflow_lints_every_workflow_file(session: FakeSession, tmp_path: Path) -> None:
    workflows = tmp_path / ".github/workflows"
    workflows.mkdir(parents=True)
    for name in ("b.yml", "a.yaml", "notes.txt"):
        (workflows / name).write_text("")
    CHAIN.workflow(session)
    found = [".github/workflows/a.yaml", ".github/workflows/b.yml"]
    assert session.installs == [chain.WORKFLOW_LINTERS]
    assert [run[0] for run in session.runs] == [
        ("actionlint", *found),
        ("zizmor", "--offline", *found),
    ]


def test_install_runs_once_per_venv_until_pyproject_changes(
    session: FakeSession, tmp_path: Path
) -> None:
    for _ in range(2):
        CHAIN.setup(session)
    assert len(session.installs) == 1
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "2"\n')
    CHAIN.setup(session)
    assert len(session.installs) == 2
    assert (tmp_path / "venv" / chain.INSTALL_STAMP).is_file()


def test_sessions_install_this_release_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(chain.RELEASE_GATES_ENV, raising=False)
    assert chain.release_gates() == f"release-gates[tools]=={__version__}"
    monkeypatch.setenv(chain.RELEASE_GATES_ENV, "/src/release-gates[tools]")
    assert chain.release_gates() == "/src/release-gates[tools]"


def test_every_session_says_what_it_does() -> None:
    for name, (doc, _body) in CHAIN.sessions().items():
        assert doc and "\n" not in doc.split(".")[0], name


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
    assert list(sessions) == [name for name in CHAIN.sessions() if name != "smoke"]
    assert sessions["lint"].__doc__ == "ruff check and ruff format --check, as a gate."
    assert sessions["release"].default is False and sessions["lint"].default is True
    assert sessions["gates"].venv_backend == "none" and sessions["lint"].venv_backend is None
    assert nox.options.sessions == ["gates"]
    assert nox.options.reuse_venv == "yes"
    sessions["report"](session)  # what nox calls runs the chain's session body
    assert session.runs == [(("gates", "report"), None, None)]


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
    assert names[: -len(own)] == [name for name in CHAIN.sessions() if name not in own]
    assert set(names[-len(own) :]) == own
    assert "* gates ->" in listed.stdout  # `nox` alone runs the chain
