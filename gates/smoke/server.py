"""``--start "CMD"``: a local target started for the run and stopped after it, whatever happens."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
from collections.abc import Iterator

from gates.errors import GatesError, TargetDownError
from gates.redact import Redactor

START_TIMEOUT_S = 30.0
"""How long a started server has to open its port when the plan has no ``wait_for``."""
STOP_TIMEOUT_S = 10.0


@contextlib.contextmanager
def started(command: str | None, redactor: Redactor) -> Iterator[None]:
    """Run ``command`` in its own session (a Ctrl-C meant for the smoke run must not kill the
    target before the cleanups have run); stop it with SIGTERM, then SIGKILL."""
    if command is None:
        yield
        return
    if not command.strip():
        raise GatesError("--start: expected a command, got a blank")
    try:
        argv = shlex.split(command)
        proc = subprocess.Popen(  # the user's own command, by design
            argv, stdin=subprocess.DEVNULL, start_new_session=True
        )
    except (ValueError, OSError) as exc:
        raise TargetDownError(
            redactor.text(f"--start {command!r} could not start: {exc}")
        ) from None
    try:
        yield
    except TargetDownError as exc:
        if proc.poll() is not None:
            raise TargetDownError(
                f"{exc} (--start command exited with {proc.returncode})"
            ) from None
        raise
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
