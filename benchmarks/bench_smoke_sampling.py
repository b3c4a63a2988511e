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
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_smoke import free_port, timed  # noqa: E402

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
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        env = {**os.environ, "SERVICE_DB": str(folder / "bench.db")}
        server = subprocess.Popen(
            [sys.executable, "-m", "examples.service", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(url + "/health")
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            root = project(folder)
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
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
            for run in cases.values():
                run()  # warm-up: server connections, imports, file caches
            for _ in range(ROUNDS):
                for name, run in cases.items():
                    times[name].append(timed(run))
        finally:
            server.terminate()
            server.wait()

    wall = {name: statistics.median(w for w, _ in values) for name, values in times.items()}
    best = {name: min(w for w, _ in values) for name, values in times.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in times.items()}
    base = next(iter(wall))
    print(f"### {REQUESTS} sequential GET samples of one step ({ROUNDS} rounds)\n")
    print(
        "| run | wall, median | ratio | wall, best | ratio | per request, median "
        "| client CPU, median | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in wall:
        print(
            f"| {name} | {wall[name]:.3f} s | {wall[name] / wall[base]:.2f}x "
            f"| {best[name]:.3f} s | {best[name] / best[base]:.2f}x "
            f"| {wall[name] / REQUESTS * 1000:.2f} ms "
            f"| {cpu[name]:.3f} s | {cpu[name] / cpu[base]:.2f}x |"
        )


if __name__ == "__main__":
    main_bench()
