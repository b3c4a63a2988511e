"""Result reuse (issue 17 item 1): each gate and `nox -s gates` on an unchanged tree, warm first.

A small fixture project (hatchling, src layout, 3 modules, 30 tests, mypy --strict, coverage,
buckets, package) in a temporary git repository. Side by side in one run:

- each gate through the real `gates` command (this checkout's venv): the first warm run
  (`--fresh`: every tool runs, after one unreported warm-up pass) and then the unchanged run
  (nothing changed: the recorded result is reused);
- `nox -s gates` on the fixture: a cold run (venvs created, reported only), the first warm run
  (`GATES_FRESH=1`: warm venvs, every tool runs) and the second, unchanged run.

Target: the unchanged run ≤ 3 s, or ≤ 0.15x the first warm run.

PYTHONDONTWRITEBYTECODE is removed from the children's environment (a user's default): with it
set, every `gates` process compiles its imports again (~1 s on this machine).

    python benchmarks/bench_reuse.py [--runs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GATES = str(Path(sys.executable).parent / "gates")
GATE_ORDER = ("lint", "typecheck", "tests", "coverage", "buckets", "package")
TARGET_S, TARGET_RATIO = 3.0, 0.15

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "benchdemo"
version = "0.1.0"
description = "A fixture project for the reuse benchmark"
readme = "README.md"
requires-python = ">=3.11"

[tool.hatch.build.targets.wheel]
packages = ["src/benchdemo"]

[tool.mypy]
strict = true
files = ["src"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]

[tool.coverage.run]
source = ["src/benchdemo"]
relative_files = true

[tool.gates]
required = ["lint", "typecheck", "coverage", "buckets", "package"]

[tool.gates.lint]
paths = ["src", "tests"]

[tool.gates.typecheck]
paths = ["src"]

[tool.gates.coverage]
min_total = 80
"""

MODULES = {
    "src/benchdemo/__init__.py": '"""Bench demo."""\n\n__version__ = "0.1.0"\n',
    "src/benchdemo/calc.py": '''\
        """Arithmetic."""


        def add(a: int, b: int) -> int:
            return a + b


        def mean(values: list[float]) -> float:
            if not values:
                raise ValueError("no values")
            return sum(values) / len(values)
        ''',
    "src/benchdemo/text.py": '''\
        """Text."""


        def shout(text: str) -> str:
            return text.upper() + "!"


        def words(text: str) -> list[str]:
            return [word for word in text.split() if word]
        ''',
}

TESTS = """\
    import pytest

    from benchdemo.calc import add, mean
    from benchdemo.text import shout, words


    @pytest.mark.parametrize("n", range(10))
    def test_add(n: int) -> None:
        assert add(n, 1) == n + 1


    @pytest.mark.parametrize("n", range(1, 11))
    def test_mean(n: int) -> None:
        assert mean([float(n)] * n) == n


    def test_mean_of_nothing() -> None:
        with pytest.raises(ValueError):
            mean([])


    @pytest.mark.parametrize("text", [f"word {i}" for i in range(9)])
    def test_text(text: str) -> None:
        assert shout(text).endswith("!")
        assert words(text) == text.split()
    """

NOXFILE = f'''\
"""The gate chain for the benchmark fixture, from this release-gates checkout."""

import sys

sys.path.insert(0, {str(ROOT)!r})

from gates import chain  # noqa: E402

chain.register(
    install=["-e", ".", "pytest", {f"{ROOT}[tools]"!r}],
    judge_install=[{f"{ROOT}[tools]"!r}],
)
'''


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env.pop("GATES_FRESH", None)
    env.pop("GATES_LEDGER_URL", None)
    return env | extra


def run(argv: list[str], cwd: Path, *, ok: tuple[int, ...] = (0, 1), **env: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, env=environment(**env), check=False
    )
    elapsed = time.perf_counter() - started
    if proc.returncode not in ok:
        raise SystemExit(
            f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout[-3000:]}"
            f"\n{proc.stderr[-3000:]}"
        )
    return elapsed


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def fixture(root: Path) -> Path:
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": "# benchdemo\n",
        "CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n\n- First.\n",
        ".gitignore": ".gates/\n.nox/\n",
        "noxfile.py": NOXFILE,
        "tests/test_demo.py": TESTS,
        **MODULES,
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=bench", "-c", "user.email=b@example.com", "commit", "-qm", "base")
    return root


def gates(root: Path, gate: str, *options: str) -> float:
    extra = ["--evidence"] if gate == "tests" else []
    return run([GATES, gate, *extra, "--root", str(root), *options], root, ok=(0,))


def nox_chain(root: Path, **env: str) -> float:
    return run(["nox", "-s", "gates"], root, ok=(0,), **env)


def reused(root: Path, gate: str) -> bool:
    """Whether the gate's newest ledger record is a reuse (checked, not assumed)."""
    proc = subprocess.run(
        [GATES, "ledger", "export", "--root", str(root)], capture_output=True, text=True, check=True
    )
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    mine = [r["payload"] for r in records if r["payload"].get("gate") == gate]
    return bool(mine and mine[-1].get("reused"))


def each_gate(root: Path, runs: int) -> None:
    """The table of each gate: first warm run, then unchanged."""
    for gate in GATE_ORDER:  # warm-up: caches (mypy's, the OS's), the package build backend
        gates(root, gate, "--fresh")
    first: dict[str, list[float]] = {gate: [] for gate in GATE_ORDER}
    again: dict[str, list[float]] = {gate: [] for gate in GATE_ORDER}
    for _ in range(runs):
        for gate in GATE_ORDER:
            first[gate].append(gates(root, gate, "--fresh"))
        for gate in GATE_ORDER:
            again[gate].append(gates(root, gate))
            if not reused(root, gate):
                raise SystemExit(f"{gate}: the unchanged run was not a reuse")
    print(f"### Each gate: first warm run vs unchanged run (median of {runs})\n")
    print("| gate | first warm (`--fresh`) | unchanged (reused) | ratio |")
    print("|---|---|---|---|")
    for gate in GATE_ORDER:
        warm, same = statistics.median(first[gate]), statistics.median(again[gate])
        print(f"| `gates {gate}` | {warm:.2f} s | {same:.2f} s | {same / warm:.2f}x |")
    warm_sum = sum(statistics.median(v) for v in first.values())
    same_sum = sum(statistics.median(v) for v in again.values())
    print(f"| **all six** | {warm_sum:.2f} s | {same_sum:.2f} s | {same_sum / warm_sum:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="rounds of each measurement (median)")
    parser.add_argument("--keep", type=Path, default=None, help="build the fixture here, keep it")
    parser.add_argument("--no-nox", action="store_true", help="only the gate commands")
    parser.add_argument("--no-gates", action="store_true", help="only `nox -s gates`")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-reuse-"))
    root = fixture(args.keep or scratch / "benchdemo")
    try:
        if not args.no_gates:
            each_gate(root, args.runs)
        if args.no_nox:
            return
        cold = nox_chain(root, GATES_FRESH="1")
        warm_chain, same_chain = [], []
        for _ in range(args.runs):
            warm_chain.append(nox_chain(root, GATES_FRESH="1"))
            same_chain.append(nox_chain(root))
            if not all(reused(root, gate) for gate in GATE_ORDER):
                raise SystemExit("nox -s gates: the unchanged run did not reuse every gate")
        warm, same = statistics.median(warm_chain), statistics.median(same_chain)
        print(f"\n### `nox -s gates` on the fixture (median of {args.runs})\n")
        print("| run | wall time | ratio to the first warm run |")
        print("|---|---|---|")
        print(f"| cold (`GATES_FRESH=1`, venvs created) | {cold:.1f} s | {cold / warm:.2f}x |")
        print(f"| first warm (`GATES_FRESH=1`: every tool runs) | {warm:.1f} s | 1.00x |")
        print(f"| **second, unchanged (reused)** | **{same:.1f} s** | **{same / warm:.2f}x** |")
        met = same <= TARGET_S or same / warm <= TARGET_RATIO
        print(f"\nTarget ≤ {TARGET_S:g} s or ≤ {TARGET_RATIO}x: {'met' if met else 'not met'}.")
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
