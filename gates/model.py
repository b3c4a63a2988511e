"""The domain: statuses, gate results, waivers and decisions, with a JSON round-trip.

Everything here is frozen and plain so that results written on one machine (a CI shard) can be
read and judged on another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import ClassVar

from packaging.version import InvalidVersion, Version

from gates.checkmark import ChecklistMark
from gates.errors import Exit
from gates.jsonfields import ByField
from gates.jsonfields import JSONValue as JSONValue  # re-exported: the domain's JSON type

MetricValue = int | float | str | None


class Status(StrEnum):
    """Outcome of one gate."""

    PASS = "PASS"
    WARN = "WARN"
    """Passed with advisory findings, or failed but waived / advisory tier."""
    FAIL = "FAIL"
    ERROR = "ERROR"
    """The gate could not judge (missing, stale, empty or unparsable evidence, tool crash)."""
    SKIP = "SKIP"
    """Not configured for this run; the summary says why."""

    @property
    def ok(self) -> bool:
        """True for the statuses that let a release through on their own."""
        return self in (Status.PASS, Status.WARN)

    @property
    def exit_code(self) -> Exit:
        """A gate command's exit code: a gate that could not judge never reads as 'failed'."""
        if self is Status.FAIL:
            return Exit.FAIL
        return Exit.USAGE if self is Status.ERROR else Exit.OK


class Tier(StrEnum):
    """How much a gate's outcome weighs in the decision."""

    REQUIRED = "required"
    ADVISORY = "advisory"
    INFORMATIONAL = "informational"


class Verdict(StrEnum):
    """The decision."""

    GO = "GO"
    GO_WITH_WAIVERS = "GO_WITH_WAIVERS"
    NO_GO = "NO_GO"

    @property
    def ships(self) -> bool:
        return self is not Verdict.NO_GO


@dataclass(frozen=True)
class Finding(ByField):
    """One thing a gate found, pointing at code when it can (GitHub annotations use it)."""

    message: str
    """What is wrong, one line."""
    file: str | None = None
    """Path relative to the project root."""
    line: int | None = None
    rule: str | None = None
    """Tool rule code, e.g. ``F401`` or ``arg-type``."""
    new: bool = True
    """False when a baseline already knew this finding."""

    @property
    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass(frozen=True)
class Threshold(ByField):
    """One measured area against its target: a row of ``Area | Target | Current | Gap``."""

    area: str
    """What is measured, e.g. ``total`` or ``pkg/b/*``."""
    target: float
    current: float
    unit: str = ""
    """Appended to numbers when shown, e.g. ``%``."""
    higher_is_better: bool = True
    key: str | None = None
    """The config key that set the target (``min_total``): a waiver may ``accept`` a lower one."""
    accepted: float | None = None
    """The lower target a waiver accepted at decide time (set by the policy only)."""

    @property
    def met(self) -> bool:
        return self.current >= self.target if self.higher_is_better else self.current <= self.target

    @property
    def gap(self) -> float:
        """How far from the target (0 when met), always non-negative."""
        diff = self.target - self.current if self.higher_is_better else self.current - self.target
        return max(diff, 0.0)

    def show(self, value: float) -> str:
        text = f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
        return f"{text}{self.unit}"

    def to_dict(self) -> dict[str, JSONValue]:
        return {**super().to_dict(), "gap": self.gap, "met": self.met}


@dataclass(frozen=True)
class GateResult(ByField):
    """What one gate concluded about one tree. ``bool(result)``: it lets a release through."""

    JSON_ABSENT: ClassVar[Mapping[str, object]] = {"summary": ""}

    gate: str
    status: Status
    summary: str
    """One line for tables."""
    metrics: Mapping[str, MetricValue] = field(default_factory=dict)
    """Numbers a trend can be drawn from (``findings``, ``percent_covered``, ``passed`` ...)."""
    findings: tuple[Finding, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    """The first one is the headline shown in the decision table."""
    details: Mapping[str, JSONValue] = field(default_factory=dict)
    """Gate-specific structured report (buckets, smoke checks, artifact hashes ...)."""
    tree: str = ""
    """Tree id of the code judged; empty until recorded."""
    started_at: str = ""
    """ISO 8601 UTC."""
    duration_s: float = 0.0
    tools: Mapping[str, str] = field(default_factory=dict)
    """Tool name to version, for the record."""

    def __bool__(self) -> bool:
        return self.status.ok

    def stamped(
        self, *, tree: str, started_at: dt.datetime, duration_s: float, tools: Mapping[str, str]
    ) -> GateResult:
        """The same result bound to the tree it judged and the run that produced it."""
        return replace(
            self,
            tree=tree,
            started_at=started_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            duration_s=round(duration_s, 3),
            tools=dict(tools),
        )


@dataclass(frozen=True)
class Waiver(ByField):
    """Permission to ship despite a failing gate (or bucket), for a while."""

    gate: str
    reason: str
    owner: str
    expires: dt.date | None = None
    """Last day the waiver holds."""
    expires_version: str | None = None
    """The waiver holds only for project versions below this one."""
    bucket: str | None = None
    """When set, waives one failing-test bucket rather than a whole gate."""
    accept: Mapping[str, float] = field(default_factory=dict)
    """Lower thresholds the waiver accepts (``{"min_total": 80}``) instead of any failure."""

    def why_expired(self, *, today: dt.date, version: str | None) -> str | None:
        """Why the waiver no longer holds on ``today`` for ``version``, or None while it does."""
        if self.expires is not None and today > self.expires:
            return f"expired on {self.expires.isoformat()}"
        if self.expires_version is not None:
            try:
                # Its public part: PEP 440 sorts 1.0.0 below 1.0.0+build.5, which would let a
                # waiver "until 1.0.0+build.5" hold for the release 1.0.0 itself.
                limit = Version(Version(self.expires_version).public)
                if version is None or Version(version) >= limit:
                    return f"expired at version {self.expires_version} (project is {version})"
            except InvalidVersion:
                return f"cannot compare version {version!r} with {self.expires_version!r}"
        return None

    @property
    def label(self) -> str:
        target = f"{self.gate}/{self.bucket}" if self.bucket else self.gate
        until = [x for x in (self.expires and self.expires.isoformat(), self.expires_version) if x]
        suffix = f" until {' / '.join(until)}" if until else ""
        return f"{target} ({self.owner}: {self.reason}){suffix}"


@dataclass(frozen=True)
class GateOutcome(ByField):
    """One gate's line in a decision."""

    JSON_ABSENT: ClassVar[Mapping[str, object]] = {"tier": Tier.REQUIRED, "summary": ""}

    name: str
    tier: Tier
    status: Status
    """The status that counted, after staleness and waivers (a waived FAIL shows WARN)."""
    summary: str
    result: GateResult | None = None
    """The recorded result, when there was a fresh one."""
    waived: bool = False

    @property
    def headline(self) -> Threshold | None:
        """The result's first threshold: the Target/Current/Gap of the decision table."""
        if self.result is None or not self.result.thresholds:
            return None
        return self.result.thresholds[0]


def made_for(recorded: object, project: str | None) -> bool:
    """A decision recorded for the project named ``recorded`` stands for ``project`` (None: any)
    on a ledger several projects share; one recorded without a name predates the name and
    stands for any."""
    return project is None or recorded is None or recorded == project


@dataclass(frozen=True)
class Decision(ByField):
    """GO / GO_WITH_WAIVERS / NO_GO for one tree, with everything that led to it."""

    JSON_ABSENT: ClassVar[Mapping[str, object]] = {"created_at": ""}

    id: str
    verdict: Verdict
    tree: str
    commit: str | None
    version: str | None
    created_at: str
    gates: tuple[GateOutcome, ...]
    waivers: tuple[Waiver, ...] = ()
    """Waivers that were used."""
    expired_waivers: tuple[Waiver, ...] = ()
    """Waivers that matched a failure but had expired: reported, ignored."""
    reasons: tuple[str, ...] = ()
    """Why the verdict is what it is, one line each (empty for a plain GO)."""
    project: str | None = None
    branch: str | None = None
    environment: str | None = None
    decided_by: str | None = None
    reason: str | None = None
    artifacts: Mapping[str, str] = field(default_factory=dict)
    """Artifact file name to sha256."""
    checklist: tuple[ChecklistMark, ...] = ()
    """The release checklist as it stood when deciding (none in decisions older than checklists)."""
    prev_hash: str | None = None
    hash: str | None = None

    def stands_for(self, project: str | None) -> bool:
        """It may release ``project`` (None: any): :func:`made_for`."""
        return made_for(self.project, project)


@dataclass(frozen=True)
class StatusRow:
    """One gate in ``gates status``: its tier and latest result, fresh or stale."""

    gate: str
    tier: Tier
    result: GateResult | None
    fresh: bool

    @property
    def status(self) -> str:
        if self.result is None:
            return "not run"
        return self.result.status.value if self.fresh else f"{self.result.status.value} (stale)"

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "gate": self.gate,
            "tier": self.tier.value,
            "status": self.result.status.value if self.result is not None else None,
            "fresh": self.fresh,
            "summary": self.result.summary if self.result is not None else None,
            "started_at": self.result.started_at if self.result is not None else None,
        }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
