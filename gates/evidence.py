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
SHARD_FILE = "shard.json"
"""What gates.shard writes beside the evidence of one shard: ``{"shard": K, "of": N}``."""
NARROWED_FILE = "narrowed.json"
"""What gates.pytest_plugin writes beside the evidence of a run narrowed from outside the tree:
``{"narrowed": "-k from outside the tree (gates tests -- ARGS)"}``."""
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
    shard: tuple[int, int] | None = None
    """(K, N) when the run was shard K of N (``-p gates.shard --shard=K/N``); None: the suite."""
    narrowed: str | None = None
    """What narrowed the run from outside the tree (``-k`` …, :func:`read_narrowed`): its
    evidence judges a part of the suite, or judges it otherwise, so it is no evidence."""

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
        if self.shard is not None:
            data["shard"] = list(self.shard)
        if self.narrowed is not None:
            data["narrowed"] = self.narrowed
        write_json(path, data)
        return path


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _json_object(path: Path, problem: str) -> dict[str, object] | None:
    """The JSON object in ``path``; None when there is no such file; ``problem`` when it holds
    another JSON value."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than Python parses
        raise EvidenceError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise EvidenceError(f"{path}: {problem}")
    return data


def _text(data: dict[str, object], key: str, path: Path, problem: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise EvidenceError(f"{path}: {problem}")
    return value


def read_stamp(folder: Path) -> Stamp | None:
    """The stamp of ``folder``; None when it has none; EvidenceError when it is malformed."""
    path = folder / META_FILE
    no_tree = "no tree id (key 'tree')"
    data = _json_object(path, no_tree)
    if data is None:
        return None
    tree = _text(data, "tree", path, no_tree)
    code = data.get("pytest_exit_code")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
        raise EvidenceError(f"{path}: 'pytest_exit_code' is not an integer")
    files = data.get("files")
    if files is not None and not (
        isinstance(files, dict) and all(isinstance(v, str) for v in files.values())
    ):
        raise EvidenceError(f"{path}: 'files' is not an object of file names to sha256 digests")
    shard = _shard(data.get("shard"), path, "'shard' is not [K, N] with 1 <= K <= N")
    narrowed = data.get("narrowed")
    if narrowed is not None and not isinstance(narrowed, str):
        raise EvidenceError(f"{path}: 'narrowed' is not a string")
    started = data.get("started_at")
    duration = data.get("duration_s")
    return Stamp(
        tree=tree,
        pytest_exit_code=code,
        started_at=started if isinstance(started, str) else "",
        duration_s=float(duration) if isinstance(duration, int | float) else 0.0,
        files=files,
        shard=shard,
        narrowed=narrowed,
    )


def _shard(value: object, path: Path, problem: str) -> tuple[int, int] | None:
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 2):
        raise EvidenceError(f"{path}: {problem}")
    index, total = value
    if not all(type(n) is int for n in value) or not 1 <= index <= total:
        raise EvidenceError(f"{path}: {problem}")
    return index, total


def read_shard(folder: Path) -> tuple[int, int] | None:
    """The shard gates.shard recorded in ``folder`` (None: the run was not a shard)."""
    path = folder / SHARD_FILE
    problem = 'expected {"shard": K, "of": N} with 1 <= K <= N'
    data = _json_object(path, problem)
    if data is None:
        return None
    return _shard([data.get("shard"), data.get("of")], path, problem)


def read_narrowed(folder: Path) -> str | None:
    """What narrowed the run whose evidence is in ``folder`` (None: nothing did)."""
    path = folder / NARROWED_FILE
    problem = 'expected {"narrowed": "..."}'
    data = _json_object(path, problem)
    return None if data is None else _text(data, "narrowed", path, problem)


def bound_to(
    files: Sequence[Path], tree: str, *, what: str, unbound_ok: bool = False
) -> tuple[Path, ...]:
    """Check every folder of ``files`` is stamped with ``tree``; the files of unstamped folders.

    A folder stamped with another tree, or by a run that did not finish, is refused, and so is a
    file its stamp does not list with that content. A folder with no stamp is refused too, unless
    ``unbound_ok`` (the project's explicit opt-in): then its files are returned, to be reported.
    """
    unbound: list[Path] = []
    shards: dict[Path, tuple[int, int] | None] = {}
    for folder in dict.fromkeys(path.parent for path in files):
        stamp = read_stamp(folder)
        shards[folder] = stamp.shard if stamp is not None else None
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
        elif stamp.narrowed is not None:
            raise EvidenceError(
                f"{folder}: {what} from a run narrowed by {stamp.narrowed}: it judges part of "
                "the suite, not this tree (re-run 'gates tests' without it)"
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
    _whole_suite(shards, what)
    return tuple(unbound)


def _whole_suite(shards: Mapping[Path, tuple[int, int] | None], what: str) -> None:
    """Refuse shards that do not add up to the suite: a shard whose job failed before uploading
    its evidence would leave its tests unjudged. Folders from a whole run (or another producer),
    or every shard K of some N, cover it; shards of several Python versions add up."""
    if not shards or None in shards.values():
        return
    seen: dict[int, set[int]] = {}
    for index, total in (shard for shard in shards.values() if shard is not None):
        seen.setdefault(total, set()).add(index)
    if any(len(indexes) == total for total, indexes in seen.items()):
        return
    total, indexes = max(seen.items(), key=lambda item: len(item[1]) / item[0])
    folder = next(f for f, shard in shards.items() if shard is not None and shard[1] == total)
    found = ", ".join(str(index) for index in sorted(indexes))
    missing = ", ".join(str(k) for k in range(1, total + 1) if k not in indexes)
    raise EvidenceError(
        f"{folder}: {what} of shard {found} of {total} alone: shard {missing} is missing, so part"
        " of the suite is not judged (did its job fail before uploading its evidence?)"
    )
