"""Issue 8 (no named figure): the package gate's wall time vs bare `python -m build && twine check`.

On a clone of this repository (its committed HEAD), so the measurement never writes into the
working copy. Run by `nox -s bench` (or `python benchmarks/bench_package.py`); prints a Markdown
table.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from timing import median_s

RUNS = 3
REPO = Path(__file__).resolve().parents[1]


def run(*argv: str, cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)


def bare(clone: Path, out: Path, *build_args: str) -> Callable[[], None]:
    def action() -> None:
        shutil.rmtree(out, ignore_errors=True)
        run(sys.executable, "-m", "build", *build_args, "--outdir", str(out), ".", cwd=clone)
        files = [str(p) for p in out.iterdir()]
        run(sys.executable, "-m", "twine", "check", "--strict", *files, cwd=clone)

    return action


def gate(clone: Path) -> Callable[[], None]:
    def action() -> None:
        run(sys.executable, "-m", "gates", "package", "--fresh", "--root", str(clone), cwd=clone)

    return action


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-package-") as scratch:
        clone = Path(scratch) / "repo"
        run("git", "clone", "--quiet", "--local", str(REPO), str(clone), cwd=Path(scratch))
        out = Path(scratch) / "dist"
        # One untimed run of each warms the caches (uv's, pip's, the OS's) for all of them.
        for action in (bare(clone, out), bare(clone, out, "--installer", "uv"), gate(clone)):
            action()
        rows = [
            ("bare `python -m build && twine check --strict` (baseline)", bare(clone, out)),
            (
                "bare, with `--installer uv` (the build the gate runs)",
                bare(clone, out, "--installer", "uv"),
            ),
            ("`gates package` (build, check, fresh venv, install, smoke, hashes)", gate(clone)),
        ]
        times = [(label, median_s(action, RUNS)) for label, action in rows]
    base = times[0][1]
    print(f"### `gates package` on this repository (median of {RUNS})\n")
    print("| command | median | ratio to the baseline |")
    print("|---|---|---|")
    for label, seconds in times:
        print(f"| {label} | {seconds:.2f} s | {seconds / base:.2f}x |")


if __name__ == "__main__":
    main()
