"""The decision ledger: an append-only, hash-chained record of decisions, sign-offs, releases.

Public Python API (stable: the CLI, the release steps and users' scripts rely on it)::

    from gates.ledger import RecordKind, open_ledger

    with open_ledger(config) as ledger:          # a GatesConfig, a path, a URL, or None
        record = ledger.append(RecordKind.SIGNOFF, {"item": "docs reviewed", "by": "ana"})
        ledger.records(RecordKind.DECISION, limit=5)   # newest 5, oldest first
        ledger.latest_decision(tree_id, "my-project")  # Decision | None, hashes filled in
        result = ledger.verify()                       # Verification(records, first_bad, problem)
        result.ok

- :func:`open_ledger` picks the store: PostgreSQL when ``GATES_LEDGER_URL`` is set (or a
  ``postgresql://`` URL is given); git (:mod:`gates.ledger.git`, the ref ``refs/gates/ledger``)
  when ``GATES_LEDGER_REMOTE`` names a remote to push to or ``[tool.gates] ledger = "git"``;
  else the SQLite file ``[tool.gates] ledger`` (default ``.gates/ledger.db``, relative to the
  project root). The schema is created or migrated forward on
  open. Every failure is a :class:`LedgerError` with a one-line message that never shows a password.
- :class:`Ledger` (the protocol both stores implement): ``append(kind, payload) -> Record``,
  ``records(kind=None, *, limit=None)``, ``latest_decision(tree, project=None)`` (that
  project's own; None: any), ``verify()``, ``close()``;
  stores are context managers. Appends are atomic and serialized across processes and machines.
- :class:`Record`: ``seq`` (from 1), ``kind``, ``created_at`` (ISO 8601 UTC), ``payload`` (JSON
  object), ``prev_hash`` and ``hash`` (sha256 over the canonical JSON of the record, see
  :mod:`gates.ledger.chain`). ``record.to_dict()`` is the export form.
- :func:`record_decision` appends a :class:`~gates.model.Decision` and returns it with its chain
  hashes; :func:`decision_of` reads one back from a record; :func:`export` writes JSON lines.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from gates.config import GatesConfig
from gates.errors import ConfigError, LedgerError
from gates.ledger.chain import canonical
from gates.ledger.interface import Ledger, Record, RecordKind, Verification
from gates.ledger.store import SCHEMA_VERSION, decision_of
from gates.ledger_setting import GIT_LEDGER, REMOTE_NAME
from gates.model import Decision, GateResult, JSONValue

URL_VARIABLE = "GATES_LEDGER_URL"
REMOTE_VARIABLE = "GATES_LEDGER_REMOTE"
DEFAULT_PATH = ".gates/ledger.db"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_ledger(
    location: GatesConfig | Path | str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Ledger:
    """Open (creating or migrating) the ledger.

    ``location``: a project's config (its ``ledger`` setting, relative to its root), a SQLite file
    path, a ``postgresql://`` URL, or None for ``.gates/ledger.db`` in the current folder.
    ``GATES_LEDGER_URL`` in ``environ`` (default ``os.environ``) overrides all of them; with a
    project's config, ``GATES_LEDGER_REMOTE`` picks the git ledger pushed to that remote.
    """
    env = os.environ if environ is None else environ
    url = env.get(URL_VARIABLE, "").strip()
    if url:
        if not url.startswith(_POSTGRES_SCHEMES):
            raise LedgerError(f"{URL_VARIABLE}: expected a postgresql:// URL")
        return _postgres(url)
    remote = env.get(REMOTE_VARIABLE, "").strip()
    if isinstance(location, GatesConfig) and (remote or location.ledger == GIT_LEDGER):
        return _git(location, remote)
    if isinstance(location, GatesConfig):
        if location.ledger.startswith(_POSTGRES_SCHEMES):
            raise LedgerError(
                f"{location.file.name}: tool.gates.ledger: put a database URL in"
                f" {URL_VARIABLE}, not in the file (it would hold the password)"
            )
        path = Path(location.ledger)
        return _sqlite(path if path.is_absolute() else location.root / path)
    if isinstance(location, str) and location.startswith(_POSTGRES_SCHEMES):
        return _postgres(location)
    return _sqlite(Path(location) if location is not None else Path(DEFAULT_PATH))


def _sqlite(path: Path) -> Ledger:
    from gates.ledger.sqlite import SqliteLedger

    return SqliteLedger(path)


def _git(config: GatesConfig, env_remote: str) -> Ledger:
    """The git store of the project's repository; a setting it cannot honour is a ConfigError."""
    from gates.ledger.git import GitLedger
    from gates.ledger.gitrepo import GitRepo

    where = f"{config.file.name}: tool.gates"
    key, remote = (REMOTE_VARIABLE, env_remote) if env_remote else (f"{where}.ledger", None)
    repo = GitRepo(config.root)
    if not repo.is_repository():
        raise ConfigError(
            f"{key}: the git ledger lives in the project's repository; {config.root} is not in one"
        )
    if not env_remote and config.ledger_remote is not None:
        key, remote = f"{where}.ledger_remote", config.ledger_remote
    if remote is not None and not (REMOTE_NAME.match(remote) and repo.has_remote(remote)):
        raise ConfigError(f"{key}: no git remote named {remote!r} in {config.root}")
    return GitLedger(repo, remote=remote)


def _postgres(url: str) -> Ledger:
    from gates.ledger.postgres import PostgresLedger

    return PostgresLedger(url)


def record_decision(ledger: Ledger, decision: Decision) -> Decision:
    """Append ``decision``; the same decision carrying its record's ``prev_hash`` and ``hash``."""
    payload = decision.to_dict()
    # The chain hashes belong to the record, not to what is hashed.
    del payload["prev_hash"], payload["hash"]
    record = ledger.append(RecordKind.DECISION, payload)
    return replace(decision, prev_hash=record.prev_hash, hash=record.hash)


def result_digest(data: Mapping[str, JSONValue]) -> str:
    """sha256 of a result's canonical JSON: what binds a results file to its ledger record.

    Taken over the JSON as written and as read back (not over a parsed GateResult), so parsing
    that normalises a value (an int target read as a float) cannot break the binding.
    """
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def record_result(
    ledger: Ledger,
    result: GateResult,
    *,
    workspace: str,
    inputs: Mapping[str, str] | None = None,
    outputs: str | None = None,
    reused_digest: str | None = None,
) -> Record:
    """Append the digest of a recorded result, so an edited results file is detected.

    ``workspace``: the id of the checkout whose results file this binds (see
    :meth:`Ledger.latest_result`). ``inputs``: what the result depends on (:mod:`gates.reuse`);
    ``outputs``: the digest of the files its run left. ``reused_digest``: the result was not
    produced now but stands again for the same inputs (``started_at`` says when its run was); this
    is the digest of its results file as read, which re-serialising the parsed result need not
    reproduce.
    """
    payload: dict[str, JSONValue] = {
        "gate": result.gate,
        "tree": result.tree,
        "status": result.status.value,
        "started_at": result.started_at,
        "digest": reused_digest or result_digest(result.to_dict()),
        "workspace": workspace,
    }
    if inputs is not None:
        payload["inputs"] = dict(inputs)
    if outputs is not None:
        payload["outputs"] = outputs
    if reused_digest is not None:
        payload["reused"] = True
    return ledger.append(RecordKind.RESULT, payload)


def export(ledger: Ledger, out: TextIO) -> int:
    """Write every record as one JSON line, oldest first; the number written."""
    count = 0
    for record in ledger.records():
        out.write(json.dumps(record.to_dict(), sort_keys=True) + "\n")
        count += 1
    return count


__all__ = [
    "DEFAULT_PATH",
    "REMOTE_VARIABLE",
    "SCHEMA_VERSION",
    "URL_VARIABLE",
    "Ledger",
    "LedgerError",
    "Record",
    "RecordKind",
    "Verification",
    "decision_of",
    "export",
    "open_ledger",
    "record_decision",
    "record_result",
    "result_digest",
]
