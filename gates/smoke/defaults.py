"""What a plan sets for all its steps, and the step keys that fall back on it: triage
(``priority``, ``blocking``, ``owner``, ``files``, ``next``) and latency sampling (``repeat``,
``concurrency``, ``p50_ms`` … ``max_ms``; plan defaults in ``[latency]``)."""

from __future__ import annotations

from dataclasses import dataclass

from gates.smoke.fields import Fields
from gates.smoke.latency import Sampling
from gates.smoke.triage import Priority, Triage
from gates.toml_table import Table

TRIAGE_KEYS = ("priority", "blocking", "owner", "files", "next")
SAMPLING_KEYS = ("repeat", "concurrency", "p50_ms", "p95_ms", "p99_ms", "max_ms")
MAX_REPEAT = 10_000
"""More samples than this is a load test, not a smoke check."""


@dataclass(frozen=True)
class StepDefaults:
    timeout_s: float = 10.0
    retries: int = 0
    retry_delay_s: float = 0.5
    triage: Triage | None = None
    sampling: Sampling | None = None
    """From ``[latency]``: applies to every HTTP step (``repeat`` only to those that write
    nothing)."""


def triage(
    fields: Fields, table: Table, default: Triage | None, *, files_and_next: bool
) -> Triage | None:
    """``priority``, ``blocking``, ``owner`` (plan defaults, or a step's) and ``files``,
    ``next`` (a step's own); None when none of them is set here or as a default."""
    keys = TRIAGE_KEYS if files_and_next else TRIAGE_KEYS[:3]
    if default is None and not any(key in table for key in keys):
        return None
    base = default or Triage()
    priority = table.string("priority", base.priority.value)
    if priority not in {p.value for p in Priority}:
        fields.fail(table, "priority", f"expected 'P1', 'P2' or 'P3', got {priority!r}")
    return Triage(
        priority=Priority(priority),
        blocking=table.boolean("blocking", base.blocking),
        owner=table.string("owner", base.owner),
        files=table.strings("files") if files_and_next else (),
        next=table.string("next", "") if files_and_next else "",
    )


def sampling(
    fields: Fields, table: Table, default: Sampling | None, writes: str | None = None
) -> Sampling | None:
    """The sampling keys of ``table`` over ``default``; None when neither sets any.

    ``writes``: the method of a step that may change something: sent once, never sampled.
    """
    if default is None and not any(key in table for key in SAMPLING_KEYS):
        return None
    base = default or Sampling()
    repeat = table.integer("repeat", 1 if writes else base.repeat, low=1, high=MAX_REPEAT)
    if repeat > 1 and writes:
        fields.fail(table, "repeat", f"a {writes} that writes is sent once (safe = true if not)")

    def limit(key: str, fallback: float | None) -> float | None:
        return fields.number(table, key, fallback, above=0)

    return Sampling(
        repeat=repeat,
        concurrency=table.integer("concurrency", base.concurrency, low=1, high=MAX_REPEAT),
        p50_ms=limit("p50_ms", base.p50_ms),
        p95_ms=limit("p95_ms", base.p95_ms),
        p99_ms=limit("p99_ms", base.p99_ms),
        max_ms=limit("max_ms", base.max_ms),
    )


def plan_defaults(fields: Fields, table: Table) -> StepDefaults:
    """The plan's ``timeout``, ``retries``, ``retry_delay``, triage keys and ``[latency]``."""
    plan_sampling = None
    if "latency" in table:
        latency = table.table("latency")
        plan_sampling = sampling(fields, latency, Sampling())
        latency.done()
    return StepDefaults(
        timeout_s=fields.seconds(table, "timeout", 10.0),
        retries=table.integer("retries", 0),
        retry_delay_s=fields.seconds(table, "retry_delay", 0.5, zero_ok=True),
        triage=triage(fields, table, None, files_and_next=False),
        sampling=plan_sampling,
    )
