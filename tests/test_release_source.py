"""Where the running release-gates came from (PEP 610), spelled for pip and for nox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates import __version__, release_source
from gates.release_source import Origin, ReleaseGatesSource

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("record", "origin", "url"),
    [
        (
            {"url": "file:///w/release_gates-0.1.0-py3-none-any.whl", "archive_info": {}},
            Origin.ARCHIVE,
            "file:///w/release_gates-0.1.0-py3-none-any.whl",
        ),
        (
            {"url": "file:///src/rg", "dir_info": {"editable": True}},
            Origin.FOLDER,
            "file:///src/rg",
        ),
        (
            {"url": "https://g.example/rg", "vcs_info": {"vcs": "git", "commit_id": "abc1"}},
            Origin.VCS,
            "git+https://g.example/rg@abc1",
        ),
    ],
)
def test_direct_url_records(record: dict[str, object], origin: Origin, url: str) -> None:
    found = release_source._from_direct_url(json.dumps(record))
    assert found == ReleaseGatesSource(origin, url)
    assert found.requirement() == f"release-gates[tools,smoke] @ {url}"
    assert found.script_dependency() == f"release-gates @ {url}"


@pytest.mark.parametrize("text", ["not json", "[]", '{"url": 3}', '{"url": "file:///x"}'])
def test_a_record_it_cannot_spell_again_is_none(text: str) -> None:
    assert release_source._from_direct_url(text) is None


def test_from_an_index_is_this_version() -> None:
    index = release_source.FROM_AN_INDEX
    assert index.requirement() == f"release-gates[tools,smoke]=={__version__}"
    assert index.script_dependency() == f"release-gates>={__version__}"
    assert index.describe() == f"release-gates {__version__} from a package index"


def test_this_editable_checkout_is_a_local_folder() -> None:
    found = release_source.installed()
    assert found == ReleaseGatesSource(Origin.FOLDER, REPO.as_uri())


def test_a_checkout_on_sys_path_that_is_not_the_installed_one_is_that_folder(
    tmp_path: Path,
) -> None:
    other = tmp_path / "checkout" / "gates"
    other.mkdir(parents=True)
    found = release_source.installed(package_dir=other)
    assert found == ReleaseGatesSource(Origin.FOLDER, other.parent.as_uri())
