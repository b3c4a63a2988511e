"""Sessions: each gate alone (`nox -s lint`), the whole chain (`nox -s gates`), tests, benchmarks.

Inside `nox -s gates` every gate runs even when one fails (chained with session.notify) and a
gate's failure is evidence, not a session failure: the `decide` session's exit status decides.
"""

from __future__ import annotations

import os
import socket

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["gates"]

CHAIN_FLAG = "--in-gates-chain"
"""Posarg the chain passes to each gate session it notifies."""
CHAIN = ("lint", "typecheck", "tests_evidence", "coverage", "buckets", "package", "smoke", "decide")
"""Gate sessions in order, as in the design's flow."""
GATE_EXIT_CODES = [0, 1, 2]
"""In the chain a failed (1) or unjudgeable (2) gate is recorded; decide turns it into NO_GO.
A smoke target that is down (3) is recorded as ERROR the same way."""


def _install(session: nox.Session) -> None:
    session.install("-e", ".[test]")


def _gate(
    session: nox.Session,
    *command: str,
    env: dict[str, str] | None = None,
    chain_codes: tuple[int, ...] = (),
) -> None:
    in_chain = CHAIN_FLAG in session.posargs
    posargs = [arg for arg in session.posargs if arg != CHAIN_FLAG]
    _install(session)
    codes = [*GATE_EXIT_CODES, *chain_codes] if in_chain else [0]
    session.run("gates", *command, *posargs, success_codes=codes, env=env)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check + ruff format --check, as a gate."""
    _gate(session, "lint")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy, as a gate."""
    _gate(session, "typecheck")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite under coverage; fails on any failing test."""
    _install(session)
    session.run("gates", "tests", "--", *session.posargs)


@nox.session
def tests_evidence(session: nox.Session) -> None:
    """The test suite as evidence for the chain: failing tests are judged by the gates."""
    _install(session)
    posargs = [arg for arg in session.posargs if arg != CHAIN_FLAG]
    session.run("gates", "tests", "--evidence", "--", *posargs, success_codes=GATE_EXIT_CODES)


@nox.session
def buckets(session: nox.Session) -> None:
    """Failing tests sorted into owned buckets ([[tool.gates.buckets]]), as a gate."""
    _gate(session, "buckets")


@nox.session
def coverage(session: nox.Session) -> None:
    """Total, per-path and changed-line coverage of the tests' evidence, as a gate."""
    _gate(session, "coverage")


@nox.session
def package(session: nox.Session) -> None:
    """Build sdist + wheel, twine check --strict, install and smoke the wheel, hash the files."""
    _gate(session, "package")


@nox.session(default=False)
def release(session: nox.Session) -> None:
    """`gates release ARGS`: `-- prepare 0.2.0 --commit` or `-- publish [--dry-run]`."""
    _install(session)
    session.run("gates", "release", *session.posargs)


@nox.session
def smoke(session: nox.Session) -> None:
    """The example service's smoke plan, against GATES_SMOKE_URL or a local copy started for it."""
    plan = "examples/service/smoke.toml"
    url = os.environ.get("GATES_SMOKE_URL")
    if url:
        # Staging: SMOKE_EMAIL and SMOKE_PASSWORD come from the environment (CI secrets).
        _gate(session, "smoke", plan, "--base-url", url, chain_codes=(3,))
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The local service's demo user: not a secret, it exists only for this run.
    env = {"SMOKE_EMAIL": "demo@example.com", "SMOKE_PASSWORD": "demo-password"}
    env |= {"SERVICE_EMAIL": env["SMOKE_EMAIL"], "SERVICE_PASSWORD": env["SMOKE_PASSWORD"]}
    local = ["--base-url", f"http://127.0.0.1:{port}"]
    local += ["--start", f"python -m examples.service --port {port}"]
    _gate(session, "smoke", plan, *local, env=env, chain_codes=(3,))


@nox.session
def decide(session: nox.Session) -> None:
    """GO / GO_WITH_WAIVERS (exit 0) or NO_GO (exit 1) from every gate's recorded result."""
    _install(session)
    session.run("gates", "decide", *[arg for arg in session.posargs if arg != CHAIN_FLAG])


@nox.session(venv_backend="none")
def gates(session: nox.Session) -> None:
    """The whole chain: every gate, then the decision."""
    for name in CHAIN:
        session.notify(name, posargs=[CHAIN_FLAG, *(session.posargs if name == "decide" else [])])


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (benchmarks/bench_*.py), each against its named baseline in the same run."""
    _install(session)
    session.install("junitparser")
    for script in sorted(__import__("pathlib").Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)
