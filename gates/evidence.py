"""The evidence stamp: ``meta.json`` beside test evidence binds it to the tree it measured.

``gates tests`` writes it last (data without a stamp — a crashed or killed run — is never
judged); the tests, coverage and buckets gates read it through :func:`read_stamp` and
:func:`bound_to`, under one rule: evidence from another tree is refused, and evidence with no
stamp is refused unless the project opted in to evidence from another producer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gates.errors import EvidenceError
from gates.workspace import write_json

META_FILE = "meta.json"


@dataclass(frozen=True)
class Stamp:
    """Which tree a folder of evidence measured, and how the run that produced it ended."""

    tree: str
    pytest_exit_code: int | None
    started_at: str = ""
    duration_s: float = 0.0

    def write(self, folder: Path) -> Path:
        path = folder / META_FILE
        write_json(
            path,
            {
                "tree": self.tree,
                "pytest_exit_code": self.pytest_exit_code,
                "started_at": self.started_at,
                "duration_s": self.duration_s,
            },
        )
        return path


def read_stamp(folder: Path) -> Stamp | None:
    """The stamp of ``folder``; None when it has none; EvidenceError when it is malformed."""
    path = folder / META_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise EvidenceError(f"{path}: not valid JSON ({exc})") from None
    tree = data.get("tree") if isinstance(data, dict) else None
    if not isinstance(tree, str) or not tree:
        raise EvidenceError(f"{path}: no tree id (key 'tree')")
    code = data.get("pytest_exit_code")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
        raise EvidenceError(f"{path}: 'pytest_exit_code' is not an integer")
    started = data.get("started_at")
    duration = data.get("duration_s")
    return Stamp(
        tree=tree,
        pytest_exit_code=code,
        started_at=started if isinstance(started, str) else "",
        duration_s=float(duration) if isinstance(duration, int | float) else 0.0,
    )


def bound_to(
    files: Sequence[Path], tree: str, *, what: str, unbound_ok: bool = False
) -> tuple[Path, ...]:
    """Check every folder of ``files`` is stamped with ``tree``; the files of unstamped folders.

    A folder stamped with another tree is refused. A folder with no stamp is refused too, unless
    ``unbound_ok`` (the project's explicit opt-in): then its files are returned, to be reported.
    """
    unbound: list[Path] = []
    for folder in dict.fromkeys(path.parent for path in files):
        stamp = read_stamp(folder)
        if stamp is None:
            if not unbound_ok:
                raise EvidenceError(
                    f"{folder / META_FILE}: missing, so the {what} beside it cannot be tied to "
                    f"this tree (produce evidence with 'gates tests')"
                )
            unbound += [path for path in files if path.parent == folder]
        elif stamp.tree != tree:
            raise EvidenceError(
                f"{folder / META_FILE}: {what} from another tree ({stamp.tree[:12]}, current "
                f"tree is {tree[:12]}): re-run 'gates tests'"
            )
    return tuple(unbound)
