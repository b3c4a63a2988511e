"""`nox -s gates` on this repository with warm venvs vs running ruff, mypy and pytest directly.

The baseline uses the tools of the interpreter running it (`nox -s bench`: the same requirements
as the chain's shared environment, so the same versions and installed packages),
run one after the other on the same paths, without nox, release-gates, coverage or the decision.
The first `nox -s gates` run warms the venvs and is reported too (cold), not counted. To explain
the gap, the table also shows each gate's own recorded duration and pytest under coverage run
directly (the measuring the tests gate adds).

    python benchmarks/bench_chain.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def timed(argv: list[str], *, ok: tuple[int, ...] = (0, 1)) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode not in ok:
        tail = (proc.stdout + proc.stderr)[-2000:]
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{tail}")
    return elapsed


def direct() -> dict[str, float]:
    """The same work done by hand: ruff check + format check, mypy, pytest."""
    tool = {name: str(VENV_BIN / name) for name in ("ruff", "mypy", "python")}
    return {
        "ruff check": timed([tool["ruff"], "check", "gates", "tests", "noxfile.py"]),
        "ruff format --check": timed(
            [tool["ruff"], "format", "--check", "gates", "tests", "noxfile.py"]
        ),
        "mypy gates": timed([tool["mypy"], "gates"]),
        "pytest": timed([tool["python"], "-m", "pytest", "-q"]),
    }


def gate_durations() -> dict[str, float]:
    """Each gate's own duration, as recorded in its result by the last chain run."""
    results = sorted((ROOT / ".gates" / "results").glob("*.json"))
    return {path.stem: float(json.loads(path.read_text())["duration_s"]) for path in results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1, help="warm runs of each side (median)")
    args = parser.parse_args()
    nox = [sys.executable, "-m", "nox", "-s", "gates"]
    cold = timed(nox)
    chain, parts, gates = [], [], []
    for _ in range(args.runs):
        chain.append(timed(nox))
        gates.append(gate_durations())
        parts.append(direct())
    covered = timed([str(VENV_BIN / "python"), "-m", "coverage", "run", "--branch", "-m", "pytest"])
    warm = statistics.median(chain)
    by_tool = {name: statistics.median(run[name] for run in parts) for name in parts[0]}
    by_gate = {name: statistics.median(run[name] for run in gates) for name in gates[0]}
    baseline = sum(by_tool.values())

    def row(what: str, seconds: float, ratio: str = "") -> None:
        print(f"| {what} | {seconds:.1f} s | {ratio} |")

    print(f"### `nox -s gates` vs ruff + mypy + pytest directly, median of {args.runs}\n")
    print("| what | wall time | ratio to the direct sum |")
    print("|---|---|---|")
    for name, seconds in by_tool.items():
        row(f"{name} (direct)", seconds)
    row("**sum of the direct runs (baseline)**", baseline, "1.00x")
    row("**`nox -s gates`, warm venvs**", warm, f"**{warm / baseline:.2f}x**")
    for name, seconds in by_gate.items():
        row(f"… of which gate `{name}` (its recorded duration)", seconds)
    rest = warm - sum(by_gate.values())
    row("… of which nox, venv checks, process start-up, `decide`", rest)
    row("pytest under coverage, direct (what the tests gate runs)", covered)
    row("`nox -s gates`, first run here (venvs created)", cold, f"{cold / baseline:.2f}x")
    print(f"\nTarget ≤ 1.3x: {'met' if warm / baseline <= 1.3 else 'not met'}.")


if __name__ == "__main__":
    main()
