"""Latency sampling overhead: one step with `repeat = 200` against a bare httpx loop.

`gates smoke` on a plan of one GET step with `repeat = 200` (sequential: `concurrency = 1`),
against the baseline, a bare `httpx.AsyncClient` loop of the same 200 requests, one after the
other, each status checked, in the same run against the same local example service. Both run
in-process (`gates smoke` as the whole command through `gates.cli.main`: plan load, the run,
judging, the results file, the ledger and the reports). Client CPU time is shown too: on a busy
machine it is the steadier measure of the overhead.
Run from the repository root: `python benchmarks/bench_smoke_sampling.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_smoke import example_service, interleaved  # noqa: E402

from gates.cli import main  # noqa: E402

REQUESTS = 200
ROUNDS = 7
PLAN = f"""
[[steps]]
name = "health"
method = "GET"
path = "/health"
repeat = {REQUESTS}
p95_ms = 1000
"""


async def bare(url: str, requests: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(requests):
            response = await client.get(url + "/health")
            assert response.status_code == 200


def project(folder: Path) -> Path:
    root = folder / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0.1.0"\n')
    (root / ".gitignore").write_text(".gates/\n")
    (root / "smoke.toml").write_text(PLAN)
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


def main_bench() -> None:
    with tempfile.TemporaryDirectory() as scratch, example_service(Path(scratch)) as url:
        root = project(Path(scratch))
        smoke_args = ["smoke", str(root / "smoke.toml"), "--base-url", url, "--root", str(root)]

        def gates_in_process() -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(smoke_args) == 0

        cases: dict[str, Callable[[], object]] = {
            f"bare httpx loop, {REQUESTS} GETs (baseline)": lambda: asyncio.run(
                bare(url, REQUESTS)
            ),
            f"`gates smoke`, one step `repeat = {REQUESTS}`": gates_in_process,
        }
        figures = interleaved(cases, ROUNDS)

    base = next(iter(figures.values()))
    print(f"### {REQUESTS} sequential GET samples of one step ({ROUNDS} rounds)\n")
    print(
        "| run | wall, median | ratio | wall, best | ratio | per request, median "
        "| client CPU, median | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, run in figures.items():
        print(
            f"| {name} | {run.wall:.3f} s | {run.wall / base.wall:.2f}x "
            f"| {run.best:.3f} s | {run.best / base.best:.2f}x "
            f"| {run.wall / REQUESTS * 1000:.2f} ms "
            f"| {run.cpu:.3f} s | {run.cpu / base.cpu:.2f}x |"
        )


if __name__ == "__main__":
    main_bench()
