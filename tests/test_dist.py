"""Reading built distributions: hash, size, version and top-level modules from their metadata."""

from __future__ import annotations

import hashlib
import tarfile
import zipfile
from pathlib import Path

from gates import dist


def test_read_dist_reads_metadata_and_reports_archives_without_it(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo.py", "X = 1\n")
        archive.writestr("tool/__init__.py", "")
        archive.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nVersion: 1.0\n")
    bare = tmp_path / "bare-1.0-py3-none-any.whl"
    with zipfile.ZipFile(bare, "w") as archive:
        archive.writestr("bare.py", "")
    sdist = tmp_path / "demo-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        archive.add(wheel, arcname="demo-1.0/README")
    broken = tmp_path / "broken-1.0.tar.gz"
    broken.write_bytes(b"not an archive")

    found = dist.read_dist(wheel)
    assert (found.kind, found.version, found.modules, found.problem) == (
        "wheel",
        "1.0",
        ("demo", "tool"),
        None,
    )
    assert found.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert dist.read_dist(bare).problem == "no .dist-info/METADATA in the wheel"
    assert dist.read_dist(sdist).problem == "no PKG-INFO at the top of the sdist"
    assert (dist.read_dist(broken).problem or "").startswith("unreadable archive: ")


def test_a_wheel_names_its_project_and_what_it_requires(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    metadata = (
        "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
        "Requires-Dist: rich>=13\nRequires-Dist: httpx; extra == 'smoke'\n"
    )
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", metadata)
    found = dist.read_dist(wheel)
    assert (found.project, found.requires) == ("demo", ("rich>=13", "httpx; extra == 'smoke'"))
    bare = tmp_path / "bare-1.0-py3-none-any.whl"
    with zipfile.ZipFile(bare, "w") as archive:
        archive.writestr("bare.py", "")
    assert (dist.read_dist(bare).project, dist.read_dist(bare).requires) == (None, ())
