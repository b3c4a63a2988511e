"""Typed readers of the gate details other modules rely on (policy, release, history, reports).

A result's ``details`` is the gate's JSON report; the parts that cross module lines are read
through these frozen types, never by string keys, and a malformed part is an EvidenceError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from gates.errors import EvidenceError
from gates.jsonfields import Fields, JSONObject
from gates.model import GateResult, Waiver

PACKAGE = "package"
BUCKETS = "buckets"

T = TypeVar("T")

TEARDOWN = " [teardown]"
"""How a test's key marks its separate teardown error (see ``TestCase.key``)."""


def file_of_test(key: str) -> str:
    """The file part of a test's key (``tests/a.py::T::test_x[1]`` → ``tests/a.py``): what
    :attr:`BucketsDetails.test_files` is keyed by."""
    return key.removesuffix(TEARDOWN).split("::", 1)[0]


def read_details(details: JSONObject, where: str, read: Callable[[Fields], T]) -> T:
    """``read`` a result's details; a malformed part names the result and the key."""
    try:
        return read(Fields(details, where))
    except ValueError as exc:
        raise EvidenceError(str(exc)) from None


@dataclass(frozen=True)
class PackageDetails:
    """What the package gate built: file name → sha256, the version, the changelog section."""

    artifacts: Mapping[str, str]
    version: str | None
    changelog_section: str | None

    @classmethod
    def from_result(cls, result: GateResult) -> PackageDetails:
        return read_details(
            result.details,
            f"{result.gate} result: details",
            lambda fields: cls(
                artifacts=fields.text_map("artifacts"),
                version=fields.optional_text("version") or None,
                changelog_section=fields.optional_text("changelog_section"),
            ),
        )


@dataclass(frozen=True)
class BucketSummary:
    """One bucket of a buckets run, as reports and the history show it."""

    name: str
    severity: str
    count: int
    blocks: bool
    expires: dt.date | None = None
    """The last day its quarantine holds (the rule's ``expires``)."""


@dataclass(frozen=True)
class BucketsDetails:
    """What the buckets gate relied on: the bucket waivers it applied, unbound JUnit files, the
    failing and flaky tests (what the next run compares with), and its buckets."""

    waivers_used: tuple[Waiver, ...]
    unbound: tuple[str, ...]
    failing: tuple[str, ...]
    flaky: tuple[str, ...]
    buckets: tuple[BucketSummary, ...] = ()
    test_files: Mapping[str, str] = field(default_factory=dict)
    """Digest of each kept test's file: an unchanged test has the same one in two decisions."""

    @classmethod
    def from_result(cls, result: GateResult) -> BucketsDetails:
        return cls.from_details(result.details, f"{result.gate} result: details")

    @classmethod
    def from_details(cls, details: JSONObject, where: str) -> BucketsDetails:
        """Read a buckets result's details (also a hand-made baseline's)."""
        return read_details(
            details,
            where,
            lambda fields: cls(
                waivers_used=fields.each("waivers_used", Waiver.from_dict),
                unbound=fields.texts("unbound"),
                failing=fields.texts("failing"),
                flaky=fields.texts("flaky"),
                buckets=tuple(
                    BucketSummary(
                        name=bucket.text("name"),
                        severity=bucket.text("severity"),
                        count=bucket.integer("count", 0),
                        blocks=bucket.flag("blocks", False),
                        expires=bucket.optional_date("expires"),
                    )
                    for bucket in fields.objects("buckets")
                ),
                test_files=fields.text_map("test_files"),
            ),
        )
