"""Built distributions as the package gate and the release read them: hash, size, metadata.

Reads a wheel's ``.dist-info/METADATA`` or an sdist's ``PKG-INFO`` without installing or
unpacking anything to disk.
"""

from __future__ import annotations

import email.parser
import hashlib
import tarfile
import zipfile
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from gates.index_rules import upload_problems

WHEEL = "wheel"
SDIST = "sdist"


@dataclass(frozen=True)
class DistFile:
    """One built file and what its metadata says."""

    name: str
    kind: str
    """``wheel`` or ``sdist``."""
    sha256: str
    size: int
    version: str | None
    """``Version:`` from the file's own metadata; None when it could not be read."""
    problem: str | None = None
    """Why the metadata could not be read."""
    modules: tuple[str, ...] = ()
    """Top-level importable names (wheels only)."""
    upload_problems: tuple[str, ...] = ()
    """Why a package index would refuse the file's metadata (:mod:`gates.index_rules`)."""
    project: str | None = None
    """``Name:`` from the file's own metadata."""
    requires: tuple[str, ...] = ()
    """``Requires-Dist:`` lines: what installing the file brings along."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _metadata(path: Path) -> tuple[Message | None, tuple[str, ...], str | None]:
    """(metadata, top-level modules, problem) from a wheel's METADATA or an sdist's PKG-INFO."""
    try:
        if path.name.endswith(".whl"):
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                member = next(
                    (n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")),
                    None,
                )
                if member is None:
                    return None, (), "no .dist-info/METADATA in the wheel"
                raw = archive.read(member)
                modules = _top_level_modules(names)
        else:
            with tarfile.open(path) as archive:
                info = next(
                    (m for m in archive if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")),
                    None,
                )
                handle = archive.extractfile(info) if info is not None else None
                if handle is None:
                    return None, (), "no PKG-INFO at the top of the sdist"
                raw, modules = handle.read(), ()
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        return None, (), f"unreadable archive: {exc}"
    headers = email.parser.BytesHeaderParser().parsebytes(raw)
    return headers, modules, None if headers.get("Version") else "no Version field"


def _top_level_modules(names: list[str]) -> tuple[str, ...]:
    found = set()
    for name in names:
        top, _, rest = name.partition("/")
        if top.endswith((".dist-info", ".data")):
            continue
        if rest and name.endswith(".py"):
            found.add(top)
        elif not rest and top.endswith(".py"):
            found.add(top.removesuffix(".py"))
    return tuple(sorted(found))


def read_dist(path: Path) -> DistFile:
    """A built file: its hash, size, and what its own metadata says."""
    metadata, modules, problem = _metadata(path)
    version = metadata.get("Version") if metadata is not None else None
    return DistFile(
        name=path.name,
        kind=WHEEL if path.name.endswith(".whl") else SDIST,
        sha256=sha256(path),
        size=path.stat().st_size,
        version=str(version) if version else None,
        problem=problem,
        modules=modules,
        upload_problems=upload_problems(metadata) if metadata is not None else (),
        project=str(metadata["Name"]) if metadata is not None and metadata["Name"] else None,
        requires=tuple(map(str, metadata.get_all("Requires-Dist", []))) if metadata else (),
    )
