from __future__ import annotations

import pytest

from gates.printable import printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2K", "\\x1b[2K"),
        ("a\rb", "a\\x0db"),
        ("\x1b]52;c;cGF5bG9hZA==\x07", "\\x1b]52;c;cGF5bG9hZA==\\x07"),
        ("\x9b31m", "\\x9b31m"),  # the one-byte CSI of C1
        ("x\x7f", "x\\x7f"),
        ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
    ],
)
def test_control_characters_are_shown_as_their_escapes(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_line_breaks_tabs_and_other_text_are_kept() -> None:
    text = "lint: FAIL — 2 new findings\n\tpkg/ünïcode.py:1: `os` imported but unused ✓"
    assert printable(text) == text
