"""``ledger`` and ``ledger_remote`` of ``[tool.gates]``: the store's setting, and remote names."""

from __future__ import annotations

import pytest

from gates.ledger_setting import REMOTE_NAME


@pytest.mark.parametrize("name", ["origin", "upstream", "team/ledger", "my-remote.v2", "r_1"])
def test_a_remote_name_is_accepted(name: str) -> None:
    assert REMOTE_NAME.match(name)


@pytest.mark.parametrize(
    "name",
    ["", "-x", "--upload-pack=touch x", "../out", "a..b", "with space", "https://h/r.git", "ñ"],
)
def test_what_is_no_remote_name_is_refused(name: str) -> None:
    assert not REMOTE_NAME.match(name)
