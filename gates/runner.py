"""Run one gate: the tree id once, reuse or collect and judge, stamp, record, map to an exit code.

Recording writes ``.gates/results/<gate>.json`` and appends the result's digest to the ledger:
a results file is evidence only while it matches that record (:func:`trusted_result`).

A gate whose inputs (:mod:`gates.reuse`) equal those its last run for this tree recorded is not
run again: its result stands, provided the results file still matches that ledger record and the
files the run left are unchanged. The reuse is a ledger record of its own (``"reused": true``),
so the ledger says what happened and ``decide`` reads the same result either way.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from gates import reuse
from gates.errors import ConfigError, EvidenceError, GatesError, TargetDownError, ToolError
from gates.gate import Runnable
from gates.ledger import record_result, result_digest
from gates.model import GateResult, Status, utcnow
from gates.project import Project


@dataclass(frozen=True)
class GateRun:
    """What :func:`run_gate` did: the result that stands, and whether it was reused."""

    result: GateResult
    reused_from: str | None = None
    """When the run whose result was reused started; None: the gate ran now."""
    why_ran: str = ""
    """Why a result recorded for this tree was not reused; empty when there was none to reuse."""


def run_gate(
    project: Project, gate: Runnable, *, today: dt.date | None = None, fresh: bool = False
) -> GateRun:
    """Reuse, or collect, judge, stamp and record ``gate`` for the current tree.

    ``fresh``: run even when a recorded result could be reused (the inputs are still recorded).
    Tool, evidence and gate-config failures (and a smoke target that is down) are recorded as
    ERROR — fail closed: a stale PASS must never stand in, and the decision says what happened
    rather than "did not run" — then re-raised so the command exits 2 (or 3).
    """
    tree = project.workspace.tree_id()
    started = utcnow()
    day = today or started.date()
    inputs = _inputs(project, gate, tree, day)
    why_ran = ""
    if inputs is not None and not fresh:
        found = reusable(project, gate, tree, inputs)
        if isinstance(found, Recorded):
            outputs = _outputs(project, gate, tree)
            record_result(
                project.ledger,
                found.result,
                workspace=project.workspace.identity,
                inputs=inputs,
                outputs=outputs,
                reused_digest=found.digest,
            )
            return GateRun(found.result, reused_from=found.result.started_at)
        why_ran = found
    clock = time.perf_counter()
    failure: ConfigError | ToolError | EvidenceError | TargetDownError | None = None
    try:
        result = gate.evaluate(project, tree, day)
    except (ConfigError, ToolError, EvidenceError, TargetDownError) as exc:
        failure = exc
        result = GateResult(gate=gate.name, status=Status.ERROR, summary=str(exc))
    # A run that wrote into the tree (a baseline) judged the tree as it left it: recorded for
    # the tree from before, its result would stand for that one again once the file is put back.
    tree = gate.judged_tree(project, tree)
    try:
        versions = gate.tools()
    except ToolError:
        versions = {}
    stamped = result.stamped(
        tree=tree, started_at=started, duration_s=time.perf_counter() - clock, tools=versions
    )
    record(project, stamped, inputs=inputs, outputs=_outputs(project, gate, tree))
    gate.recorded(project, stamped)
    if failure is not None:
        raise failure
    return GateRun(stamped, why_ran=why_ran)


def _inputs(project: Project, gate: Runnable, tree: str, today: dt.date) -> dict[str, str] | None:
    """The gate's input components; None when it is never reused or they cannot be read (the
    run then meets the same problem and reports it)."""
    try:
        declared = gate.inputs(project, tree)
    except GatesError:
        return None
    if declared is None:
        return None
    found = reuse.components(declared, tree=tree, today=today, root=project.root)
    linked = project.workspace.linked_outside(tree)
    if linked:
        found["linked"] = reuse.files_digest(linked, project.root)
    return found


def _outputs(project: Project, gate: Runnable, tree: str) -> str | None:
    files = gate.outputs(project, tree)
    return reuse.files_digest(files, project.root) if files else None


@dataclass(frozen=True)
class Recorded:
    """A results file as read, and the digest of that JSON its ledger record holds."""

    result: GateResult
    digest: str


def reusable(project: Project, gate: Runnable, tree: str, inputs: dict[str, str]) -> Recorded | str:
    """The recorded result of ``gate`` when it may stand for a run with ``inputs``, else why not
    (empty when nothing was recorded for this tree)."""
    record = project.ledger.latest_result(gate.name, tree, project.workspace.identity)
    if record is None:
        return ""
    recorded = record.get("inputs")
    if not isinstance(recorded, dict):
        return "its last run recorded no inputs"
    differ = reuse.changed(recorded, inputs)
    if differ:
        return f"its inputs changed ({', '.join(differ)})"
    if record.get("status") == Status.ERROR.value:
        return "its last result was an ERROR"
    try:
        read = project.workspace.read_result_data(gate.name)
    except EvidenceError as exc:
        return str(exc)
    path = project.workspace.result_path(gate.name).name
    if read is None:
        return f"{path} is missing"
    result, data = read
    digest = result_digest(data)
    if record.get("digest") != digest:
        return f"{path} does not match its ledger record"
    if record.get("outputs") != _outputs(project, gate, tree):
        return "the files its run left changed"
    # Last, as it reads every record: a record that was altered and re-hashed to match an edited
    # results file breaks the chain, and then nothing bound to it stands in for a run.
    chain = project.ledger.verify()
    if not chain.ok:
        return f"the ledger's chain is broken ({chain.problem})"
    return Recorded(result, digest)


def record(
    project: Project,
    result: GateResult,
    *,
    inputs: dict[str, str] | None = None,
    outputs: str | None = None,
) -> None:
    """Write the stamped result and bind it to the ledger by its digest (with what it depended
    on and the digest of the files its run left, when the gate can be reused)."""
    project.workspace.write_result(result)
    record_result(
        project.ledger,
        result,
        workspace=project.workspace.identity,
        inputs=inputs,
        outputs=outputs,
    )


def trusted_result(project: Project, gate: str, tree: str) -> GateResult | None:
    """The recorded result of ``gate`` when it is bound to the ledger, else an ERROR in its place.

    None when the gate never ran here. A result for another tree is returned as it is (the policy
    calls it stale); one for this tree must match the digest the newest run of it in this checkout
    appended to the ledger. Other runners' records on a shared ledger do not count: a matching
    older one would let an earlier PASS be copied back over a later FAIL.
    """
    read = project.workspace.read_result_data(gate)
    if read is None:
        return None
    result, data = read
    if result.tree != tree:
        return result
    record = project.ledger.latest_result(gate, tree, project.workspace.identity)
    if record is None:
        why = (
            "not in the ledger (results are only trusted when recorded by 'gates' itself,"
            " in this checkout)"
        )
    elif record.get("digest") != result_digest(data):
        why = "edited after it was recorded (its digest does not match the ledger)"
    else:
        return result
    return GateResult(
        gate=gate,
        status=Status.ERROR,
        summary=f"{project.workspace.result_path(gate).name}: {why}",
        tree=tree,
        started_at=result.started_at,
    )
