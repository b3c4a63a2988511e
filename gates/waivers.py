"""``[[tool.gates.waivers]]``: permission to ship despite a failing gate or bucket, for a while.

Read by :mod:`gates.config` (every waiver is checked when the config loads); judged by
:mod:`gates.policy` on the day of the decision, never on the day a gate ran.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gates.model import Waiver
from gates.toml_table import Table


def waiver(table: Table, known: Sequence[str], thresholds: Mapping[str, Sequence[str]]) -> Waiver:
    """One ``[[tool.gates.waivers]]`` entry; ``thresholds``: each gate's threshold keys."""
    gate = table.required_string("gate", "the gate this waiver applies to")
    if gate not in known:
        table.fail("gate", f"unknown gate {gate!r}")
    expires = table.date("expires")
    expires_version = table.optional_string("expires_version")
    if expires is None and expires_version is None:
        table.fail("expires", "required: a waiver needs an expiry date and/or expires_version")
    bucket = table.optional_string("bucket")
    why = "every waiver says why and who owns it"
    parsed = Waiver(
        gate=gate,
        reason=table.required_string("reason", why),
        owner=table.required_string("owner", why),
        expires=expires,
        expires_version=expires_version,
        bucket=bucket,
        accept=_accept(table, gate, thresholds.get(gate, ()), bucket),
    )
    table.done()
    return parsed


def _accept(waiver: Table, gate: str, keys: Sequence[str], bucket: str | None) -> dict[str, float]:
    """``accept = { KEY = percent }``: the lower targets the waiver accepts instead of any
    failure; KEY is one of the gate's threshold keys (``min_total``, a ``paths`` glob ...)."""
    table = waiver.table("accept")
    if table.items() and bucket is not None:
        waiver.fail("accept", "a bucket waiver waives failing tests, it has no threshold to accept")
    accept: dict[str, float] = {}
    for key, _ in table.items():
        if key not in keys:
            known = ", ".join(keys) or "none"
            table.fail(key, f"not a threshold of the {gate} gate (its threshold keys: {known})")
        accept[key] = table.number(key, 0.0, low=0, high=100)
    table.done()
    return accept
