"""Where this release-gates came from, so a generated noxfile installs the very same one.

pip and uv record a distribution installed from anything but an index in its ``direct_url.json``
(PEP 610): a wheel or sdist file or URL (``archive_info``), a local folder (``dir_info``, editable
or not) or a VCS checkout (``vcs_info``). No file means an index; no distribution at all means
this code runs from a checkout on ``sys.path``, which is a local folder too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from pathlib import Path

from gates import __version__

DISTRIBUTION = "release-gates"
PACKAGE_DIR = Path(__file__).resolve().parent
"""The running ``gates`` package."""
EXTRAS = "[tools,smoke]"
"""What gate sessions install with it: the tools the gates run and the smoke gate's clients."""


class Origin(StrEnum):
    INDEX = "a package index"
    ARCHIVE = "a wheel or sdist"
    FOLDER = "a local folder"
    VCS = "a VCS checkout"


@dataclass(frozen=True)
class ReleaseGatesSource:
    """One way to install release-gates, spelled for pip and for nox's script block."""

    origin: Origin
    url: str | None
    """The direct reference (``file:///...``, ``git+https://...@<commit>``); None for an index."""
    version: str = __version__

    def requirement(self, extras: str = EXTRAS) -> str:
        """PEP 508: ``release-gates[tools] @ URL``, or this very version from an index."""
        if self.url is None:
            return f"{DISTRIBUTION}{extras}=={self.version}"
        return f"{DISTRIBUTION}{extras} @ {self.url}"

    def script_dependency(self) -> str:
        """For the noxfile's script block: what nox's own process imports ``gates.chain`` from.
        A version from an index is a floor (upgrading it upgrades the chain)."""
        if self.url is None:
            return f"{DISTRIBUTION}>={self.version}"
        return self.requirement(extras="")

    def describe(self) -> str:
        return f"release-gates {self.version} from {self.origin}" + (
            f" ({self.url})" if self.url else ""
        )


FROM_AN_INDEX = ReleaseGatesSource(Origin.INDEX, None)
"""This very version, from an index (what a published release-gates is installed from)."""


def _from_direct_url(text: str) -> ReleaseGatesSource | None:
    """PEP 610's record; None when it is not one this code can spell again."""
    try:
        record = json.loads(text)
    except ValueError:
        return None
    url = record.get("url") if isinstance(record, dict) else None
    if not isinstance(url, str):
        return None
    vcs = record.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
        commit = vcs.get("commit_id")
        return ReleaseGatesSource(
            Origin.VCS, f"{vcs['vcs']}+{url}" + (f"@{commit}" if commit else "")
        )
    if "archive_info" in record:
        return ReleaseGatesSource(Origin.ARCHIVE, url)
    if "dir_info" in record:
        return ReleaseGatesSource(Origin.FOLDER, url)
    return None


def installed(package_dir: Path = PACKAGE_DIR) -> ReleaseGatesSource:
    """Where the running release-gates came from (``package_dir``: its ``gates`` folder)."""
    try:
        distribution = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        distribution = None
    if distribution is not None and _runs_from(distribution, package_dir):
        direct_url = distribution.read_text("direct_url.json")
        found = _from_direct_url(direct_url) if direct_url else None
        return found or FROM_AN_INDEX
    checkout = package_dir.parent
    return ReleaseGatesSource(Origin.FOLDER, checkout.as_uri())


def _runs_from(distribution: metadata.Distribution, package_dir: Path) -> bool:
    """The installed distribution is the code running here (not a checkout earlier on sys.path)."""
    files = distribution.files or []
    for file in files:
        if str(file) == f"{package_dir.name}/__init__.py":
            return Path(str(distribution.locate_file(file))).resolve().parent == package_dir
    # An editable install ships no package files: its direct_url.json names the folder.
    direct_url = distribution.read_text("direct_url.json")
    found = _from_direct_url(direct_url) if direct_url else None
    return found is not None and found.url == package_dir.parent.as_uri()
