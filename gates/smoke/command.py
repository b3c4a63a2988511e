"""Command steps: run a command (e.g. ``alembic check``) and expect its exit code and output."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping

from gates.smoke.plan import CommandStep
from gates.smoke.templating import render


async def run(step: CommandStep, values: Mapping[str, str]) -> tuple[str, int | None, str, float]:
    """(command line, exit code or None when it could not run/finish, output, ms).

    The command runs in its own process group so that a timeout or an interrupt of the smoke run
    stops it and everything it started.
    """
    argv = [render(part, values) for part in step.argv]
    line = " ".join(argv)
    clock = time.perf_counter()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        return line, None, f"could not start: {exc.strerror or exc}", 0.0
    try:
        async with asyncio.timeout(step.timeout_s):
            output, _ = await proc.communicate()
    except TimeoutError:
        _kill(proc)
        await proc.wait()
        ms = (time.perf_counter() - clock) * 1000
        return line, None, f"timed out after {step.timeout_s:g}s", ms
    except asyncio.CancelledError:
        _kill(proc)
        await asyncio.shield(proc.wait())
        raise
    ms = (time.perf_counter() - clock) * 1000
    return line, proc.returncode, output.decode("utf-8", errors="replace"), ms


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
