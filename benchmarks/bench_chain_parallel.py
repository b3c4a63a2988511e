"""Issue 17: `nox -s gates` side by side and built once, on a small real project from PyPI.

The project is cachetools' sdist (its pytest suite ships in it: ~480 tests), adopted with
`gates init` and committed, exactly as tests/test_init.py's end-to-end test does; the sessions
install a wheel of this checkout (``RELEASE_GATES``), built once, as a user's comes from PyPI.
Two figures, each against its baseline in the same run, interleaved round by round (the machine
is shared: wall times swing):

1. Warm chain, gates side by side (`nox -s gates`, the default jobs) vs the serial chain
   (`nox -s gates -- --jobs 1`), both with every environment already built. Each run first
   writes a new untracked file, so the tree differs and every gate runs its tool again.
2. Cold `nox -s gates` (a fresh copy of the project: no .nox, no .gates) vs the same tools run
   directly in one fresh uv venv: install the project and the tools, ruff check + format
   --check, mypy, pytest under coverage and its report, build + twine check. uv's download cache
   is warm for both (one untimed round first).

Wall time and CPU time (user + system of every child process) are reported.

    python benchmarks/bench_chain_parallel.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT = "cachetools"
LINT_PATHS = ("src/cachetools", "tests")
TYPED = "src/cachetools"
TOOLS = ("ruff", "mypy", "pytest", "coverage", "build", "twine", "uv")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(action: Callable[[], None]) -> tuple[float, float]:
    """(wall, CPU of the child processes) of one call, in seconds."""
    cpu, wall = _children_cpu(), time.perf_counter()
    action()
    return time.perf_counter() - wall, _children_cpu() - cpu


def run(argv: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> None:
    env = {name: value for name, value in os.environ.items() if name != "GATES_CHAIN"}
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode not in ok:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode} in {cwd}:\n{tail}")


def git(root: Path, *args: str) -> None:
    run(["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench", *args], root)


def adopted_project(scratch: Path) -> Path:
    """cachetools' sdist from PyPI, unpacked, committed, `gates init`, committed again."""
    download = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    run([*download, "--no-binary", ":all:", "--dest", str(scratch), PROJECT], scratch)
    [sdist] = scratch.glob(f"{PROJECT}-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(scratch / "src", filter="data")
    [root] = (scratch / "src").iterdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "upstream sdist")
    run([sys.executable, "-m", "gates", "init", "--root", str(root)], root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "gates init")
    return root


def chain(root: Path, *posargs: str) -> Callable[[], None]:
    """`nox -s gates -- POSARGS` on a tree it has not judged yet (a new untracked file)."""
    rounds = iter(range(1_000_000))

    def action() -> None:
        (root / "bench-round.txt").write_text(f"{next(rounds)} {time.time()}\n")
        argv = [sys.executable, "-m", "nox", "-s", "gates"]
        run([*argv, "--", *posargs] if posargs else argv, root)

    return action


def fresh_copy(root: Path, into: Path) -> Path:
    """The adopted project as a user clones it: no .nox, no .gates, no tool caches."""
    shutil.rmtree(into, ignore_errors=True)
    git(root.parent, "clone", "--quiet", str(root), str(into))
    return into


def cold_chain(root: Path, scratch: Path) -> Callable[[], None]:
    def action() -> None:
        copy = fresh_copy(root, scratch / "cold-chain")
        run([sys.executable, "-m", "nox", "-s", "gates"], copy, ok=(0, 1))

    return action


def direct(root: Path, scratch: Path) -> Callable[[], None]:
    """The same tools by hand, in one fresh uv venv."""

    def action() -> None:
        copy = fresh_copy(root, scratch / "direct")
        venv = copy / ".venv"
        bin_dir = venv / "bin"
        run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], copy)
        python = str(bin_dir / "python")
        run(["uv", "pip", "install", "--quiet", "--python", python, "-e", ".", *TOOLS], copy)
        run([str(bin_dir / "ruff"), "check", *LINT_PATHS], copy)
        run([str(bin_dir / "ruff"), "format", "--check", *LINT_PATHS], copy)
        run([str(bin_dir / "mypy"), TYPED], copy)
        run([python, "-m", "coverage", "run", "--branch", "-m", "pytest", "-q"], copy)
        run([python, "-m", "coverage", "report"], copy)
        out = scratch / "direct-dist"
        shutil.rmtree(out, ignore_errors=True)
        run([python, "-m", "build", "--installer", "uv", "--outdir", str(out), "."], copy)
        run([python, "-m", "twine", "check", "--strict", *map(str, out.iterdir())], copy)

    return action


def table(title: str, rows: dict[str, list[tuple[float, float]]], target: float) -> None:
    (base_label, base), (label, measured_runs) = rows.items()
    wall = {name: statistics.median(w for w, _ in runs) for name, runs in rows.items()}
    cpu = {name: statistics.median(c for _, c in runs) for name, runs in rows.items()}
    print(f"### {title} (median of {len(base)})\n")
    print("| run | wall | ratio | CPU (children) | ratio |")
    print("|---|---|---|---|---|")
    for name in rows:
        print(
            f"| {name} | {wall[name]:.1f} s | {wall[name] / wall[base_label]:.2f}x "
            f"| {cpu[name]:.1f} s | {cpu[name] / cpu[base_label]:.2f}x |"
        )
    ratio = wall[label] / wall[base_label]
    print(f"\nTarget ≤ {target}x wall: {'met' if ratio <= target else 'not met'} ({ratio:.2f}x).")
    each = ", ".join(f"{w:.1f}" for w, _ in measured_runs)
    print(f"Each run of the second row (s): {each}.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds of each pair")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-chain-parallel-") as name:
        scratch = Path(name)
        build = [sys.executable, "-m", "build", "--wheel", "--installer", "uv", "--outdir"]
        run([*build, str(scratch / "wheel"), str(REPO)], REPO)
        [wheel] = (scratch / "wheel").glob("*.whl")
        os.environ["RELEASE_GATES"] = f"{wheel}[tools]"
        root = adopted_project(scratch)
        warm_serial, warm_parallel = chain(root, "--jobs", "1"), chain(root)
        cold, by_hand = cold_chain(root, scratch), direct(root, scratch)
        for action in (warm_serial, cold, by_hand):  # builds the environments, warms uv's cache
            action()
        load = os.getloadavg()[0]
        warm: dict[str, list[tuple[float, float]]] = {
            "`nox -s gates -- --jobs 1`, serial (baseline)": [],
            "`nox -s gates`, side by side": [],
        }
        first: dict[str, list[tuple[float, float]]] = {
            "direct: one fresh uv venv, the same tools (baseline)": [],
            "cold `nox -s gates` (fresh clone)": [],
        }
        for _ in range(args.rounds):
            for label, action in zip(warm, (warm_serial, warm_parallel), strict=True):
                warm[label].append(measured(action))
            for label, action in zip(first, (by_hand, cold), strict=True):
                first[label].append(measured(action))
            done = {**warm, **first}.items()
            print({label: runs[-1] for label, runs in done}, file=sys.stderr, flush=True)
        cores = os.cpu_count()
        print(f"{PROJECT}, {cores} cores, load average {load:.1f} → {os.getloadavg()[0]:.1f}\n")
        table("Warm chain: gates side by side vs one after the other", warm, 0.75)
        table("Cold `nox -s gates` vs the same tools in one fresh uv venv", first, 1.5)


if __name__ == "__main__":
    main()
