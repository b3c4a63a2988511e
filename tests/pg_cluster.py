"""A throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks (initdb + pg_ctl)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_bindir() -> Path | None:
    """Where initdb and pg_ctl are (Debian keeps them out of PATH), or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def cluster(bindir: Path, *, durable: bool = True) -> Iterator[str]:
    """Start a cluster (as the ``postgres`` user when running as root: initdb refuses root).

    ``durable=False`` skips fsync: for tests of behaviour, never for benchmarks of throughput.
    """
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    base = Path(tempfile.mkdtemp(prefix="gates-pg-"))
    data = base / "data"
    if as_user:
        shutil.chown(base, user="postgres", group="postgres")

    def run(*argv: str) -> None:
        subprocess.run([*as_user, *argv], check=True, capture_output=True, text=True, cwd=base)

    port = _free_port()
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "gates", "--auth=trust", "-E", "UTF8")
        sync = "on" if durable else "off"
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync={sync}"
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        )
        try:
            yield f"postgresql://gates@127.0.0.1:{port}/postgres"
        finally:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)
