"""Text from the project made safe to print: each control character shown as its escape.

File names, test ids, config keys and tool messages come from the repository. A terminal, or the
CI log that replays one, obeys an escape sequence in them: erase the line above ("lint: FAIL"),
move the cursor, set the window title or the clipboard. Every line gates prints goes through
:func:`printable`, which shows such characters as escapes (``\\x1b``) — bidirectional
overrides too, which reorder what is shown — and leaves the rest, line breaks and tabs included.
"""

from __future__ import annotations

_KEPT = "\n\t"
_C0_C1 = (*range(0x20), 0x7F, *range(0x80, 0xA0))
_BIDI = (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_ESCAPES = {
    **{code: f"\\x{code:02x}" for code in _C0_C1 if chr(code) not in _KEPT},
    **{code: f"\\u{code:04x}" for code in _BIDI},
}


def printable(text: str) -> str:
    """``text`` with every control character but a line break or a tab as its escape."""
    return text.translate(_ESCAPES)
