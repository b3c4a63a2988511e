"""The evidence stamp: ``meta.json`` beside test evidence binds it to the tree it measured.

``gates tests`` writes it last (data without a stamp — a crashed or killed run — is never
judged), with the sha256 of every file the run left; the coverage and buckets gates read it
through :func:`bound_to`, under one rule: evidence from another tree, from a run that did not
finish, or that the run did not leave (a report copied in or rewritten since) is refused, and
evidence with no stamp is refused unless the project opted in to evidence from another producer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gates.errors import EvidenceError
from gates.model import JSONValue
from gates.workspace import write_json

META_FILE = "meta.json"
FINISHED = (0, 1)
"""pytest's exit codes for a run that ran what it collected: all passed, some tests failed.
Any other (interrupted, internal error ...) leaves a report of the tests before it stopped."""


@dataclass(frozen=True)
class Stamp:
    """Which tree a folder of evidence measured, and how the run that produced it ended."""

    tree: str
    pytest_exit_code: int | None
    started_at: str = ""
    duration_s: float = 0.0
    files: Mapping[str, str] | None = None
    """sha256 of each file the run left beside the stamp, by name; None in a stamp that does not
    list them (another producer's): then the folder is bound, not each file."""

    def write(self, folder: Path) -> Path:
        path = folder / META_FILE
        data: dict[str, JSONValue] = {
            "tree": self.tree,
            "pytest_exit_code": self.pytest_exit_code,
            "started_at": self.started_at,
            "duration_s": self.duration_s,
        }
        if self.files is not None:
            data["files"] = {name: digest for name, digest in self.files.items()}
        write_json(path, data)
        return path


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def read_stamp(folder: Path) -> Stamp | None:
    """The stamp of ``folder``; None when it has none; EvidenceError when it is malformed."""
    path = folder / META_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than Python parses
        raise EvidenceError(f"{path}: not valid JSON ({exc})") from None
    tree = data.get("tree") if isinstance(data, dict) else None
    if not isinstance(tree, str) or not tree:
        raise EvidenceError(f"{path}: no tree id (key 'tree')")
    code = data.get("pytest_exit_code")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
        raise EvidenceError(f"{path}: 'pytest_exit_code' is not an integer")
    files = data.get("files")
    if files is not None and not (
        isinstance(files, dict) and all(isinstance(v, str) for v in files.values())
    ):
        raise EvidenceError(f"{path}: 'files' is not an object of file names to sha256 digests")
    started = data.get("started_at")
    duration = data.get("duration_s")
    return Stamp(
        tree=tree,
        pytest_exit_code=code,
        started_at=started if isinstance(started, str) else "",
        duration_s=float(duration) if isinstance(duration, int | float) else 0.0,
        files=files,
    )


def bound_to(
    files: Sequence[Path], tree: str, *, what: str, unbound_ok: bool = False
) -> tuple[Path, ...]:
    """Check every folder of ``files`` is stamped with ``tree``; the files of unstamped folders.

    A folder stamped with another tree, or by a run that did not finish, is refused, and so is a
    file its stamp does not list with that content. A folder with no stamp is refused too, unless
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
        elif stamp.pytest_exit_code not in FINISHED:
            raise EvidenceError(
                f"{folder}: {what} from a pytest run that did not finish "
                f"(exit {stamp.pytest_exit_code})"
            )
        elif stamp.files is not None:
            for path in (path for path in files if path.parent == folder):
                if stamp.files.get(path.name) != file_digest(path):
                    raise EvidenceError(
                        f"{path}: not what the run stamped in {folder / META_FILE} (added or"
                        " changed after it): re-run 'gates tests'"
                    )
    return tuple(unbound)
