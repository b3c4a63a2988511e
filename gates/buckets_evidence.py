"""The buckets gate's evidence: the JUnit files, the risky-test record, the run to compare with
(the base branch's decision in the ledger, or a file given with ``--baseline``).

``collect`` is the gate's only I/O. The JUnit files are read keeping whole only what judging needs
(failing, flaky and rerun tests, the baseline's failing ones and the risky ones), so memory follows
the failures, not the size of the suite.
"""

from __future__ import annotations

import glob
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gates import evidence, junit
from gates.config import TestsConfig
from gates.details import BucketsDetails, file_of_test
from gates.errors import EvidenceError
from gates.jsonfields import Fields, JSONObject
from gates.junit import JUnitReport
from gates.ledger.compare import NoBase, find_base
from gates.ledger.interface import Ledger
from gates.model import Decision
from gates.workspace import Workspace

GATE = "buckets"


@dataclass(frozen=True)
class Baseline:
    """The previous run's failing and flaky tests, to show what changed."""

    label: str
    failing: frozenset[str]
    flaky: frozenset[str]


@dataclass(frozen=True)
class BucketsEvidence:
    report: JUnitReport
    risky: tuple[str, ...] | None
    """Tests that passed without an assertion; None when no risky-test record was found."""
    baseline: Baseline | None = None
    unbound: tuple[str, ...] = ()
    """JUnit files with no ``meta.json`` beside them: not provably from this tree."""
    no_baseline: str | None = None
    """Why there is no run to compare with (the report says so), when there is none."""
    test_files: Mapping[str, str] = field(default_factory=dict)
    """File (relative to the root) of each kept test to a digest of its content: what tells the
    flaky-test history that a test alternating between decisions did not change."""


def find_junit(root: Path, patterns: Sequence[str]) -> list[Path]:
    """Expand globs (relative to ``root``); a folder means every ``junit*.xml`` below it."""
    files: dict[Path, None] = {}
    for pattern in patterns:
        target = root / pattern
        if target.is_dir():
            found = sorted(target.rglob("junit*.xml"))
        else:
            found = sorted(Path(p) for p in glob.glob(str(target), recursive=True))
        found = [path for path in found if path.is_file()]
        if not found:
            raise EvidenceError(
                f"{pattern}: no JUnit file matches (run 'gates tests' or pass --junit)"
            )
        files.update((path.resolve(), None) for path in found)
    return list(files)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than Python parses
        raise EvidenceError(f"{path}: not valid JSON ({exc})") from None


def risky_records(files: Sequence[Path]) -> list[Path]:
    """The plugin's ``risky*.json`` records beside the JUnit files."""
    return sorted({p for folder in {f.parent for f in files} for p in folder.glob("risky*.json")})


def read_risky(files: Sequence[Path]) -> tuple[str, ...] | None:
    """Union of the plugin's ``risky*.json`` records beside the JUnit files (None: none found)."""
    records = risky_records(files)
    if not records:
        return None
    risky: set[str] = set()
    for path in records:
        data = _read_json(path)
        tests = data.get("risky") if isinstance(data, dict) else None
        if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
            raise EvidenceError(f"{path}: expected {{'risky': [node ids]}}")
        risky.update(tests)
    return tuple(sorted(risky))


def load_baseline(path: Path) -> Baseline:
    """A decision.json, a buckets result JSON, or a JUnit XML file of the previous run."""
    if path.suffix.lower() == ".xml":
        report = junit.read([path])
        return Baseline(
            label=str(path),
            failing=frozenset(case.key for case in report.failures()),
            flaky=frozenset(case.key for case in report.cases if case.flaky),
        )
    data = _read_json(path)
    details: JSONObject | None = None
    try:
        if isinstance(data, dict) and "gates" in data:
            decision = Decision.from_dict(data, "decision")
            label = f"decision {decision.id}"
            result = next((g.result for g in decision.gates if g.name == GATE), None)
            details = result.details if result is not None else None
        else:  # a buckets result, or a hand-made {"gate": "buckets", "details": {...}}
            fields = Fields(data, "result")
            label = str(path)
            details = fields.raw_object("details") if fields.data.get("gate") == GATE else None
    except ValueError as exc:
        raise EvidenceError(f"{path}: {exc}") from None
    if details is None or "failing" not in details:
        raise EvidenceError(f"{path}: no buckets result with a 'failing' list to compare with")
    read = BucketsDetails.from_details(details, f"{path}: details")
    return Baseline(label=label, failing=frozenset(read.failing), flaky=frozenset(read.flaky))


def ledger_baseline(ledger: Ledger, config: TestsConfig, project: str | None) -> Baseline | NoBase:
    """``project``'s decision on the base branch to compare with, as the ledger has it (never a
    local file)."""
    found = find_base(ledger, config.base_branch, config.compare_with, project)
    if isinstance(found, NoBase):
        return found
    return Baseline(label=found.label, failing=found.failing, flaky=found.flaky)


def collect(
    workspace: Workspace,
    config: TestsConfig,
    tree: str,
    *,
    junit_patterns: Sequence[str] = (),
    previous: Baseline | NoBase | None = None,
) -> BucketsEvidence:
    """``previous``: the run to compare with (:func:`load_baseline`, :func:`ledger_baseline`)."""
    files = find_junit(workspace.root, junit_patterns or config.junit)
    records = risky_records(files)
    bound = evidence.bound_to(
        [*files, *records], tree, what="JUnit", unbound_ok=config.unbound_junit
    )
    unbound = [path for path in bound if path not in records]
    risky = read_risky(files)
    baseline = previous if isinstance(previous, Baseline) else None
    # Passing tests are only counted: keep those judging looks up (was it fixed? did it pass?).
    keep = (baseline.failing if baseline else frozenset()) | frozenset(risky or ())
    report = junit.read(files, keep=keep)
    return BucketsEvidence(
        report=report,
        risky=risky,
        baseline=baseline,
        unbound=tuple(str(path) for path in unbound),
        no_baseline=previous.why if isinstance(previous, NoBase) else None,
        test_files=digest_test_files(workspace.root, (case.key for case in report.cases)),
    )


MAX_TEST_FILES = 2000
"""Test files digested per run, at most (a mass failure names many tests, in fewer files)."""
MAX_TEST_FILE_BYTES = 8 << 20


def digest_test_files(root: Path, keys: Iterable[str]) -> dict[str, str]:
    """The first 16 hex digits of the sha256 of each test's file (``tests/a.py::test_x`` →
    ``tests/a.py``), by path relative to ``root``; files outside it or unreadable are left out."""
    inside = root.resolve()
    digests: dict[str, str] = {}
    for key in keys:
        path = file_of_test(key)
        if not path.endswith(".py") or path in digests or len(digests) >= MAX_TEST_FILES:
            continue
        try:
            target = (root / path).resolve()
            target.relative_to(inside)
            if not target.is_file() or target.stat().st_size > MAX_TEST_FILE_BYTES:
                continue
            digests[path] = hashlib.sha256(target.read_bytes()).hexdigest()[:16]
        except (OSError, ValueError):
            continue  # a hostile or vanished path is simply not a known test file
    return digests
