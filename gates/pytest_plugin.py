"""pytest plugin: record the tests that passed without a single assertion ("risky", after PHPUnit).

Loaded by ``gates tests`` as ``-p gates.pytest_plugin -o enable_assertion_pass_hook=true``. It
counts each test's passing assertions and writes the passing tests that had none to
``.gates/evidence/risky.json`` (``risky-<worker>.json`` under pytest-xdist), where the buckets
gate reads them.

Only assertions in modules pytest rewrites (test modules, conftest files) are seen: a test that
checks through a helper in a plain module, or only through ``pytest.raises``, is listed too.
``unittest.TestCase`` tests are judged by their ``self.assert*`` calls (which are no assert
statements: the recorder counts them by wrapping ``TestCase``'s assert methods for the session).
Doctests are not judged: they compare output.

Counting costs almost nothing: pytest compiles each passing assertion to ask
``_check_if_assertion_pass_impl()`` whether any plugin wants it, and only then builds the
assertion's explanation (the repr of every operand, and the full diff ``pytest_assertrepr_compare``
computes even for equal values) to hand to ``pytest_assertion_pass``. The recorder counts at that
question and answers it for the other plugins alone: with no other plugin listening, no
explanation is ever built for a passing assertion (a suite of large comparisons or of property
tests ran several times slower when the recorder took the hook itself).
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import sys
import unittest
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from _pytest.assertion import rewrite

EVIDENCE_OPTION = "--gates-evidence"
RECORD = "risky"
PARTIAL_RUNS = (
    ("--setup-plan", "setupplan", "sets up fixtures without running any test"),
    ("--setup-only", "setuponly", "sets up fixtures without running any test"),
    ("--last-failed", "lf", "runs only the tests that failed in the previous run"),
    ("--stepwise", "stepwise", "skips the tests before the previous run's failure"),
    ("--sw-skip", "stepwise_skip", "skips the tests before the previous run's failure"),
)
"""pytest options whose run reports a part of the suite, or none of it, as the whole: each test
it did not run is left out of the report, or (setting up fixtures only) reported as passed."""

OUTSIDE_ARGS = "GATES_PYTEST_ARGS"
"""The variable ``gates tests`` puts its ``-- ARGS`` in (JSON): pytest arguments the tree does
not hold, unlike ``[tool.gates.tests] pytest_args`` given on the same command line."""
NARROWED = "narrowed.json"
"""Written beside the evidence when the run was narrowed from outside the tree; read as
:data:`gates.evidence.NARROWED_FILE` (this module imports nothing of gates: it runs in pytest)."""
TREE_ONLY = (
    ("keyword", "-k"),
    ("markexpr", "-m"),
    ("deselect", "--deselect"),
    ("ignore", "--ignore"),
    ("ignore_glob", "--ignore-glob"),
    ("file_or_dir", "a test path"),
    ("inifilename", "-c"),
    ("override_ini", "-o"),
    ("noconftest", "--noconftest"),
    ("confcutdir", "--confcutdir"),
    ("rootdir", "--rootdir"),
)
"""pytest's options (by ``dest``) that run part of the suite, or judge it by other settings than
the project's: from outside the tree, a run that leaves a failing test out, or lets it pass,
judges a part, not the tree. ``-W`` too, unless it only turns warnings into errors."""
PLUGINS_OUTSIDE = frozenset({"gates.shard", "xdist", "no:cacheprovider", "no:randomly"})
"""What ``-p`` may load or switch off from outside the tree and still judge the whole suite as the
project does: gates' own shards (which must add up), xdist, the cache, random order. Any other
plugin, or one switched off (``no:warnings`` drops ``filterwarnings``), changes the judging."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        EVIDENCE_OPTION,
        default=None,
        help="folder for release-gates evidence (default: <rootdir>/.gates/evidence)",
    )


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getini("enable_assertion_pass_hook"))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # pytest caches rewritten modules without noting whether the pass hook was compiled in: a
    # cache from a run without the hook would make every test look risky. Keep a separate one.
    if _enabled(early_config) and sys.pycache_prefix is None:
        sys.pycache_prefix = str(early_config.rootpath / ".gates" / "pycache")


class RiskyRecorder:
    """Counts passing assertions per test and remembers the passing tests that had none."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.current: str | None = None
        self.assertions = 0
        self.checked = 0
        self.risky: list[str] = []

        self._unwrapped: dict[str, Callable[..., object]] = {}
        self._asks_for_pass_hook: Callable[[], bool] | None = None

    def count_passing_assertions(self) -> None:
        """Count each passing assertion where pytest asks whether to build its explanation."""
        asks = rewrite._check_if_assertion_pass_impl
        self._asks_for_pass_hook = asks

        def count_then_ask() -> bool:
            if self.current is not None:
                self.assertions += 1
            return asks()  # True only for another plugin's pytest_assertion_pass

        # The rewritten test modules look the helper up on the module at every assertion.
        rewrite._check_if_assertion_pass_impl = count_then_ask

    def count_unittest_asserts(self) -> None:
        """Wrap every ``TestCase.assert*`` method so that a call counts as an assertion."""
        for name in dir(unittest.TestCase):
            method = getattr(unittest.TestCase, name)
            if name.startswith("assert") and callable(method):
                self._unwrapped[name] = method
                setattr(unittest.TestCase, name, self._counted(method))

    def _counted(self, method: Callable[..., object]) -> Callable[..., object]:
        @functools.wraps(method)
        def counted(*args: object, **kwargs: object) -> object:
            self.assertions += 1
            return method(*args, **kwargs)

        return counted

    def pytest_unconfigure(self) -> None:
        for name, method in self._unwrapped.items():
            setattr(unittest.TestCase, name, method)
        if self._asks_for_pass_hook is not None:
            rewrite._check_if_assertion_pass_impl = self._asks_for_pass_hook

    # An old-style wrapper: the project's own pytest runs this plugin, and pytest 7 may come
    # with a pluggy older than new-style wrappers (1.1).
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        # A doctest checks its expected output, not assert statements: never "risky". (A
        # unittest-style test is a Function too; its assert methods are counted.)
        judged = isinstance(item, pytest.Function)
        self.current, self.assertions = (item.nodeid if judged else None), 0
        yield

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" or report.nodeid != self.current:
            return
        self.checked += 1
        if report.passed and not hasattr(report, "wasxfail") and self.assertions == 0:
            self.risky.append(report.nodeid)
        self.current = None

    def pytest_sessionfinish(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"risky": self.risky, "checked": self.checked}
        # Not gates.workspace.write_text: this module runs in the project's own test environment,
        # which need not have gates' dependencies, so it imports nothing else from gates.
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)


class StoppedEarly:
    """A run stopped before the rest of its tests ran is reported as interrupted, so that its
    report of the tests before the stop is never judged as the suite's: ``pytest.exit()`` ends
    it with the exit code it names, 0 too; ``-x``/``--maxfail`` with exit 1, as if the one
    failure it saw (a quarantined one, say) were all there is."""

    def __init__(self) -> None:
        self.stopped = False

    def pytest_keyboard_interrupt(self) -> None:  # pytest.exit() as well as Ctrl-C
        self.stopped = True

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.stopped or session.shouldstop or session.shouldfail:
            session.exitstatus = pytest.ExitCode.INTERRUPTED


def pytest_configure(config: pytest.Config) -> None:
    if not _enabled(config):
        return
    config.pluginmanager.register(StoppedEarly(), "gates-stopped-early")
    for option, dest, why in PARTIAL_RUNS:
        if config.getoption(dest, False):
            raise pytest.UsageError(f"release-gates: {option} {why}: its report is no evidence")
    folder = config.getoption(EVIDENCE_OPTION)
    evidence = Path(folder) if folder else config.rootpath / ".gates" / "evidence"
    narrowed = outside_narrowing(config)
    if narrowed is not None and _xdist_worker(config) is None:
        evidence.mkdir(parents=True, exist_ok=True)
        (evidence / NARROWED).write_text(json.dumps({"narrowed": narrowed}), encoding="utf-8")
    if _is_xdist_controller(config):
        return
    worker = _xdist_worker(config)
    name = f"{RECORD}-{worker}.json" if worker else f"{RECORD}.json"
    recorder = RiskyRecorder(evidence / name)
    recorder.count_passing_assertions()
    recorder.count_unittest_asserts()
    config.pluginmanager.register(recorder, "gates-risky-recorder")


def outside_narrowing(config: pytest.Config) -> str | None:
    """The first option of ``gates tests -- ARGS`` or ``PYTEST_ADDOPTS`` that narrows the run or
    changes its judging (:data:`TREE_ONLY`, a plugin not in :data:`PLUGINS_OUTSIDE`, ``-W`` other
    than ``error``), and where it came from; None when the run judges the suite as the tree says.
    Read with pytest's own parser: an option's value is never taken for a test path."""
    sources = (
        ("gates tests -- ARGS", json.loads(os.environ.get(OUTSIDE_ARGS, "[]"))),
        ("PYTEST_ADDOPTS", shlex.split(os.environ.get("PYTEST_ADDOPTS", ""))),
    )
    for source, args in sources:
        parsed = config._parser.parse_known_args(args)
        found = [option for dest, option in TREE_ONLY if getattr(parsed, dest, None)]
        plugins = getattr(parsed, "plugins", None) or ()
        found += [f"-p {name}" for name in plugins if name not in PLUGINS_OUTSIDE]
        warnings = getattr(parsed, "pythonwarnings", None) or ()
        found += ["-W"] if any(not w.startswith("error") for w in warnings) else []
        if found:
            return f"{found[0]} from outside the tree ({source})"
    return None


def _xdist_worker(config: pytest.Config) -> str | None:
    """This process's pytest-xdist worker id, read from the config (not ``PYTEST_XDIST_WORKER``,
    which a pytest run started from inside an xdist worker inherits without being one)."""
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if isinstance(workerinput, dict) else None


def _is_xdist_controller(config: pytest.Config) -> bool:
    """Under pytest-xdist the tests run in workers: the controller records nothing."""
    numprocesses = getattr(config.option, "numprocesses", None)
    return bool(numprocesses) and _xdist_worker(config) is None


def child_environment(gates_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """``PYTHONPATH`` for a pytest child process so that it loads this very plugin.

    Also when gates runs from a source checkout rather than an installed distribution: the folder
    put first holds nothing but a link to this ``gates`` package, so no other module of the
    checkout (its ``tests``, say) can shadow the project's own.
    """
    folder = gates_dir / "pythonpath"
    link = folder / "gates"
    package = Path(__file__).resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not (link.is_symlink() and link.resolve() == package):
            link.unlink(missing_ok=True)
            link.symlink_to(package, target_is_directory=True)
    except OSError:  # no symlinks here (Windows without the privilege): rely on the install
        return {}
    paths = [str(folder), *([environ["PYTHONPATH"]] if environ.get("PYTHONPATH") else [])]
    return {"PYTHONPATH": os.pathsep.join(paths)}
