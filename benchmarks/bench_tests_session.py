"""`nox -s tests` on this repository: this tree against a baseline commit (default: main).

Each variant is a checkout of its own (the baseline in a temporary git worktree, the current
variant this working tree as it is) and runs, once each:

- `nox -s tests -- --co -q -m "not slow"`: the session's own cost (shared environment built or
  checked, the workflow linters, `gates tests` under coverage, collection), run first, so the
  full run that follows finds its environment ready;
- `nox -s tests`: the suite itself, with each tree's own default arguments (`--paths`: the
  same arguments in both, `-m "not slow" -n auto PATHS`, to compare a part of the suite).

Wall time and CPU time (user + system of every waited-for descendant: nox, coverage, pytest, the
xdist workers and the tools the tests run) are reported side by side: on a machine shared with
other work the wall time is noisy, the CPU time much less. `GATES_FRESH=1`: the tests gate never
reuses a previous result. The slowest tests of each variant (from the JUnit file the tests gate
wrote: setup, call and teardown) are listed under the table, and so are the test files with the
largest sums of test durations (the worker time each file takes, whatever the load beside it).

    python benchmarks/bench_tests_session.py [--baseline REF] [--only NAME] [--results FILE]
        [--paths tests/x.py ...]

`--only` runs one variant and `--results` keeps what was measured in a JSON file, so the two
variants may be measured at different times (the table then shows every variant in the file).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOX = [sys.executable, "-m", "nox", "-s", "tests", "--"]
PART_ARGS = ["-m", "not slow", "-n", "auto"]
"""With --paths: the arguments both variants run the part of the suite with."""
SLOWEST = 20
HEAVIEST_FILES = 15
_SUMMARY = re.compile(r"=+ (.*\b(?:passed|failed)\b.*) in [\d.]+s")


@dataclass(frozen=True)
class Timing:
    """One command's cost."""

    wall_s: float
    cpu_s: float
    exit_code: int
    output: str


@dataclass(frozen=True)
class Measured:
    """One variant: its session overhead and its full session."""

    name: str
    ref: str
    suite: str
    """``whole suite`` or the paths run."""
    overhead: tuple[float, float]
    """(wall, CPU) seconds of the collect-only session."""
    session: tuple[float, float]
    """(wall, CPU) seconds of the full session."""
    summary: str
    slowest: list[str]
    files: dict[str, float]
    """Sum of test durations per test file, the heaviest first."""


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path) -> Timing:
    env = {**os.environ, "GATES_FRESH": "1"}
    env.pop("VIRTUAL_ENV", None)  # nox's shared environment, not the caller's venv
    cpu, started = _children_cpu_s(), time.perf_counter()
    proc = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    wall = time.perf_counter() - started
    return Timing(wall, _children_cpu_s() - cpu, proc.returncode, proc.stdout)


def slowest(junit: Path) -> list[str]:
    """The slowest test cases in the JUnit file, as ``seconds nodeid``."""
    cases = [
        (float(case.get("time", 0)), f"{case.get('file')}::{case.get('name')}")
        for case in ET.parse(junit).iter("testcase")
    ]
    return [f"{seconds:6.2f}s {name}" for seconds, name in sorted(cases, reverse=True)[:SLOWEST]]


def per_file(junit: Path) -> dict[str, float]:
    """The sum of test durations (setup, call, teardown) of each test file, the heaviest first."""
    sums: dict[str, float] = {}
    for case in ET.parse(junit).iter("testcase"):
        file = case.get("file", "?")
        sums[file] = sums.get(file, 0.0) + float(case.get("time", 0))
    return dict(sorted(sums.items(), key=lambda item: -item[1]))


def measure(name: str, ref: str, tree: Path, paths: list[str]) -> Measured:
    overhead = timed([*NOX, "--co", "-q", "-m", "not slow"], tree)
    session = timed([*NOX, *PART_ARGS, *paths] if paths else NOX[:-1], tree)
    log = Path(tempfile.gettempdir()) / f"bench_tests_session-{name}.log"
    log.write_text(session.output, encoding="utf-8")
    print(f"{name}: nox -s tests exited {session.exit_code}, its output in {log}", file=sys.stderr)
    summaries = _SUMMARY.findall(session.output)
    junit = tree / ".gates" / "evidence" / "junit.xml"
    return Measured(
        name,
        ref,
        " ".join(paths) or "whole suite",
        (overhead.wall_s, overhead.cpu_s),
        (session.wall_s, session.cpu_s),
        summaries[-1] if summaries else "?",
        slowest(junit),
        per_file(junit),
    )


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """``ref`` in a temporary git worktree (its own .nox, .gates), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-tests-") as folder:
        tree = Path(folder) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "-q", "--detach", str(tree), ref], cwd=ROOT, check=True
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True
            )


def table(results: list[Measured]) -> str:
    lines = [
        "| variant | ref | run | overhead (--co) wall / CPU | session wall / CPU | outcome |",
        "|---|---|---|---|---|---|",
    ]
    for one in results:
        lines.append(
            f"| {one.name} | {one.ref} | {one.suite}"
            f" | {one.overhead[0]:.0f} s / {one.overhead[1]:.0f} s"
            f" | {one.session[0]:.0f} s / {one.session[1]:.0f} s | {one.summary} |"
        )
    return "\n".join(lines)


def file_table(results: list[Measured]) -> str:
    """Per-file sums of test durations, one column per variant, with the total of every file."""
    heaviest = list(dict.fromkeys(f for one in results for f in list(one.files)[:HEAVIEST_FILES]))
    lines = [
        "| test file | " + " | ".join(f"{one.name} s" for one in results) + " |",
        "|---|" + "---:|" * len(results),
    ]
    for file in heaviest:
        sums = " | ".join(f"{one.files.get(file, 0.0):.1f}" for one in results)
        lines.append(f"| {file} | {sums} |")
    totals = " | ".join(f"{sum(one.files.values()):.1f}" for one in results)
    lines.append(f"| every file | {totals} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--baseline", default="main", help="the ref the current tree is compared with"
    )
    parser.add_argument("--only", choices=["baseline", "current"], help="measure one variant")
    parser.add_argument("--results", type=Path, help="JSON file keeping measured variants")
    parser.add_argument("--paths", nargs="+", default=[], help="run only these tests")
    args = parser.parse_args()
    kept: dict[str, Measured] = {}
    if args.results and args.results.is_file():
        for item in json.loads(args.results.read_text(encoding="utf-8")):
            item["overhead"], item["session"] = tuple(item["overhead"]), tuple(item["session"])
            item.setdefault("files", {})  # kept before per-file sums were measured
            kept[item["name"]] = Measured(**item)
    head = subprocess.run(
        ["git", "rev-parse", "--short", args.baseline],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if args.only in (None, "baseline"):
        with checkout(args.baseline) as tree:
            kept["baseline"] = measure("baseline", f"{args.baseline} ({head})", tree, args.paths)
    if args.only in (None, "current"):
        kept["current"] = measure("current", "working tree", ROOT, args.paths)
    if args.results:
        args.results.write_text(json.dumps([asdict(one) for one in kept.values()], indent=1))
    print(table(list(kept.values())))
    print(f"\nSums of test durations, the {HEAVIEST_FILES} heaviest files of each variant\n")
    print(file_table(list(kept.values())))
    for one in kept.values():
        print(f"\n{one.name}: the {SLOWEST} slowest tests\n")
        print("\n".join(one.slowest))


if __name__ == "__main__":
    main()
