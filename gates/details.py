"""Typed readers of the gate details other modules rely on (policy, release, history, reports).

A result's ``details`` is the gate's JSON report; the parts that cross module lines are read
through these frozen types, never by string keys, and a malformed part is an EvidenceError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gates.errors import EvidenceError
from gates.model import GateResult, Waiver

PACKAGE = "package"
BUCKETS = "buckets"


def _strings(result: GateResult, key: str) -> tuple[str, ...]:
    value = result.details.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise EvidenceError(f"{result.gate} result: details.{key} is not a list of strings")
    return tuple(value)


@dataclass(frozen=True)
class PackageDetails:
    """What the package gate built: file name → sha256, the version, the changelog section."""

    artifacts: Mapping[str, str]
    version: str | None
    changelog_section: str | None

    @classmethod
    def from_result(cls, result: GateResult) -> PackageDetails:
        raw = result.details.get("artifacts") or {}
        if not isinstance(raw, dict) or not all(
            isinstance(name, str) and isinstance(digest, str) for name, digest in raw.items()
        ):
            raise EvidenceError(f"{result.gate} result: details.artifacts is not name → sha256")
        version = result.details.get("version")
        section = result.details.get("changelog_section")
        return cls(
            artifacts=dict(raw),
            version=str(version) if version else None,
            changelog_section=str(section) if section is not None else None,
        )


@dataclass(frozen=True)
class BucketsDetails:
    """What the buckets gate relied on: the bucket waivers it applied, unbound JUnit files, and
    the failing and flaky tests (what the next run compares with)."""

    waivers_used: tuple[Waiver, ...]
    unbound: tuple[str, ...]
    failing: tuple[str, ...]
    flaky: tuple[str, ...]

    @classmethod
    def from_result(cls, result: GateResult) -> BucketsDetails:
        raw = result.details.get("waivers_used") or []
        try:
            waivers = tuple(Waiver.from_dict(item) for item in raw)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise EvidenceError(f"{result.gate} result: details.waivers_used: {exc}") from None
        return cls(
            waivers_used=waivers,
            unbound=_strings(result, "unbound"),
            failing=_strings(result, "failing"),
            flaky=_strings(result, "flaky"),
        )
