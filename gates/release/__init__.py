"""The release steps: ``prepare`` (bump the version, date the changelog) and ``publish``.

- :mod:`gates.release.prepare`: the version bump and the dated changelog section.
- :mod:`gates.release.index`: the upload repository (what its index has, the twine upload).
- :mod:`gates.release.publish`: the plan (every refusal happens before anything is sent), the
  steps, and their ledger records.
- :mod:`gates.release.tags`: the ``v<version>`` tag, locally and on the remote.
- :mod:`gates.release.errors`: ``ReleaseError`` (exit 2) and ``ReleaseRefused`` (exit 1).

The submodules are imported by name (``from gates.release import publish``): this package
re-exports nothing, so a module is never shadowed by the function it is named after.
"""
