"""Why a release step stops: the environment (exit 2) or the gating itself (exit 1)."""

from __future__ import annotations

from gates.errors import Exit, GatesError


class ReleaseError(GatesError):
    """The release cannot go on for a reason of usage or environment (exit 2)."""


class ReleaseRefused(GatesError):
    """The gating does not allow this release: no GO for this tree, files differ (exit 1)."""

    exit_code = Exit.FAIL
