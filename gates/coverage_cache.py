"""Per-file coverage analyses kept between runs: re-judging after a change re-parses only what
changed.

coverage.py's analysis of a file (parsing it for statements, exclusions and possible branches,
then taking away what ran) is nearly all of the coverage gate's time: 2,000 files take seconds.
Its outcome depends on nothing but what the key here hashes: the file's bytes and the name it was
measured under, what was measured in it (lines or arcs), the settings that change the analysis
(exclusions, partial branches), coverage.py's and Python's versions, and the project folder.

The cache sits in ``.gates/cache/``, which a checkout may bring along (a committed ``.gates``) and
anything can write. So it is never trusted: each entry is sealed with an HMAC whose key lives
outside the project, in the user's cache folder, and is made on first use; an entry that does not
verify, does not parse or does not fit the expected shape is a miss and the file is analysed
again. Code that can read that key file runs as the user already, and could as well forge the
coverage data the gate reads.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import coverage
from coverage.numbits import numbits_to_nums

from gates.workspace import write_text

SCHEMA = 1
"""Part of every key: a change to what is stored makes every old entry a miss."""
MAX_ENTRIES = 50_000
"""Entries kept, the most recently used first: 25 runs of a 2,000-file project."""
MAX_FILE_BYTES = 64 << 20
"""A cache file larger than this is not read (and the next write replaces it)."""
_SCHEMA_READ = 7
"""The version of coverage.py's data file schema :func:`measured_by_file` reads."""
KEY_FILE = "release-gates/coverage-cache.key"
"""Under ``$XDG_CACHE_HOME`` (default ``~/.cache``): the seal's key, outside any project."""


def seal_key() -> bytes | None:
    """The key entries are sealed with, made on first use; None (no caching) when it cannot be
    read or made, or is not what this module writes."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / KEY_FILE
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


def measured_by_file(data_file: Path) -> dict[str, list[int] | list[tuple[int, int]]] | None:
    """What was measured in each file of a coverage.py data file (sorted lines, or arcs), read in
    one query each instead of coverage.py's per-file calls (a fifth of a millisecond each: more
    than a cached run's whole work). None, and the caller asks coverage.py file by file, unless
    the file has the schema this reads (version 7, coverage.py 5.5 to at least 7.x)."""
    measured: dict[str, set[int] | set[tuple[int, int]]] = {}
    try:
        with contextlib.closing(
            sqlite3.connect(f"{data_file.resolve().as_uri()}?mode=ro", uri=True)
        ) as db:
            if db.execute("select version from coverage_schema").fetchall() != [(_SCHEMA_READ,)]:
                return None
            for path, fromno, tono in db.execute(
                "select path, fromno, tono from arc join file on file.id = arc.file_id"
            ):
                measured.setdefault(path, set()).add((fromno, tono))  # type: ignore[arg-type]
            for path, numbits in db.execute(
                "select path, numbits from line_bits join file on file.id = line_bits.file_id"
            ):
                measured.setdefault(path, set()).update(numbits_to_nums(numbits))  # type: ignore[arg-type]
    except (sqlite3.Error, ValueError, TypeError):
        return None
    return {path: sorted(items) for path, items in measured.items()}  # type: ignore[misc]


def file_key(cov: coverage.Coverage, filename: str, measured: Sequence[object]) -> str | None:
    """What decides coverage.py's analysis of ``filename`` (whose ``measured`` lines or arcs are
    sorted), hashed; None when its source cannot be read (coverage.py then says why, or leaves
    it out)."""
    try:
        source = Path(filename).read_bytes()
    except OSError:
        return None
    config = cov.config
    parts = {
        "schema": SCHEMA,
        "coverage": coverage.__version__,
        "python": sys.version,
        "folder": os.getcwd(),
        "file": filename,
        "source": hashlib.sha256(source).hexdigest(),
        "measured": list(measured),
        "branch": config.branch,
        "exclude": config.exclude_list,
        "partial": config.partial_list,
        "partial_always": config.partial_always_list,
        "precision": config.precision,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


@dataclass
class AnalysisCache:
    """The sealed entries of one ``.gates/cache`` file: key -> analysis as a JSON object."""

    path: Path
    seal: bytes
    entries: dict[str, dict[str, object]] = field(default_factory=dict)
    """As read: each ``{"value": ..., "mac": ...}``, checked only when used."""
    used: dict[str, dict[str, object]] = field(default_factory=dict)
    """Entries this run read or made, kept first when saving."""

    @classmethod
    def open(cls, path: Path) -> AnalysisCache | None:
        """The cache at ``path`` (empty when missing or unreadable); None when no seal key."""
        seal = seal_key()
        if seal is None:
            return None
        cache = cls(path, seal)
        # RecursionError: JSON nested deeper than Python parses.
        with contextlib.suppress(OSError, ValueError, RecursionError):
            if path.stat().st_size <= MAX_FILE_BYTES:
                data = json.loads(path.read_bytes())
                if isinstance(data, dict) and data.get("schema") == SCHEMA:
                    entries = data.get("entries")
                    if isinstance(entries, dict):
                        cache.entries = entries
        return cache

    def get(self, key: str) -> Mapping[str, object] | None:
        """The analysis stored under ``key`` if its seal verifies, else None."""
        value = self._verified(key, self.entries.get(key))
        if value is not None:
            self.used[key] = self.entries[key]
        return value

    def _verified(self, key: str, entry: object) -> dict[str, object] | None:
        if not isinstance(entry, dict):
            return None
        value, mac = entry.get("value"), entry.get("mac")
        if not isinstance(value, dict) or not isinstance(mac, str):
            return None
        return value if hmac.compare_digest(mac, self._mac(key, value)) else None

    def put(self, key: str, value: dict[str, object]) -> None:
        self.used[key] = {"value": value, "mac": self._mac(key, value)}

    def save(self) -> None:
        """Write this run's entries, then older ones that still verify, up to
        :data:`MAX_ENTRIES`; a cache that cannot be written only costs the next run its hits."""
        kept = dict(islice(self.used.items(), MAX_ENTRIES))
        for key, entry in self.entries.items():
            if len(kept) >= MAX_ENTRIES:
                break
            if key not in kept and self._verified(key, entry) is not None:
                kept[key] = entry
        with contextlib.suppress(OSError):
            write_text(self.path, json.dumps({"schema": SCHEMA, "entries": kept}))

    def _mac(self, key: str, value: Mapping[str, object]) -> str:
        message = key.encode() + b"\n" + json.dumps(value, sort_keys=True).encode()
        return hmac.new(self.seal, message, hashlib.sha256).hexdigest()
