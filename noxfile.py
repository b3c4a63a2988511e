"""Sessions: each gate alone (`nox -s lint`), the whole chain (`nox -s gates`), tests, benchmarks.

The gate sessions and the chain come from gates.chain, as in every noxfile `gates init` writes;
this file adds what only this repository has: the tests also lint the workflow, the smoke gate
starts the example service when no target is given, and the benchmarks.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import nox

# This checkout's gates.chain, never a release-gates installed beside nox.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gates import chain

CHAIN = chain.register(
    # The project is release-gates itself: its own environment holds it with its [test] extra,
    # and the gates run beside it from one of their own, as in every noxfile `gates init` writes.
    project=["-e", ".[test]"],
    install=["-e", ".[tools,smoke]"],
    smoke_plan="examples/service/smoke.toml",
    own=["tests", "smoke"],
)


SLOW = "slow"
"""Marker of the end-to-end tests that adopt real PyPI projects (minutes each): `nox -s e2e`."""
CORPUS = "corpus"
"""Marker of the slowest of them, the adoption corpus (tests/test_corpus.py): `nox -s corpus`."""


@chain.session()
def tests(session: nox.Session) -> None:
    """The test suite under coverage (not the slow end-to-end ones), then the workflow lint.

    Fails on any failing test. Arguments replace the default
    `-m "not slow" -n auto --dist loadfile`.
    """
    # A session of its own (not a step here): its linters stay out of the test venv, and
    # `nox -s tests` still exits non-zero when it fails.
    session.notify("workflow", posargs=[])
    if not session.posargs:
        # Side by side: `nox -s tests` judges pass/fail only (the chain's tests_evidence runs
        # serially, where coverage measures every test for the coverage gate).
        # --dist loadfile: a module's tests share one worker, so its module-scoped fixtures (a
        # measured project, a package index, a running service) are set up once, not per worker.
        session.posargs.extend(["-m", f"not {SLOW}", "-n", "auto", "--dist", "loadfile"])
    CHAIN.tests(session)


@chain.session(default=False)
def e2e(session: nox.Session) -> None:
    """The slow end-to-end tests: real projects from PyPI adopted with `gates init` and gated."""
    session.posargs.extend(["-m", f"{SLOW} and not {CORPUS}"])
    CHAIN.tests(session)


@chain.session(default=False)
def corpus(session: nox.Session) -> None:
    """Eight real PyPI projects of every shape: GO when adopted, NO_GO on each seeded defect."""
    session.posargs.extend(["-m", CORPUS])
    CHAIN.tests(session)


@chain.session()
def smoke(session: nox.Session) -> None:
    """The example service's smoke plan, against GATES_SMOKE_URL or a local copy started for it."""
    if os.environ.get(chain.SMOKE_URL_ENV):
        # Staging: SMOKE_EMAIL and SMOKE_PASSWORD come from the environment (CI secrets).
        CHAIN.smoke(session)
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The local service's demo user: not a secret, it exists only for this run.
    env = {"SMOKE_EMAIL": "demo@example.com", "SMOKE_PASSWORD": "demo-password"}
    env |= {"SERVICE_EMAIL": env["SMOKE_EMAIL"], "SERVICE_PASSWORD": env["SMOKE_PASSWORD"]}
    local = ["--base-url", f"http://127.0.0.1:{port}"]
    local += ["--start", f"python -m examples.service --port {port}"]
    codes = chain.TARGET_DOWN_CODES
    CHAIN.gate(session, chain.SMOKE, CHAIN.smoke_plan, *local, env=env, chain_codes=codes)


@chain.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (benchmarks/bench_*.py), each against its named baseline in the same run."""
    for script in sorted(Path("benchmarks").glob("bench_*.py")):
        command = ("python", str(script), *session.posargs)
        CHAIN.run(session, *command, extra=("junitparser",), in_project=True)
