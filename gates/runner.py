"""Run one gate: the tree id once, collect and judge, stamp, record, and map to an exit code.

Recording writes ``.gates/results/<gate>.json`` and appends the result's digest to the ledger:
a results file is evidence only while it matches that record (:func:`trusted_result`).
"""

from __future__ import annotations

import datetime as dt
import time

from gates.errors import ConfigError, EvidenceError, TargetDownError, ToolError
from gates.gate import Runnable
from gates.ledger import record_result, result_digest
from gates.model import GateResult, Status, utcnow
from gates.project import Project


def run_gate(project: Project, gate: Runnable, *, today: dt.date | None = None) -> GateResult:
    """Collect, judge, stamp and record ``gate`` for the current tree.

    Tool, evidence and gate-config failures (and a smoke target that is down) are recorded as
    ERROR — fail closed: a stale PASS must never stand in, and the decision says what happened
    rather than "did not run" — then re-raised so the command exits 2 (or 3).
    """
    tree = project.workspace.tree_id()
    started = utcnow()
    clock = time.perf_counter()
    failure: ConfigError | ToolError | EvidenceError | TargetDownError | None = None
    try:
        result = gate.evaluate(project, tree, today or started.date())
    except (ConfigError, ToolError, EvidenceError, TargetDownError) as exc:
        failure = exc
        result = GateResult(gate=gate.name, status=Status.ERROR, summary=str(exc))
    try:
        versions = gate.tools()
    except ToolError:
        versions = {}
    stamped = result.stamped(
        tree=tree, started_at=started, duration_s=time.perf_counter() - clock, tools=versions
    )
    record(project, stamped)
    gate.recorded(project, stamped)
    if failure is not None:
        raise failure
    return stamped


def record(project: Project, result: GateResult) -> None:
    """Write the stamped result and bind it to the ledger by its digest."""
    project.workspace.write_result(result)
    record_result(project.ledger, result)


def trusted_result(project: Project, gate: str, tree: str) -> GateResult | None:
    """The recorded result of ``gate`` when it is bound to the ledger, else an ERROR in its place.

    None when the gate never ran here. A result for another tree is returned as it is (the policy
    calls it stale); one for this tree must match the digest its run appended to the ledger.
    """
    read = project.workspace.read_result_data(gate)
    if read is None:
        return None
    result, data = read
    if result.tree != tree:
        return result
    record = project.ledger.latest_result(gate, tree)
    if record is None:
        why = "not in the ledger (results are only trusted when recorded by 'gates' itself)"
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
