"""The coverage gate's cache file in a project, and forgers of its entries (the unit tests of
``gates.coverage_cache`` and its fault matrix forge it the same way)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cache_file(root: Path) -> Path:
    return root / ".gates" / "cache" / "coverage.json"


def rewritten(root: Path, rewrite: Callable[[Any], object], seal: bytes | None) -> None:
    """Every cache entry's value replaced by ``rewrite(value)`` and sealed with ``seal`` (None:
    the old seal kept, which no longer verifies)."""
    path = cache_file(root)
    cache = json.loads(path.read_text())
    for key, entry in cache["entries"].items():
        entry["value"] = value = rewrite(entry["value"])
        if seal is not None:
            message = key.encode() + b"\n" + json.dumps(value, sort_keys=True).encode()
            entry["mac"] = hmac.new(seal, message, hashlib.sha256).hexdigest()
    path.write_text(json.dumps(cache))


def _fully_covered(value: Any) -> object:
    value["numbers"][4] = value["numbers"][7] = 0  # n_missing, n_missing_branches
    value["missing"], value["missing_text"] = [], ""
    return value


def forged(root: Path, seal: bytes | None) -> None:
    """Every cache entry rewritten to claim full coverage, sealed with ``seal`` (or the old seal
    kept)."""
    rewritten(root, _fully_covered, seal)
