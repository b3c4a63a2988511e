"""The JUnit case model: outcomes, phases, one test's result, totals; exception types and node ids.

What the producers write (pytest, pytest-rerunfailures, Maven surefire) is described in
``gates.junit``; this module only names and reads it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    """Setup/teardown errors and collection errors."""
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"


FAILING = frozenset({Outcome.FAILED, Outcome.ERROR})
"""Outcomes that fail a run: the one way to ask (``outcome in FAILING``, cheap per case)."""


class Phase(StrEnum):
    COLLECT = "collect"
    SETUP = "setup"
    CALL = "call"
    TEARDOWN = "teardown"


class TestCase(NamedTuple):
    """One test's final result after merging shards and collapsing reruns.

    Immutable like the frozen dataclasses elsewhere, but a named tuple: one is built per test
    case, and building a frozen dataclass of this size costs seven times as much.
    """

    nodeid: str
    """pytest-style id: ``path.py::Class::name`` (best effort for xunit2 and other producers)."""
    outcome: Outcome
    file: str | None = None
    line: int | None = None
    """1-based line of the test, when the producer wrote one."""
    duration_s: float = 0.0
    message: str = ""
    exception_type: str | None = None
    traceback: str = ""
    phase: Phase = Phase.CALL
    flaky: bool = False
    """It both failed and passed on this tree; ``outcome`` is then PASSED and ``message`` is from
    the failed attempt when the producer recorded one."""
    attempts: int = 1
    source: str = ""
    """The JUnit file the final attempt came from."""

    @property
    def key(self) -> str:
        """Identity across runs: the node id, plus the phase for a separate teardown error."""
        return f"{self.nodeid} [teardown]" if self.phase is Phase.TEARDOWN else self.nodeid


TestCase.__test__ = False  # type: ignore[attr-defined]  # not a pytest test class


@dataclass(frozen=True)
class Totals:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0
    flaky: int = 0

    @property
    def total(self) -> int:
        return (
            self.passed
            + self.flaky
            + self.failed
            + self.errors
            + self.skipped
            + self.xfailed
            + self.xpassed
        )

    @property
    def executed(self) -> int:
        return self.total - self.skipped

    @property
    def failing(self) -> int:
        return self.failed + self.errors

    @property
    def pass_rate(self) -> float:
        """Percent of executed tests that did not fail (flaky and xfailed ones count as passing)."""
        return 100.0 * (self.executed - self.failing) / self.executed if self.executed else 0.0

    @property
    def skip_rate(self) -> float:
        return 100.0 * self.skipped / self.total if self.total else 0.0


# Exception type from pytest's text ---------------------------------------------------------

PHASE_MESSAGE = re.compile(r'^failed on (setup|teardown) with "(.*)"$', re.DOTALL)
_TYPE_PREFIX = re.compile(
    r"^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|"
    r"Warning|Failed|Failure|Timeout|Iteration|Skipped)|[A-Z]\w*):( |$)"
)
_E_LINE = re.compile(r"^E\s+((?:[A-Za-z_]\w*\.)*[A-Z]\w*)(?::|$)", re.MULTILINE)
_LOCATION_TYPE = re.compile(r"^\S[^\n]*?:\d+: ((?:[A-Za-z_]\w*\.)*[A-Z]\w*)$", re.MULTILINE)
_PY_TRACE_LAST = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*)(?::|$)", re.MULTILINE)


def exception_type(message: str, text: str, declared: str | None = None) -> str | None:
    """The exception type of a failure: declared, else read from pytest's message or traceback."""
    if declared and declared not in ("pytest.skip", "pytest.xfail"):
        return declared
    phase = PHASE_MESSAGE.match(message)
    if phase:
        message = phase.group(2)
    found = _TYPE_PREFIX.match(message)
    if found:
        return found.group(1)
    # pytest's long traceback ends each entry with "path:line: ExceptionType".
    locations = _LOCATION_TYPE.findall(text)
    if locations:
        return str(locations[-1])
    lines = _E_LINE.findall(text)
    if lines:
        return str(lines[-1])
    if message.startswith("assert "):
        return "AssertionError"
    if "Traceback (most recent call last)" in text:
        last = _PY_TRACE_LAST.findall(text)
        if last:
            return str(last[-1])
    return None


# Node ids ----------------------------------------------------------------------------------


def nodeid(classname: str, name: str, file: str | None) -> str:
    """Rebuild pytest's node id from JUnit's classname/name (and file, when xunit1 wrote it)."""
    if not classname:  # a collection error: the name is the module
        if file:
            return file.replace("\\", "/")
        return name.replace(".", "/") + ".py" if re.fullmatch(r"[\w.]+", name) else name
    return f"{_prefix(classname, file)}::{name}"


@functools.lru_cache(maxsize=4096)
def _prefix(classname: str, file: str | None) -> str:
    """The node id up to the test name (module path and classes): shared by many tests.

    pytest's classname is the node id itself (path and classes joined by dots), so it alone tells
    tests apart. ``file`` is where the test function is *defined*: for a method inherited from a
    mixin or base class in another file (``tests/__init__.py``) it is not the test's module, and
    the module path is then read from the classname like xunit2's.
    """
    if file:
        file = file.replace("\\", "/")
        if not file.endswith(".py"):  # a non-Python item (text doctest, plugin file)
            return file
        module = file[:-3].replace("/", ".")
        if classname == module:
            return file
        if classname.startswith(module + "."):
            return "::".join([file, *classname[len(module) + 1 :].split(".")])
    parts = classname.split(".")
    # pytest's modules are test_*.py / *_test.py: the parts up to that one are the path.
    module_end = max(
        (i for i, part in enumerate(parts) if part.startswith("test") or part.endswith("_test")),
        default=-1,
    )
    if module_end >= 0:
        return "::".join(["/".join(parts[: module_end + 1]) + ".py", *parts[module_end + 1 :]])
    return classname
