"""Run one gate and record its result, bound to the tree it judged (the "record" step)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from gates.errors import EvidenceError, ToolError
from gates.model import GateResult, Status, utcnow
from gates.workspace import Workspace


def record(
    workspace: Workspace,
    gate: str,
    produce: Callable[[], GateResult],
    tools: Callable[[], Mapping[str, str]] = dict,
) -> GateResult:
    """Compute the tree id, run ``produce`` (collect + judge), stamp and write the result.

    Tool and evidence failures are recorded as ERROR (fail closed) and then re-raised so the
    command exits 2; config and usage errors propagate without a result.
    """
    tree = workspace.tree_id()
    started = utcnow()
    clock = time.perf_counter()
    failure: ToolError | EvidenceError | None = None
    try:
        result = produce()
    except (ToolError, EvidenceError) as exc:
        failure = exc
        result = GateResult(gate=gate, status=Status.ERROR, summary=str(exc))
    try:
        versions = tools()
    except ToolError:
        versions = {}
    stamped = result.stamped(
        tree=tree, started_at=started, duration_s=time.perf_counter() - clock, tools=versions
    )
    workspace.write_result(stamped)
    if failure is not None:
        raise failure
    return stamped


def exit_code(result: GateResult) -> int:
    """0 when the gate let the code by, 1 when it failed, 2 when it could not judge."""
    if result.status is Status.FAIL:
        return 1
    if result.status is Status.ERROR:
        return 2
    return 0
