"""The gate contract and the one registry of built-in gates.

A gate collects evidence about one tree (the only I/O) and judges it (pure: evidence + config +
today → :class:`~gates.model.GateResult`); :func:`gates.runner.run_gate` computes the tree id once,
stamps and records what the gate concluded. The built-in gate names, the CLI gate subcommands,
the chain's order and what ``gates init`` makes required all derive from :data:`BUILTIN`: a new
gate is one module (``add_arguments``, ``from_args``, a :class:`Gate` subclass) and one line here.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Generic, NamedTuple, Protocol, TypeVar, cast

from gates.errors import Exit

if TYPE_CHECKING:
    import argparse
    import datetime as dt
    from pathlib import Path

    from gates.config import GatesConfig
    from gates.model import GateResult
    from gates.project import Project
    from gates.reuse import Inputs

EvidenceT = TypeVar("EvidenceT")


class Runnable(Protocol):
    """What the runner needs of a gate: its name, one evaluation, the versions of its tools,
    and what decides whether a recorded result can stand in for a run."""

    @property
    def name(self) -> str: ...

    def evaluate(self, project: Project, tree: str, today: dt.date) -> GateResult: ...

    def tools(self) -> Mapping[str, str]: ...

    def inputs(self, project: Project, tree: str) -> Inputs | None: ...

    def outputs(self, project: Project, tree: str) -> Sequence[Path]: ...

    def render(self, result: GateResult) -> str | None: ...

    def exit_code(self, result: GateResult) -> Exit: ...

    def recorded(self, project: Project, result: GateResult) -> None: ...

    def judged_tree(self, project: Project, tree: str) -> str: ...


class Gate(ABC, Generic[EvidenceT]):
    """One gate: ``collect`` the evidence for ``tree``, then ``judge`` it without I/O."""

    name: str

    @abstractmethod
    def collect(self, project: Project, tree: str) -> EvidenceT:
        """Run the tool or read the evidence: the only I/O of a gate."""

    @abstractmethod
    def judge(self, evidence: EvidenceT, config: GatesConfig, today: dt.date) -> GateResult:
        """Pure: the evidence against the config on ``today``."""

    def tools(self) -> Mapping[str, str]:
        """Versions of the tools the gate ran, for the record (only called after a run)."""
        return {}

    def inputs(self, project: Project, tree: str) -> Inputs | None:
        """What the result depends on besides the tree, for reuse; None: never reused (a live
        target, an arbitrary command, a run that writes a baseline)."""
        return None

    def outputs(self, project: Project, tree: str) -> Sequence[Path]:
        """Files a run leaves for later steps (evidence, built files): a result is reused only
        while they are as its run left them."""
        return ()

    def evaluate(self, project: Project, tree: str, today: dt.date) -> GateResult:
        return self.judge(self.collect(project, tree), project.config, today)

    def render(self, result: GateResult) -> str | None:
        """The gate's own terminal report, or None for the common one."""
        return None

    def exit_code(self, result: GateResult) -> Exit:
        return result.status.exit_code

    def recorded(self, project: Project, result: GateResult) -> None:
        """After the result is recorded: write the gate's own report files, if it has any."""

    def judged_tree(self, project: Project, tree: str) -> str:
        """The tree the run judged: ``tree``, taken before it, unless the run wrote into it."""
        return tree


class GateModule(Protocol):
    """What a gate's module offers the CLI (imported only when its command runs)."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def from_args(self, args: argparse.Namespace) -> Runnable: ...


class GateSpec(NamedTuple):
    """One built-in gate: its name, where it lives, and how it takes part in the chain.

    Immutable like the frozen dataclasses elsewhere, but a named tuple: ``gates --version`` and
    ``gates --help`` read the registry, and a dataclass would import ``dataclasses`` (and
    ``inspect``) for it alone, a sixth of their start-up.
    """

    name: str
    module: str
    """Imported only when the gate runs: ``gates --help`` stays fast."""
    help: str
    init_required: bool
    """``gates init`` makes it required (smoke waits for a target, tests are judged by buckets)."""
    after: tuple[str, ...] = ()
    """Gates whose evidence it judges: in the chain it runs after them."""
    needs_project: bool = True
    """Its chain session installs the project (the tool imports it: mypy, pytest). False: it
    judges recorded evidence, or builds the project in isolation (package), so a project that no
    longer installs is still judged, its error named, instead of leaving a stale result."""

    def load(self) -> GateModule:
        return cast(GateModule, importlib.import_module(self.module))


BUILTIN: tuple[GateSpec, ...] = (
    GateSpec("lint", "gates.lint", "ruff check and ruff format --check", init_required=True),
    GateSpec("typecheck", "gates.typecheck", "mypy", init_required=True),
    GateSpec("tests", "gates.testrun", "pytest under coverage, writing .gates/evidence/", False),
    GateSpec(
        "coverage",
        "gates.coverage_gate",
        "total, per-path and changed-line coverage thresholds",
        init_required=True,
        after=("tests",),
        needs_project=False,
    ),
    GateSpec(
        "buckets",
        "gates.buckets",
        "sort failing tests into owned buckets; judge them",
        init_required=True,
        after=("tests",),
        needs_project=False,
    ),
    GateSpec(
        "package",
        "gates.package",
        "build sdist + wheel, twine check, install and smoke the wheel",
        init_required=True,
        needs_project=False,
    ),
    GateSpec(
        "smoke", "gates.smoke.gate", "run a smoke plan (HTTP, WebSocket, command checks)", False
    ),
)
"""In chain order."""

NAMES: tuple[str, ...] = tuple(spec.name for spec in BUILTIN)
BY_NAME: Mapping[str, GateSpec] = {spec.name: spec for spec in BUILTIN}
INIT_REQUIRED: tuple[str, ...] = tuple(spec.name for spec in BUILTIN if spec.init_required)
