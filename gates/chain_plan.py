"""The chain's order and what ``nox -s gates`` runs: the sessions, their arguments, the nox.

The order derives from :data:`gates.gate.BUILTIN`; :func:`chain_plan` reads the chain's posargs;
:func:`nox_argv` is the nox that runs the plan with ``--parallel`` and :data:`CHAIN_ENV` tells
each session there its arguments. Imported in nox's process, like :mod:`gates.chain`.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gates.gate import BUILTIN, GateSpec

if TYPE_CHECKING:
    from nox._options import NoxConfig

CHAIN_ENV = "GATES_CHAIN"
"""Set by ``nox -s gates`` for the nox it runs the chain in: JSON, each session's arguments.
A session named there is in the chain; the commands it runs never see it (a test suite that
runs nox on a fixture project must not put that project's sessions in this chain)."""
SHARDS_FLAG = "--shards"
"""``nox -s gates -- --shards DIR``: judge CI shard folders DIR/*/ instead of running the tests."""
SHARDED_GATE = "tests"
"""The gate CI runs in shards: under ``--shards`` the shards' evidence replaces its run."""
EVIDENCE_SESSION = "tests_evidence"
"""The sharded gate's session in the chain: failing tests are evidence, not a session failure."""
SHARD_EVIDENCE = {"coverage": "--data", "buckets": "--junit"}
"""How each gate that judges the sharded gate's evidence reads the shards (searched recursively)."""
JOBS_FLAG = "--jobs"
"""``nox -s gates -- --jobs N``: at most N sessions at once (1: one after the other)."""
DECIDE = "decide"


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

REQUIRES = {
    session_name(spec.name): [session_name(name) for name in spec.after]
    for spec in BUILTIN
    if spec.after
}
"""In the chain's run: the sessions that judge another's evidence wait for it."""


@dataclass(frozen=True)
class Plan:
    """What ``nox -s gates -- POSARGS`` runs: each session with its arguments, in order."""

    steps: tuple[tuple[str, tuple[str, ...]], ...]
    jobs: int
    """Sessions at once."""

    @property
    def sessions(self) -> list[str]:
        """In order, except that a session others wait for goes first: nox starts the ready
        sessions in this order, so the longest path (the tests, then what judges them) starts
        at once. Still a valid order to run them one after the other."""
        awaited = {name for names in REQUIRES.values() for name in names}
        return sorted((name for name, _ in self.steps), key=lambda name: name not in awaited)

    def environment(self) -> str:
        """The value of :data:`CHAIN_ENV` for the chain's nox."""
        return json.dumps({name: list(args) for name, args in self.steps})


def default_jobs() -> int:
    """One session per core, and at least two: the short gates wait on I/O and start-up."""
    return max(2, os.cpu_count() or 1)


def _take_option(rest: list[str], flag: str) -> str | None:
    """Remove ``flag VALUE`` from ``rest``; its value ('' when missing), or None when absent."""
    if flag not in rest:
        return None
    at = rest.index(flag)
    value = rest[at + 1] if at + 1 < len(rest) else ""
    del rest[at : at + 2]
    return value


def chain_plan(posargs: Sequence[str], order: Sequence[str] = CHAIN) -> Plan:
    """What ``nox -s gates -- POSARGS`` runs.

    ``--shards DIR`` replaces the sharded gate's run with DIR's evidence; ``--jobs N`` caps the
    sessions at once; every other posarg is the decision's (``--environment production``).
    Raises ValueError for a bad ``--shards`` or ``--jobs``.
    """
    rest = list(posargs)
    shards_arg = _take_option(rest, SHARDS_FLAG)
    if shards_arg is not None and not (shards_arg and Path(shards_arg).is_dir()):
        raise ValueError(f"{SHARDS_FLAG} needs a folder of shard evidence folders")
    jobs_arg = _take_option(rest, JOBS_FLAG)
    if jobs_arg is not None and not (jobs_arg.isdigit() and int(jobs_arg) > 0):
        raise ValueError(f"{JOBS_FLAG} needs a number of sessions at once, got {jobs_arg!r}")
    steps = []
    for name in order:
        extra: tuple[str, ...] = ()
        if shards_arg is not None:
            if name == EVIDENCE_SESSION:
                continue
            if name in SHARD_EVIDENCE:
                extra = (SHARD_EVIDENCE[name], shards_arg)
        steps.append((name, (*extra, *(rest if name == DECIDE else []))))
    return Plan(tuple(steps), int(jobs_arg) if jobs_arg else default_jobs())


def chain_args(name: str) -> list[str] | None:
    """The arguments of session ``name`` in the chain's run, or None when it runs alone."""
    raw = os.environ.get(CHAIN_ENV)
    if raw is None:
        return None
    args: dict[str, list[str]] = json.loads(raw)
    return args.get(name)


def in_chain(name: str) -> bool:
    return chain_args(name) is not None


SCRIPT_MODE_ENV = {"NOX_SCRIPT_MODE": "none"}
"""The chain's nox runs in this process's interpreter, already the noxfile's environment."""


def nox_argv(config: NoxConfig, plan: Plan) -> list[str]:
    """The nox that runs ``plan``: the user's options (``--envdir``, ``-f``, colour...) as nox
    forwards them to its own parallel workers, with the plan's sessions and ``--parallel``.

    ``--no-dependencies``: a session the plan leaves out (the tests, under ``--shards``) is not
    brought back by a ``requires=``; the ones it lists still wait for what they require.
    """
    from nox import _option_set  # nox's own serializer of its options, as its --parallel uses

    inner = copy.deepcopy(config)
    for name, value in {
        "sessions": plan.sessions,
        "keywords": None,
        "tags": None,
        "parallel": plan.jobs,
        "no_dependencies": True,
        "report": None,
        "posargs": [],
    }.items():
        inner.set_value(name, value, _option_set.Source.COMMAND_LINE)
    return [sys.executable, "-m", "nox", *_option_set.to_argv(inner)]
