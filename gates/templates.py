"""What ``gates init`` writes, rendered from one place.

The workflow template rendered for this repository *is* ``.github/workflows/gates.yml`` (a test
compares them byte for byte). The noxfile template is short: its sessions come from
:mod:`gates.chain`, as this repository's ``noxfile.py`` does, so there is no copy to drift.
Placeholders are ``@NAME@`` rather than ``str.format`` fields: both files are full of braces.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from gates import chain
from gates.release_source import FROM_AN_INDEX, ReleaseGatesSource

SHARDS = 2
"""Test shards per Python version in the workflow."""

SMOKE_PLAN = chain.SMOKE_PLAN


def _fill(template: str, values: Mapping[str, str]) -> str:
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    return template


def workflow(*, project: str, pythons: Sequence[str]) -> str:
    """``.github/workflows/gates.yml`` for a project tested on ``pythons`` (oldest first)."""
    return _fill(
        WORKFLOW,
        {
            "TOOLS": TOOLS,
            "PYTHONS": ", ".join(f'"{version}"' for version in pythons),
            "PRIMARY_PYTHON": pythons[-1],
            "PROJECT": project,
            "SHARDS": str(SHARDS),
        },
    )


def noxfile(
    *,
    project: str,
    install: Sequence[str],
    smoke_plan: str = SMOKE_PLAN,
    release_gates: ReleaseGatesSource = FROM_AN_INDEX,
) -> str:
    """A noxfile whose gate sessions come from :mod:`gates.chain` (so upgrading release-gates
    upgrades them); ``install``: Python expressions of what the sessions install;
    ``release_gates``: where they install release-gates from (where ``gates init`` found it)."""
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
            "SCRIPT_RELEASE_GATES": release_gates.script_dependency(),
            # A JSON string is a Python and a TOML string literal: any path stays one string.
            "SCRIPT_DEPENDENCY": json.dumps(release_gates.script_dependency()),
            "RELEASE_GATES": json.dumps(release_gates.requirement()),
            "ORIGIN": str(release_gates.origin),
            "SMOKE_PLAN": smoke_plan,
        },
    )


def smoke_plan(*, package: str) -> str:
    """A starter smoke plan: the installed package imports. HTTP checks are for services."""
    return _fill(SMOKE, {"PACKAGE": package})


TOOLS = """\
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
        with:
          python-version: "@PRIMARY_PYTHON@"
      - uses: astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc # v6.4.3
        with:
          enable-cache: false
      - run: python -m pip install nox"""
"""The steps every job on the primary Python starts with (after its checkout)."""

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
@TOOLS@
      - run: nox -s workflow

  gates:
    name: gates (decision)
    needs: tests
    # Decide even when a shard broke: missing evidence is an ERROR, and ERROR is NO_GO.
    if: ${{ !cancelled() }}
    runs-on: ubuntu-24.04
    permissions:
      contents: write # push the decision ledger, refs/gates/ledger (the chain step alone)
    env:
      # The ledger is refs/gates/ledger on origin: fetched and pushed with every record, so
      # history and sign-offs outlive this runner. A fork's pull request has a read-only token:
      # its ledger stays on the runner.
      GATES_LEDGER_REMOTE: ${{ !github.event.pull_request.head.repo.fork && 'origin' || '' }}
    outputs:
      verdict: ${{ steps.chain.outputs.verdict }}
      ledger_head: ${{ steps.head.outputs.ledger_head }}
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0 # changed-line coverage diffs against the base branch
          persist-credentials: false
@TOOLS@
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
        env:
          # A repository variable: the deployment `nox -s smoke` checks (skipped while unset).
          GATES_SMOKE_URL: ${{ vars.GATES_SMOKE_URL }}
          LEDGER_TOKEN: ${{ github.token }}
        # The ledger's git calls authenticate with the job's token in this step only (the
        # checkout keeps no credentials), as an HTTP header git reads from the environment.
        run: |
          basic=$(printf 'x-access-token:%s' "$LEDGER_TOKEN" | base64 -w0)
          echo "::add-mask::${basic}"
          export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="http.${GITHUB_SERVER_URL}/.extraheader"
          export GIT_CONFIG_VALUE_0="AUTHORIZATION: basic ${basic}"
          nox -s gates -- --shards "${RUNNER_TEMP}/shards"
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
      contents: write # push the release tag, and the ledger's records of the release
      id-token: write # PyPI trusted publishing: twine exchanges the OIDC token, no stored secret
    env:
      GATES_LEDGER_REMOTE: origin # the gates job's ledger, refs/gates/ledger
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0
          persist-credentials: true # `gates release publish` pushes the tag, gates the ledger
@TOOLS@
      - name: Download gated state
        uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
        with:
          name: gates-state
          path: .gates/
      # Rewritten or cut on origin: refused before anything is read from it. Other runs may
      # have appended since; the gates job's decision (whose hash covers every record before
      # it) must still be there.
      - name: Verify the ledger
        env:
          LEDGER_HEAD: ${{ needs.gates.outputs.ledger_head }}
        run: |
          nox -s release --install-only
          .nox/release/bin/gates ledger sync
          .nox/release/bin/gates ledger verify --expect-record "$LEDGER_HEAD"
      # The gates job's results are for this very tree: decide again, for production, so the
      # ledger records who released (this run) and the checklist's must-haves are enforced.
      - name: Production decision
        run: nox -s decide -- --environment production
      - name: Publish
        run: nox -s release -- publish
"""

NOXFILE = '''\
# /// script
# dependencies = ["nox>=2026.10", @SCRIPT_DEPENDENCY@]
# ///
"""Release gates for @PROJECT@ (written by `gates init`; edit freely).

`nox` runs every gate even when one fails (side by side: `nox -- --jobs 1` runs
them one at a time), then records the decision: exit 0 for GO / GO_WITH_WAIVERS,
1 for NO_GO. `nox -s <gate>` runs one gate alone and fails when it fails.

The sessions come from release-gates itself (gates.chain): nox installs it from the
block above unless it is installed beside nox. `nox --script-mode fresh` upgrades
it, and with it the chain.
"""

from __future__ import annotations

import sys

import nox

nox.needs_version = ">=2026.10"

try:
    from gates import chain
except ImportError as missing:  # script mode off, no release-gates beside nox
    print(
        f"noxfile.py: error: {missing}: the gate sessions come from release-gates; "
        "run nox in script mode (the default), or install both: "
        "uv tool install nox --with '@SCRIPT_RELEASE_GATES@'",
        file=sys.stderr,
    )
    raise SystemExit(2) from None

@PYPROJECT@PROJECT = [@INSTALL@]
"""The project and its test requirements, as `pip install` arguments: the project's own
environment (with pytest and coverage), which never holds release-gates."""
RELEASE_GATES = @RELEASE_GATES@
"""Where `gates init` found release-gates (@ORIGIN@): sessions install the same one.
The RELEASE_GATES environment variable overrides it."""

chain.register(
    project=PROJECT,
    # Every `gates` command runs from an environment of its own, beside the project's: their
    # pins never meet, and a project that no longer installs still ends in a decision.
    install=[chain.release_gates(RELEASE_GATES)],
    smoke_plan="@SMOKE_PLAN@",
)

# Your own sessions go below. To change one of the chain's sessions, name it in
# register(own=[...]) and define it here with the methods of the Chain that
# register returns: the chain still runs it, by name.
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
