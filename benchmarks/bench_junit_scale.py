"""Issue 13 figures: JUnit reading at scale, this tree against the reader before bounded reading.

Two files, generated in a temporary folder:

- one failing test whose ``message`` attribute is 16, 32 or 200 MB (targets: judged by
  ``gates buckets`` in ≤ 10 s; the baseline took 13 s at 16 MB, 28 s at 32 MB and over 15 minutes
  at 200 MB: expat re-scanned the unfinished attribute on every 64 KiB chunk);
- 2,000,000 test cases, 1,000 of them failing (targets: peak RSS ≤ 300 MB, the baseline kept a
  ``TestCase`` per test: 1.08 GB at 1.87 M; and ≤ 2x the time of the bare iterparse floor, a
  ``xml.etree.ElementTree.iterparse`` loop that counts test cases and failures, clearing each
  test case, measured on the same file in the same run).

Each run is a fresh process: ``junit.read`` alone, and ``gates buckets`` end to end (start-up,
tree id, parse, judge, record). The baseline is the ``gates`` package at ``BASELINE`` (main just
before bounded JUnit reading was merged; ``BENCH_BASELINE=REV`` picks another), extracted with
``git archive`` and
put first on ``PYTHONPATH``. Peak RSS is the child's own ``ru_maxrss`` (``os.wait4``: the figure
``getrusage(RUSAGE_CHILDREN)`` gives for a single child); CPU is its user + system time, steadier
than wall time on a shared machine. A baseline run
over ``BASELINE_LIMIT_S`` is stopped and shown as such.

Run by ``nox -s bench`` (or ``python benchmarks/bench_junit_scale.py``); prints Markdown tables.
``BENCH_ATTRIBUTE_MB="2"`` and ``BENCH_CASES=20000`` make a quick run of the same script.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gates.workspace import Workspace  # noqa: E402

ATTRIBUTE_MB = tuple(int(n) for n in os.environ.get("BENCH_ATTRIBUTE_MB", "16 32 200").split())
CASES = int(os.environ.get("BENCH_CASES", "2000000"))
FAILING = 1_000
BASELINE_LIMIT_S = 120.0
READ = (
    "import sys\nfrom pathlib import Path\nfrom gates import junit\n"
    "report = junit.read([Path(sys.argv[1])])\n"
    "print(report.totals.total, len(report.failures()))\n"
)
FLOOR = (
    "import sys\nimport xml.etree.ElementTree as ET\n"
    "cases = failures = 0\n"
    "for _, element in ET.iterparse(sys.argv[1]):\n"
    "    if element.tag == 'testcase':\n"
    "        cases += 1\n"
    "        element.clear()\n"
    "    elif element.tag in ('failure', 'error'):\n"
    "        failures += 1\n"
    "print(cases, failures)\n"
)
GATES_BUCKETS = (sys.executable, "-m", "gates", "buckets")
"""``--fresh`` is added for this tree only: the baseline predates reused results (and the flag)."""
FLOOR_ROUNDS = int(os.environ.get("BENCH_FLOOR_ROUNDS", "3"))
"""The floor and ``junit.read`` alternate, each fresh process this many times: medians."""


def write_attribute_file(path: Path, megabytes: int) -> Path:
    """A passing test and a failing one whose message is ``megabytes`` MB long."""
    block = ("AssertionError: expected the cart to hold 3 items " * 20_000).encode()
    with path.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<testsuites>')
        out.write(b'<testsuite name="pytest" tests="2">\n')
        out.write(b'<testcase classname="tests.test_cart" name="test_ok" time="0.1"/>\n')
        out.write(b'<testcase classname="tests.test_cart" name="test_huge" time="0.2">')
        out.write(b'<failure message="')
        left = megabytes * 1_000_000
        while left > 0:
            out.write(block[:left])
            left -= len(block)
        out.write(b'">E   AssertionError</failure></testcase>\n</testsuite></testsuites>\n')
    return path


def write_cases_file(path: Path) -> Path:
    """``CASES`` test cases in 40 folders of modules, every 2,000th one failing."""
    step = CASES // FAILING
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>')
        out.write(f'<testsuite name="pytest" tests="{CASES}">\n')
        for i in range(CASES):
            module = i // 50
            head = (
                f'<testcase classname="tests.area{module % 40}.test_mod{module}.TestThing" '
                f'name="test_case_{i}" time="0.{i % 1000:03d}"'
            )
            if i % step == 0:
                out.write(
                    f'{head}><failure message="AssertionError: expected {i}">E   '
                    f"AssertionError: expected {i}</failure></testcase>\n"
                )
            else:
                out.write(f"{head}/>\n")
        out.write("</testsuite></testsuites>\n")
    return path


def project(root: Path, junit: Path) -> Path:
    """A git repository whose evidence is ``junit``, bound to its tree."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text(".gates/\n")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "bench"\nversion = "1.0"\n\n[tool.gates]\nrequired = ["buckets"]\n'
    )
    evidence = root / ".gates/evidence"
    evidence.mkdir(parents=True)
    os.replace(junit, evidence / "junit.xml")
    # What `gates tests` stamps for a finished run with failing tests.
    meta = {"tree": Workspace.at(root).tree_id(), "pytest_exit_code": 1}
    (evidence / "meta.json").write_text(json.dumps(meta))
    return evidence / "junit.xml"


BASELINE = "b57ec3776d4ad7a0a2061779e6c1e032fd4cf20d"
"""main just before bounded JUnit reading (the merge of branch ``junit``)."""


def baseline_package(into: Path) -> str:
    """The ``gates`` package at the baseline, extracted under ``into``; its commit."""
    commit = os.environ.get("BENCH_BASELINE", BASELINE)
    archive = into / "baseline.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", f"--output={archive}", commit, "gates"],
        cwd=REPO,
        check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return commit[:10]


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float
    peak_mb: float
    stopped: bool
    output: str

    def cells(self) -> str:
        if self.stopped:
            limit = f"> {BASELINE_LIMIT_S:.0f} s (stopped)"
            return f"{limit} | > {self.cpu_s:.0f} s | ≥ {self.peak_mb:.0f} MB"
        return f"{self.wall_s:.2f} s | {self.cpu_s:.2f} s | {self.peak_mb:.0f} MB"


def measure(argv: list[str], path: Path, cwd: Path, limit: float | None = None) -> Run:
    """One fresh process with ``path`` first on PYTHONPATH."""
    env = {**os.environ, "PYTHONPATH": str(path)}
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        stopped = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if limit is not None and time.perf_counter() - started > limit:
                proc.send_signal(signal.SIGKILL)
                stopped = True
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace").strip()
    if not stopped and proc.returncode not in (0, 1):
        raise SystemExit(f"{argv} exited {proc.returncode}: {output[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(elapsed, cpu, usage.ru_maxrss / 1024, stopped, output)


def table(title: str, rows: list[tuple[str, Run, Run]]) -> None:
    print(f"\n### {title}\n")
    print(
        "| run | baseline wall | baseline CPU | baseline peak RSS "
        "| now wall | now CPU | now peak RSS |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, before, after in rows:
        print(f"| {label} | {before.cells()} | {after.cells()} |")


def main() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-junit-") as scratch:
        work = Path(scratch)
        commit = baseline_package(work)
        baseline = work
        rows: list[tuple[str, Run, Run]] = []
        verdicts: list[str] = []
        for megabytes in ATTRIBUTE_MB:
            root = work / f"attr-{megabytes}"
            junit = project(root, write_attribute_file(work / "a.xml", megabytes))
            read = [python, "-c", READ, str(junit)]
            gates = [*GATES_BUCKETS, "--root", str(root)]
            before = measure(read, baseline, root, BASELINE_LIMIT_S)
            rows.append(
                (f"{megabytes} MB attribute: `junit.read`", before, measure(read, REPO, root))
            )
            now = measure([*gates, "--fresh"], REPO, root)
            result = json.loads((root / ".gates/results/buckets.json").read_text())
            verdicts.append(f"{megabytes} MB: {result['status']}: {result['summary']}")
            # When reading alone was stopped, the whole gate would be too: not run again.
            if not before.stopped:
                before = measure(gates, baseline, root, BASELINE_LIMIT_S)
            rows.append((f"{megabytes} MB attribute: `gates buckets`", before, now))
            junit.unlink()
        table(f"One failing test with a long `message` attribute (baseline: {commit[:12]})", rows)
        for line in verdicts:
            print(f"\n- {line}")

        root = work / "cases"
        junit = project(root, write_cases_file(work / "c.xml"))
        size = junit.stat().st_size / 1e6
        read = [python, "-c", READ, str(junit)]
        gates = [*GATES_BUCKETS, "--root", str(root)]
        rows = [
            (label, measure(argv, baseline, root, BASELINE_LIMIT_S), measure(now, REPO, root))
            for label, argv, now in (
                ("`junit.read`", read, read),
                ("`gates buckets`", gates, [*gates, "--fresh"]),
            )
        ]
        result = json.loads((root / ".gates/results/buckets.json").read_text())
        table(f"{CASES:,} test cases, {FAILING:,} failing ({size:.0f} MB)", rows)
        print(f"\n- {result['status']}: {result['summary']}")
        floor_table(junit, root)


def floor_table(junit: Path, root: Path) -> None:
    """``junit.read`` against the bare iterparse floor, alternating, medians of fresh processes."""
    python = sys.executable
    runs: dict[str, list[Run]] = {"floor": [], "read": []}
    for _ in range(FLOOR_ROUNDS):
        runs["floor"].append(measure([python, "-c", FLOOR, str(junit)], REPO, root))
        runs["read"].append(measure([python, "-c", READ, str(junit)], REPO, root))
    if runs["floor"][0].output != runs["read"][0].output:
        raise SystemExit(f"counts differ: {runs['floor'][0].output} vs {runs['read'][0].output}")
    floor_wall = statistics.median(run.wall_s for run in runs["floor"])
    floor_cpu = statistics.median(run.cpu_s for run in runs["floor"])
    print(
        f"\n### {CASES:,} test cases against the bare iterparse floor (median of {FLOOR_ROUNDS})\n"
    )
    print("| run | wall | ratio | CPU | ratio | peak RSS |\n|---|---|---|---|---|---|")
    labels = {"floor": "bare `ElementTree.iterparse` loop (floor)", "read": "`junit.read` (now)"}
    for name, label in labels.items():
        wall = statistics.median(run.wall_s for run in runs[name])
        cpu = statistics.median(run.cpu_s for run in runs[name])
        peak = max(run.peak_mb for run in runs[name])
        print(
            f"| {label} | {wall:.2f} s | {wall / floor_wall:.2f}x | {cpu:.2f} s "
            f"| {cpu / floor_cpu:.2f}x | {peak:.0f} MB |"
        )


if __name__ == "__main__":
    main()
