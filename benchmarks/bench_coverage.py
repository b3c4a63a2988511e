"""Issue 4 figures: judging 2,000 measured files (`gates coverage` vs `coverage report
--fail-under`), and changed-line coverage on a 300-file diff. Issue 17: re-judging after 300 of
the 2,000 files changed, with the analyses of the other 1,700 cached (target ≤ 0.5x `coverage
report --fail-under` on the same data, in the same run).

Run by `nox -s bench` (or `python benchmarks/bench_coverage.py`); prints Markdown tables.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gates import coverage_gate, testrun
from gates.config import CoverageConfig
from gates.workspace import Workspace

FILES = 2000
CHANGED = 300
COMMAND_RUNS = 3
"""Each whole-command run analyses 2,000 files (seconds): a median of 3, interleaved."""
STEP_RUNS = 7

MODULE = '''\
"""Module {i}."""


def grow(x):
    if x > 0:
        y = x * 2
        for k in range(x):
            y += k
        return y
    return -x


def shrink(x):
    while x > {i} % 7:
        x -= 1
    return x


class Box:
    def __init__(self, value):
        self.value = value

    def bigger(self, other):
        if other.value > self.value:
            return other
        return self
'''

ADDED = """

def added(x):
    total = 0
    for k in range(x):
        if k % 2:
            total += k
    return total
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


def pyproject(gate: str) -> str:
    return (
        '[project]\nname = "bench"\nversion = "0"\n\n'
        '[tool.coverage.run]\nsource = ["pkg"]\nrelative_files = true\n\n'
        f'[tool.gates]\nrequired = ["coverage"]\n\n[tool.gates.coverage]\n{gate}'
    )


def make_project(root: Path) -> None:
    """2,000 modules committed as ``base``, then 300 of them given an untested function."""
    root.mkdir()
    (root / "pyproject.toml").write_text(pyproject("min_total = 50\n"))
    (root / ".gitignore").write_text(".gates/\n")
    for i in range(FILES):
        package = root / "pkg" / f"p{i // 100}"
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").touch()
        (package / f"m{i}.py").write_text(MODULE.format(i=i))
    (root / "pkg" / "__init__.py").touch()
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "base")
    git(root, "tag", "base")
    for i in range(0, FILES, FILES // CHANGED)[:CHANGED]:
        with (root / "pkg" / f"p{i // 100}" / f"m{i}.py").open("a") as module:
            module.write(ADDED)
    git(root, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", "300 files change")


def measure(root: Path) -> Path:
    """One coverage.py data file measuring every module (half their code runs)."""
    runner = root.parent / "runner.py"
    runner.write_text(
        "import importlib\n"
        f"for i in range({FILES}):\n"
        "    m = importlib.import_module(f'pkg.p{i // 100}.m{i}')\n"
        "    m.grow(3)\n"
        "    m.Box(1).bigger(m.Box(2))\n"
    )
    evidence = root / ".gates" / "evidence"
    data = evidence / ".coverage.bench"
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--branch", f"--data-file={data}", str(runner)],
        cwd=root,
        check=True,
        env={**testrun.child_environment(), "PYTHONPATH": str(root)},
    )
    return data


def stamp(root: Path) -> None:
    """The meta.json `gates tests` would write, for the tree as it is now."""
    meta = {"tree": Workspace.at(root).tree_id(), "pytest_exit_code": 0}
    (root / ".gates" / "evidence" / "meta.json").write_text(json.dumps(meta))


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process and its children) of ``action``.

    CPU time is reported beside wall time because a shared machine's load moves the latter.
    """
    cpu_before = _cpu_s()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start, _cpu_s() - cpu_before


def _cpu_s() -> float:
    usages = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def command(root: Path, *argv: str, expect: int) -> Callable[[], object]:
    def run() -> None:
        proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
        if proc.returncode != expect:
            raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr[-500:]}")

    return run


def bench_total(root: Path, data: Path) -> list[tuple[str, str, str, str, str]]:
    gated = command(root, sys.executable, "-m", "gates", "coverage", "--fresh", expect=0)

    def gates() -> None:  # every file analysed: no cached analyses (issue 17's are timed below)
        (root / ".gates" / "cache" / "coverage.json").unlink(missing_ok=True)
        gated()

    report = command(
        root,
        *(sys.executable, "-m", "coverage", "report", "--fail-under=50", f"--data-file={data}"),
        expect=0,
    )
    gate_times, baseline = [], []
    for _ in range(COMMAND_RUNS):
        gate_times.append(timed(gates))
        baseline.append(timed(report))
    g_wall, g_cpu = (statistics.median(t[i] for t in gate_times) for i in (0, 1))
    b_wall, b_cpu = (statistics.median(t[i] for t in baseline) for i in (0, 1))
    return [
        (
            "`coverage report --fail-under=50` (baseline)",
            f"{b_wall:.2f} s",
            "1.00x",
            f"{b_cpu:.2f} s",
            "1.00x",
        ),
        (
            "`gates coverage` with `min_total = 50`",
            f"{g_wall:.2f} s",
            f"{g_wall / b_wall:.2f}x",
            f"{g_cpu:.2f} s",
            f"{g_cpu / b_cpu:.2f}x",
        ),
    ]


def bench_changed(root: Path, data: Path) -> list[tuple[str, str]]:
    files = coverage_gate.analyse(root, [data])
    config = CoverageConfig(min_total=50, min_changed_lines=0, base_ref="base")
    collect_times, judge_times = [], []
    for _ in range(STEP_RUNS):
        start = time.perf_counter()
        changed = coverage_gate.changed_lines(root, "base")
        collect_times.append(time.perf_counter() - start)
        evidence = coverage_gate.CoverageEvidence(files=files, data_files=(), changed=changed)
        start = time.perf_counter()
        result = coverage_gate.judge(evidence, config)
        judge_times.append(time.perf_counter() - start)
    assert len(changed.lines) == CHANGED and result.metrics["changed_lines"], "diff not measured"
    diff_s, judge_s = statistics.median(collect_times), statistics.median(judge_times)

    (root / "pyproject.toml").write_text(
        pyproject('min_total = 50\nmin_changed_lines = 0\nbase_ref = "base"\n')
    )
    stamp(root)
    (root / ".gates" / "cache" / "coverage.json").unlink(missing_ok=True)
    whole, _cpu = timed(
        command(root, sys.executable, "-m", "gates", "coverage", "--fresh", expect=0)
    )
    return [
        ("git diff against the merge base + parse (300 files, 2,400 lines)", f"{diff_s:.3f} s"),
        ("intersect with executable/missing lines and judge (2,000 files)", f"{judge_s:.3f} s"),
        ("**changed-line coverage, total** (target ≤ 1 s)", f"**{diff_s + judge_s:.3f} s**"),
        ("whole `gates coverage` with `min_changed_lines` (one run, for scale)", f"{whole:.2f} s"),
    ]


def bench_warm(root: Path) -> list[tuple[str, str, str, str, str]]:
    """At ``base``, measure and judge (the cache fills); back at the 300-file change, measure
    again, then time the gate with that cache (put back before each run, so each re-analyses the
    300) against ``coverage report`` on the same data, and the gate with no cache."""
    cache = root / ".gates" / "cache" / "coverage.json"
    cache.unlink(missing_ok=True)
    (root / "pyproject.toml").write_text(pyproject("min_total = 50\n"))
    git(root, "checkout", "-q", "base")
    data = measure(root)
    stamp(root)
    gates = command(root, sys.executable, "-m", "gates", "coverage", "--fresh", expect=0)
    gates()
    before_change = cache.read_bytes()
    git(root, "checkout", "-q", "main")
    data = measure(root)
    stamp(root)
    report = command(
        root,
        *(sys.executable, "-m", "coverage", "report", "--fail-under=50", f"--data-file={data}"),
        expect=0,
    )

    def warm() -> None:
        cache.write_bytes(before_change)
        gates()

    def cold() -> None:
        cache.unlink(missing_ok=True)
        gates()

    runs: dict[str, list[tuple[float, float]]] = {"report": [], "warm": [], "cold": []}
    for _ in range(COMMAND_RUNS):
        runs["report"].append(timed(report))
        runs["warm"].append(timed(warm))
        runs["cold"].append(timed(cold))
    medians = {
        name: tuple(statistics.median(t[i] for t in times) for i in (0, 1))
        for name, times in runs.items()
    }
    b_wall, b_cpu = medians["report"]
    labels = {
        "report": "`coverage report --fail-under=50` (baseline)",
        "cold": "`gates coverage`, empty cache (2,000 files analysed)",
        "warm": f"**`gates coverage`, warm: {CHANGED} changed files analysed** (target ≤ 0.5x)",
    }
    return [
        (
            labels[name],
            f"{wall:.2f} s",
            f"{wall / b_wall:.2f}x",
            f"{cpu:.2f} s",
            f"{cpu / b_cpu:.2f}x",
        )
        for name in ("report", "cold", "warm")
        for wall, cpu in [medians[name]]
    ]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="gates-bench-coverage-") as tmp:
        root = Path(tmp) / "project"
        make_project(root)
        data = measure(root)
        stamp(root)
        print(f"### Judging {FILES:,} measured files (same data file, median of {COMMAND_RUNS})\n")
        print("| command | wall | ratio | CPU | ratio |\n|---|---|---|---|---|")
        for row in bench_total(root, data):
            print("| " + " | ".join(row) + " |")
        print(f"\n### Changed-line coverage on a {CHANGED}-file diff (median of {STEP_RUNS})\n")
        print("| step | median |\n|---|---|")
        for step in bench_changed(root, data):
            print("| " + " | ".join(step) + " |")
        print(
            f"\n### Re-judging after {CHANGED} of {FILES:,} files changed, the rest cached "
            f"(median of {COMMAND_RUNS}, interleaved)\n"
        )
        print("| command | wall | ratio | CPU | ratio |\n|---|---|---|---|---|")
        for row in bench_warm(root):
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
