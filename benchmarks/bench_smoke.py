"""Smoke gate overhead: 500 GET checks at concurrency 20 against a local example service.

`gates smoke` (a plan of 500 `parallel = true` GET steps, `concurrency = 20`) against the baseline,
a bare `httpx.AsyncClient` gather of the same 500 requests behind a semaphore of 20. Both run
in-process (no interpreter start-up; `gates smoke` as the whole command through `gates.cli.main`)
and as a fresh process (start-up and imports too). Target: ≤ 1.25x wall time.
Client CPU time is shown too: on a busy machine it is the steadier measure of the overhead.
Run from the repository root: `python benchmarks/bench_smoke.py` (or `nox -s bench`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gates.cli import main  # noqa: E402

CHECKS = 500
CONCURRENCY = 20
ROUNDS = 7

BARE = """
import asyncio, sys, httpx

async def bare(url: str, checks: int, concurrency: int) -> None:
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:
        async def one() -> None:
            async with limit:
                response = await client.get(url + "/health")
                assert response.status_code == 200 and response.json()["status"] == "ok"
        await asyncio.gather(*(one() for _ in range(checks)))

if __name__ == "__main__":
    asyncio.run(bare(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def plan_text(checks: int, concurrency: int) -> str:
    step = (
        '[[steps]]\nname = "health {n}"\nmethod = "GET"\npath = "/health"\nparallel = true\n'
        'expect = {{ status = 200, json = [{{ path = "status", equals = "ok" }}] }}\n'
    )
    return f"concurrency = {concurrency}\n\n" + "\n".join(step.format(n=n) for n in range(checks))


def project(folder: Path) -> Path:
    root = folder / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0.1.0"\n')
    (root / ".gitignore").write_text(".gates/\n")
    (root / "smoke.toml").write_text(plan_text(CHECKS, CONCURRENCY))
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the server is not a child here)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """(wall, client CPU) seconds."""
    clock, cpu = time.perf_counter(), _cpu()
    run()
    return time.perf_counter() - clock, _cpu() - cpu


@contextlib.contextmanager
def example_service(folder: Path) -> Iterator[str]:
    """The example service on a free 127.0.0.1 port, its database in ``folder``: its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
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
        yield url
    finally:
        server.terminate()
        server.wait()


@dataclass(frozen=True)
class Figures:
    """One case over the rounds: median and best wall time, median client CPU (seconds)."""

    wall: float
    best: float
    cpu: float


def interleaved(cases: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, Figures]:
    """Every case once to warm up (server connections, imports, file caches), then ``rounds``
    rounds of every case in turn, so that a slow spell of the machine hits all alike."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for run in cases.values():
        run()
    for _ in range(rounds):
        for name, run in cases.items():
            times[name].append(timed(run))
    return {
        name: Figures(
            wall=statistics.median(w for w, _ in values),
            best=min(w for w, _ in values),
            cpu=statistics.median(c for _, c in values),
        )
        for name, values in times.items()
    }


def main_bench() -> None:
    with tempfile.TemporaryDirectory() as scratch, example_service(Path(scratch)) as url:
        folder = Path(scratch)
        root = project(folder)
        bare_script = folder / "bare.py"
        bare_script.write_text(BARE)
        namespace: dict[str, object] = {}
        exec(compile(BARE, "bare", "exec"), namespace)
        bare = namespace["bare"]
        assert callable(bare)
        smoke_args = ["smoke", str(root / "smoke.toml"), "--base-url", url, "--root", str(root)]

        def gates_in_process() -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(smoke_args) == 0

        cases: dict[str, Callable[[], object]] = {
            "bare httpx gather, in-process (baseline)": lambda: asyncio.run(
                bare(url, CHECKS, CONCURRENCY)
            ),
            "`gates smoke`, in-process": gates_in_process,
            "bare httpx gather, fresh `python` (baseline)": lambda: subprocess.run(
                [sys.executable, str(bare_script), url, str(CHECKS), str(CONCURRENCY)],
                check=True,
            ),
            "`gates smoke` command, fresh `python -m gates`": lambda: subprocess.run(
                [sys.executable, "-m", "gates", *smoke_args],
                check=True,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
            ),
        }
        figures = interleaved(cases, ROUNDS)

    names = list(figures)
    print(f"### {CHECKS} GET checks at concurrency {CONCURRENCY} ({ROUNDS} rounds)\n")
    print("| run | wall, median | ratio | wall, best | ratio | client CPU, median | ratio |")
    print("|---|---|---|---|---|---|---|")
    for index, name in enumerate(names):
        run, base = figures[name], figures[names[index - index % 2]]
        print(
            f"| {name} | {run.wall:.3f} s | {run.wall / base.wall:.2f}x "
            f"| {run.best:.3f} s | {run.best / base.best:.2f}x "
            f"| {run.cpu:.3f} s | {run.cpu / base.cpu:.2f}x |"
        )


if __name__ == "__main__":
    main_bench()
