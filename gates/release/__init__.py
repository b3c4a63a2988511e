"""The release steps: ``prepare`` (bump the version, date the changelog) and ``publish``.

- :mod:`gates.release.prepare`: the version bump and the dated changelog section.
- :mod:`gates.release.index`: the upload repository (what its index has, the twine upload).
- :mod:`gates.release.publish`: the plan (every refusal happens before anything is sent), the
  steps, and their ledger records.
- :mod:`gates.release.tags`: the ``v<version>`` tag, locally and on the remote.
"""

from __future__ import annotations

from gates.release.errors import ReleaseError, ReleaseRefused
from gates.release.index import Redactor, index_url
from gates.release.prepare import Prepared, describe, prepare
from gates.release.publish import Published, Step, StepKind, StepState, publish
from gates.release.tags import tag_name

__all__ = [
    "Prepared",
    "Published",
    "Redactor",
    "ReleaseError",
    "ReleaseRefused",
    "Step",
    "StepKind",
    "StepState",
    "describe",
    "index_url",
    "prepare",
    "publish",
    "tag_name",
]
