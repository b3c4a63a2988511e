"""Issue 17 figure: ``gates --version`` cold ≤ 150 ms, against bare ``python -c pass`` and the
``gates`` package at the baseline commit, in the same run.

Each run is a fresh process, the three kinds interleaved for ``ROUNDS`` rounds (after one warm-up
each, so every run finds the files in the page cache: "cold" is a new interpreter, not a cold
disk). Wall time and the child's own CPU time (user + system, ``os.wait4``: steadier than wall
time on a shared machine); medians. The baseline is extracted with ``git archive`` and put first
on ``PYTHONPATH``; both it and this tree run as the console script does (``gates.cli:main_exit``).
The modules each one imports are counted with ``python -X importtime``.

Run by ``nox -s bench`` (or ``python benchmarks/bench_cold_start.py``); prints a Markdown table.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE = os.environ.get("BENCH_BASELINE", "deecd6e")
"""main before the command imported only what it needs (issue 17)."""
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "21"))
NEUTRAL = Path(tempfile.gettempdir())
"""Where the processes run: ``python -c`` puts the current folder first on ``sys.path``, and in
this repository that would shadow the baseline on ``PYTHONPATH``."""
CONSOLE_SCRIPT = "import sys\nfrom gates.cli import main_exit\nsys.argv[0] = 'gates'\nmain_exit()\n"


def baseline_package(into: Path) -> str:
    """The ``gates`` package at the baseline, extracted under ``into``; its commit."""
    archive = into / "baseline.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", f"--output={archive}", BASELINE, "gates"],
        cwd=REPO,
        check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return subprocess.run(
        ["git", "rev-parse", "--short=10", BASELINE],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def run(argv: list[str], path: Path | None) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process."""
    env = {**os.environ, "PYTHONPATH": str(path)} if path else dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=NEUTRAL, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return wall, usage.ru_utime + usage.ru_stime


def imported(argv: list[str], path: Path | None) -> int:
    """How many modules the process imports (``-X importtime`` writes a line for each)."""
    env = {**os.environ, "PYTHONPATH": str(path)} if path else dict(os.environ)
    proc = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        cwd=NEUTRAL,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return sum(line.startswith("import time:") for line in proc.stderr.splitlines()[1:])


def main() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        commit = baseline_package(Path(scratch))
        kinds: dict[str, tuple[list[str], Path | None]] = {
            "bare `python -c pass` (floor)": ([python, "-c", "pass"], None),
            f"`gates --version` at the baseline ({commit})": (
                [python, "-c", CONSOLE_SCRIPT, "--version"],
                Path(scratch),
            ),
            "`gates --version` now": ([python, "-c", CONSOLE_SCRIPT, "--version"], REPO),
            "`gates --help` now": ([python, "-c", CONSOLE_SCRIPT, "--help"], REPO),
        }
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in kinds}
        for argv, path in kinds.values():
            run(argv, path)  # warm-up: the page cache, the .pyc files
        for _ in range(ROUNDS):
            for label, (argv, path) in kinds.items():
                times[label].append(run(argv, path))
        floor = statistics.median(wall for wall, _ in times[next(iter(kinds))])
        print(f"### Cold start, fresh process each (median of {ROUNDS}, interleaved)\n")
        print("| command | wall | over bare python | CPU | modules imported |")
        print("|---|---|---|---|---|")
        for label, (argv, path) in kinds.items():
            wall = statistics.median(w for w, _ in times[label])
            cpu = statistics.median(c for _, c in times[label])
            print(
                f"| {label} | {wall * 1000:.0f} ms | +{(wall - floor) * 1000:.0f} ms "
                f"| {cpu * 1000:.0f} ms | {imported(argv, path)} |"
            )


if __name__ == "__main__":
    main()
