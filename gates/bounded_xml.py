"""A byte filter in front of expat: no token longer than a cap reaches the parser.

Why it exists: expat 2.5 (what CPython 3.11 bundles) re-scans an unfinished token from its start
on every ``Parse`` call. One 200 MB attribute fed in 64 KiB chunks was scanned some 3,000 times
(16 MB: 13 s, 32 MB: 28 s, 200 MB: over 15 minutes) and held whole in memory, then copied into a
Python string. Character data and CDATA are reported as they arrive, so they pass unchanged; every
other token (tags with their attribute values, comments, processing instructions, the DOCTYPE) is
held here until it is complete and handed to expat whole.
Attribute values, comments and instructions are cut at ``CAP_BYTES`` on the way; a tag or DOCTYPE
still longer than ``MAX_TOKEN_BYTES`` after that is refused.

Most of a file is short tags and text: ``bytes.find`` proves a stretch of them harmless and it goes
through as it is; the token-by-token path below only runs where that proof stops (at most a few
tokens per chunk).

The input must be UTF-8 or another encoding where ``<``, ``>``, quotes and ``&`` are single ASCII
bytes; a UTF-16 file (a BOM or NUL bytes at the start) is refused. Bytes dropped by a cut are not
seen by expat, so its line numbers after a cut count kept lines only; ``line`` here counts the
file's own lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CAP_BYTES = 64 * 1024
"""Longest attribute value, comment or processing instruction kept."""
MAX_TOKEN_BYTES = 16 * CAP_BYTES
"""Longest tag (after its values were cut) or DOCTYPE: genuine JUnit has nothing near it."""
_MAX_REFERENCE = 40
"""Longer than any reference let through (``&`` + a name of 32 + ``;``): general entities are
refused anyway, and ``&#x10FFFF;`` is 10 bytes."""

_STRIDE = CAP_BYTES // 2
_REFERENCE = rb"(?:#[0-9]{1,8}|#x[0-9A-Fa-f]{1,8}|[A-Za-z_:][\w.:-]{0,31});"
_BAD_REFERENCE = re.compile(rb"&(?!%s)" % _REFERENCE)
"""An ``&`` that starts no short reference (found at ``bytes.find`` speed: it starts literally)."""
_TAG_STOP = re.compile(rb"[\"'>]")
_DOCTYPE_STOP = re.compile(rb"[\"'\[\]>]")


class MarkupError(ValueError):
    """The input cannot be passed on within the bounds; the message is one line."""


@dataclass
class Cuts:
    """What the filter cut: how many values, and the file line of the first."""

    count: int = 0
    first_line: int = 0


class _Kind:
    """What the filter is in (plain ints: compared several times per chunk)."""

    TEXT = 0
    TAG = 1
    VALUE = 2
    COMMENT = 3
    INSTRUCTION = 4
    CDATA = 5
    DOCTYPE = 6


_ENDS = {_Kind.COMMENT: b"-->", _Kind.INSTRUCTION: b"?>", _Kind.CDATA: b"]]>"}


class BoundedFeed:
    """Feed it the file's bytes in chunks; it returns what expat may be given."""

    def __init__(self) -> None:
        self.cuts = Cuts()
        self.line = 1
        """The line of the file where the unprocessed input starts."""
        self._kind = _Kind.TEXT
        self._carry = b""
        """Input that needs what comes next to be understood (a ``<`` at a chunk's end)."""
        self._held = bytearray()
        """The token being read, as it will be passed on."""
        self._quote = b""
        self._part = 0
        """Bytes of the current value / comment / instruction seen (kept or not)."""
        self._depth = 0
        """``[`` opened and not closed in the DOCTYPE (its internal subset)."""
        self._first = True

    def feed(self, chunk: bytes, *, final: bool = False) -> bytes:
        data = self._carry + chunk if self._carry else chunk
        self._carry = b""
        if self._first and data:
            if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
                raise MarkupError("UTF-16 or UTF-32 encoded: JUnit XML is read as UTF-8")
            self._first = False
        out: list[bytes] = []
        pos = 0
        end = len(data)
        while pos < end:
            if self._kind == _Kind.TEXT:
                pos = self._text(data, pos, out, final)
                if pos < 0:
                    break
            elif self._kind in (_Kind.TAG, _Kind.VALUE):
                pos = self._tag(data, pos, out)
            elif self._kind == _Kind.DOCTYPE:
                pos = self._doctype(data, pos, out)
            else:
                pos = self._until_end(data, pos, out, final)
                if pos < 0:
                    break
        if final:
            # An unfinished token: expat sees it as it was and says what is wrong.
            out.append(bytes(self._held))
            out.append(self._carry)
            self._held.clear()
            self._carry = b""
        return b"".join(out)

    # Text ------------------------------------------------------------------------------------

    def _text(self, data: bytes, pos: int, out: list[bytes], final: bool) -> int:
        fast = self._fast_end(data, pos)
        if fast > pos:
            out.append(data[pos:fast])
            self.line += data.count(b"\n", pos, fast)
            pos = fast
        if data[pos] != ord("<"):  # a long run of text, or text up to the chunk's end
            lt = data.find(b"<", pos)
            stop = len(data) if lt < 0 else lt
            bad = _BAD_REFERENCE.search(data, pos, stop)
            if bad is not None:
                if len(data) - bad.start() >= _MAX_REFERENCE or final:
                    line = self.line + data.count(b"\n", pos, bad.start())
                    raise MarkupError(f"line {line}: '&' that starts no character reference")
                stop = bad.start()  # the chunk may end inside a reference: read on
                self._carry = data[stop:]
            out.append(data[pos:stop])
            self.line += data.count(b"\n", pos, stop)
            return -1 if self._carry else stop
        rest = len(data) - pos
        # One token read here, in full, from the '<' where the fast path stopped.
        head = data[pos : pos + 9]
        if not final and rest < 9 and (b"<!--".startswith(head) or b"<![CDATA[".startswith(head)):
            self._carry = data[pos:]
            return -1
        if head.startswith(b"<!--"):
            self._open(_Kind.COMMENT, b"<!--")
        elif head.startswith(b"<![CDATA["):
            out.append(b"<![CDATA[")
            self._kind = _Kind.CDATA
        elif head.startswith(b"<!"):
            self._open(_Kind.DOCTYPE, b"<!")
        elif head.startswith(b"<?"):
            self._open(_Kind.INSTRUCTION, b"<?")
        else:
            self._open(_Kind.TAG, b"<")
        return pos + (9 if self._kind == _Kind.CDATA else len(self._held))

    @staticmethod
    def _fast_end(data: bytes, pos: int) -> int:
        """How far from ``pos`` (in text, between tokens) the bytes may go to expat as they are.

        Up to a comment, instruction, CDATA or DOCTYPE (``<!``, ``<?``: they may hold ``<``), every
        ``<`` opens a tag, and no tag, value or reference holds a ``<``: when no two ``<`` are
        ``CAP_BYTES`` apart, nothing there is longer, so nothing needs cutting and expat re-scans
        at most that much per chunk. Checked with ``bytes.find`` on windows of half the cap; what
        follows the last ``<`` before a longer stretch is left to the token-by-token path.
        """
        end = len(data)
        for special in (data.find(b"<!", pos), data.find(b"<?", pos)):
            if 0 <= special < end:
                end = special
        last = data.rfind(b"<", pos, end)
        if last <= pos:
            return pos
        for start in range(pos, last, _STRIDE):
            if start + _STRIDE < last and data.find(b"<", start, start + _STRIDE) < 0:
                return max(pos, data.rfind(b"<", pos, start))
        return last

    def _open(self, kind: int, opening: bytes) -> None:
        self._kind = kind
        self._held[:] = opening
        self._part = self._depth = 0

    # Tags ------------------------------------------------------------------------------------

    def _tag(self, data: bytes, pos: int, out: list[bytes]) -> int:
        if self._kind == _Kind.VALUE:
            close = data.find(self._quote, pos)
            stop = len(data) if close < 0 else close
            self._keep(data, pos, stop)
            if close < 0:
                return stop
            self._held += self._quote
            self._kind = _Kind.TAG
            return close + 1
        found = _TAG_STOP.search(data, pos)
        stop = len(data) if found is None else found.start()
        self._held += data[pos:stop]
        self.line += data.count(b"\n", pos, stop)
        if len(self._held) > MAX_TOKEN_BYTES:
            raise MarkupError(f"line {self.line}: a tag longer than {MAX_TOKEN_BYTES} bytes")
        if found is None:
            return stop
        mark = data[stop : stop + 1]
        self._held += mark
        if mark == b">":
            out.append(bytes(self._held))
            self._held.clear()
            self._kind = _Kind.TEXT
        else:
            self._kind, self._quote, self._part = _Kind.VALUE, mark, 0
        return stop + 1

    def _keep(self, data: bytes, start: int, stop: int) -> None:
        """Hold ``data[start:stop]`` of the current value, up to the cap."""
        self.line += data.count(b"\n", start, stop)
        room = CAP_BYTES - self._part
        self._part += stop - start
        if room < 0:
            return  # already cut
        if stop - start <= room:
            self._held += data[start:stop]
            return
        held = self._held
        held += data[start : start + room]
        if data[start + room] & 0xC0 == 0x80:
            # The kept part ends inside a UTF-8 character (10xxxxxx bytes continue one): drop it.
            lead = len(held) - 1
            while held[lead] & 0xC0 == 0x80:
                lead -= 1
            del held[lead:]
        amp = held.rfind(b"&", len(held) - _MAX_REFERENCE)
        if amp >= 0 and held.find(b";", amp) < 0:
            del held[amp:]  # nor a reference
        if self.cuts.count == 0:
            self.cuts.first_line = self.line
        self.cuts.count += 1

    # Comments, instructions, CDATA, DOCTYPE --------------------------------------------------

    def _until_end(self, data: bytes, pos: int, out: list[bytes], final: bool) -> int:
        end_mark = _ENDS[self._kind]
        close = data.find(end_mark, pos)
        if close < 0:
            # The last bytes may begin the end mark: keep them for the next chunk.
            stop = len(data) if final else max(pos, len(data) - len(end_mark) + 1)
            self._pass(data, pos, stop, out)
            if stop < len(data):
                self._carry = data[stop:]
            return -1
        self._pass(data, pos, close, out)
        if self._kind == _Kind.CDATA:
            out.append(end_mark)
        else:
            if self._part > CAP_BYTES and self._kind == _Kind.COMMENT:
                while self._held.endswith(b"-"):
                    del self._held[-1]  # a cut before "-->" must not make "--->"
            out.append(bytes(self._held) + end_mark)
            self._held.clear()
        self._kind = _Kind.TEXT
        return close + len(end_mark)

    def _pass(self, data: bytes, start: int, stop: int, out: list[bytes]) -> None:
        if self._kind == _Kind.CDATA:  # expat reports CDATA as it arrives
            out.append(data[start:stop])
            self.line += data.count(b"\n", start, stop)
        else:
            self._keep(data, start, stop)

    def _doctype(self, data: bytes, pos: int, out: list[bytes]) -> int:
        """Passed on whole (defusedxml judges the declarations in it), within the bound."""
        if self._quote:
            close = data.find(self._quote, pos)
            stop = len(data) if close < 0 else close + 1
            if close >= 0:
                self._quote = b""
        else:
            found = _DOCTYPE_STOP.search(data, pos)
            stop = len(data) if found is None else found.end()
            mark = data[stop - 1 : stop] if found else b""
            if mark in (b'"', b"'"):
                self._quote = mark
            elif mark == b"[":
                self._depth += 1
            elif mark == b"]":
                self._depth -= 1
        self._held += data[pos:stop]
        self.line += data.count(b"\n", pos, stop)
        if len(self._held) > MAX_TOKEN_BYTES:
            raise MarkupError(f"line {self.line}: a DOCTYPE longer than {MAX_TOKEN_BYTES} bytes")
        if data[stop - 1 : stop] == b">" and not self._quote and self._depth <= 0:
            out.append(bytes(self._held))
            self._held.clear()
            self._kind = _Kind.TEXT
        return stop
