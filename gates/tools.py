"""Running external tools: found next to this interpreter first, time-limited, output captured."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TextIO

from gates.errors import ToolError

OUTPUT_TAIL_LINES = 40
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit): ")


def last_exception_line(text: str) -> str | None:
    """The last ``SomeError: message`` line of ``text``, indented or not: the cause a build
    backend's traceback ends with (a missing readme, an unknown classifier), where ``build``
    and the installers then add only a generic "subprocess exited"."""
    lines = (line.strip() for line in reversed(text.splitlines()))
    return next((line for line in lines if _EXCEPTION_LINE.match(line)), None)


@dataclass(frozen=True)
class ToolRun:
    """A finished tool run."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float

    def tail(self, lines: int = OUTPUT_TAIL_LINES) -> str:
        """The last lines of combined output, for a result's details."""
        combined = (
            self.stdout + ("\n" if self.stdout and self.stderr else "") + self.stderr
        ).strip()
        return "\n".join(combined.splitlines()[-lines:])


def find(name: str) -> str:
    """Path of executable ``name``; this interpreter's own bin folder wins over PATH.

    A tool installed in the same venv as release-gates (a nox session, ``pip install
    release-gates[tools]``) is the one the project configured, whatever else is on PATH.
    """
    here = str(Path(sys.executable).parent)
    found = shutil.which(name, path=os.pathsep.join([here, os.environ.get("PATH", "")]))
    if found is None:
        raise ToolError(
            f"{name} not found: install it in this environment (pip install {name}) "
            f"or run the gate through nox"
        )
    return found


def run(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    stdin_text: str | None = None,
) -> ToolRun:
    """Run ``argv`` (``argv[0]`` is looked up with :func:`find` unless it is a path)."""
    program = argv[0] if os.sep in argv[0] else find(argv[0])
    command = (program, *argv[1:])
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout_s,
            env={**os.environ, **(env or {})},
            input=stdin_text,
            stdin=None if stdin_text is not None else subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ToolError(f"{argv[0]} timed out after {timeout_s:g}s in {cwd}") from None
    except OSError as exc:
        raise ToolError(f"{argv[0]} could not start: {exc.strerror or exc}") from None
    return ToolRun(
        argv=tuple(command),
        returncode=proc.returncode,
        stdout=proc.stdout,
        stderr=proc.stderr,
        duration_s=time.perf_counter() - started,
    )


def stream(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout_s: float,
    output: TextIO,
    env: Mapping[str, str],
) -> ToolRun:
    """Run ``argv`` copying its combined output to ``output`` as it comes (a test suite the user
    watches); the returned run keeps only the last lines, in ``stdout``.

    ``env`` is the whole environment, not merged with ``os.environ``, so callers can drop variables.
    """
    program = argv[0] if os.sep in argv[0] else find(argv[0])
    command = (program, *argv[1:])
    tail: deque[str] = deque(maxlen=OUTPUT_TAIL_LINES)
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise ToolError(f"{argv[0]} could not start: {exc.strerror or exc}") from None
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout_s, stop)
    timer.start()
    with proc:  # closes the pipe and reaps the process, also on KeyboardInterrupt
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                output.write(line)
                output.flush()
                tail.append(line)
            returncode = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
    if timed_out.is_set():
        raise ToolError(f"{argv[0]} timed out after {timeout_s:g}s in {cwd}")
    return ToolRun(
        argv=tuple(command),
        returncode=returncode,
        stdout="".join(tail),
        stderr="",
        duration_s=time.perf_counter() - started,
    )


@cache
def version(name: str, distribution: str | None = None) -> str:
    """Version of a tool: its installed distribution's metadata, else ``NAME --version``."""
    from importlib import metadata  # slow to import; only needed once a result is stamped

    try:
        return metadata.version(distribution or name)
    except metadata.PackageNotFoundError:
        pass
    try:
        proc = subprocess.run(
            [find(name), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (ToolError, OSError, subprocess.TimeoutExpired):
        return "unknown"
    words = proc.stdout.split()
    return next((w for w in words if w[:1].isdigit()), "unknown")
