"""Tests counted, not kept: node id -> (file index, outcome, earlier passes), in a compact table.

Merging JUnit files must know whether a test was seen before (a rerun within a file, a shard
across files), for every test of the run: two million, in a large suite. A dict of node ids would
cost ~450 bytes a test with its strings (910 MB for two million); this table costs 16 to 64.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Collection, Container
from itertools import compress

from gates.junit_model import Outcome

PLAIN_OUTCOMES = (Outcome.PASSED, Outcome.SKIPPED, Outcome.XFAILED, Outcome.XPASSED)
"""What a test counted here may look like: nothing that fails."""
_OUTCOME_CODE = {outcome: code for code, outcome in enumerate(PLAIN_OUTCOMES)}
MAX_FILES = 1 << 20
_MAX_PASSES = 0xFF

_MIN_SLOTS = 1 << 10
_MAX_PRESIZED_SLOTS = 1 << 22
"""Sized from a guess, the table starts at most this big (64 MB: two million tests fit without
growing); a file of long outputs and few tests cannot make it start bigger."""

TakePass = Callable[[str], bool]
"""Offered the node id of a passing test (no result, no rerun marks): True when it was counted."""


class PlainTests:
    """Node id -> (file index, outcome, earlier passes) of tests whose attempts all looked plain.

    An open-addressing table in one ``array('q')`` of slot pairs, at most half full. A slot holds
    the id's 64-bit hash, and in the packed value beside it a CRC-32 of the id: two ids are taken
    for one only when all 96 bits agree (about 1 in 10^16 for a suite of two million tests). Hash
    and value side by side: one memory access per probe. Probing makes no object: it runs once
    per test case.
    """

    def __init__(self, expected: int = 0) -> None:
        """``expected``: about how many tests will be recorded, so the table need not grow (each
        growth re-files every entry, a third of the cost of filing two million)."""
        slots = _MIN_SLOTS
        while slots < min(2 * expected, _MAX_PRESIZED_SLOTS):
            slots *= 2
        self._table = array("q", bytes(16 * slots))
        self._mask = 2 * slots - 2
        """Masks a hash to the even index of a slot's hash; its value is at the next index."""
        self._room = slots // 2
        """Entries that fit before the table grows."""
        self.passes = 0
        """Tests recorded through :meth:`taker`: all passed, on their first attempt."""

    def taker(
        self, index: int, kept: Container[tuple[str, bool]], keep: Collection[str]
    ) -> TakePass:
        """For file ``index``: record the passing test offered, unless it is in ``kept`` (kept whole
        already, as ``(node id, False)``), in ``keep``, or recorded before (a later attempt:
        then the caller merges it in full).
        """
        file = self._file
        value = index << 11  # outcome code 0: passed; no earlier pass

        def take(node: str) -> bool:
            if (keep and node in keep) or (kept and (node, False) in kept):
                return False
            if file(node, value, True) >= 0:
                return False
            self.passes += 1
            return True

        return take

    def visit(self, node: str, index: int, outcome: Outcome, record: bool) -> int:
        """The slot of an earlier attempt of this test, or -1 (and, with ``record``, this first
        attempt is recorded)."""
        # Only a plain attempt is recorded; any other is only looked up.
        value = index << 11 | _OUTCOME_CODE[outcome] << 8 if record else 0
        return self._file(node, value, record)

    def _file(self, node: str, value: int, record: bool) -> int:
        """The slot holding ``node``, or -1 (and, with ``record``, ``node`` is filed with
        ``value``, the packed value without its CRC)."""
        full = hash(node) or 1  # 0 marks an empty slot
        crc = zlib.crc32(node.encode("utf-8", "surrogatepass"))
        table, mask = self._table, self._mask
        slot = full & mask
        while found := table[slot]:
            if found == full and table[slot + 1] >> 31 == crc:
                return slot
            slot = (slot + 2) & mask
        if record:
            table[slot] = full
            table[slot + 1] = crc << 31 | value
            self._room -= 1
            if not self._room:
                self._grow()
        return -1

    def earlier(self, slot: int) -> tuple[int, Outcome, int]:
        """File index, outcome and earlier passes recorded at ``slot``."""
        value = self._table[slot + 1]
        return (value >> 11) & (MAX_FILES - 1), PLAIN_OUTCOMES[(value >> 8) & 7], value & 0xFF

    def replace(self, slot: int, index: int, outcome: Outcome, passes: int) -> None:
        """A later plain attempt of the test at ``slot``."""
        check = self._table[slot + 1] >> 31 << 31
        self._table[slot + 1] = (
            check | index << 11 | _OUTCOME_CODE[outcome] << 8 | min(passes, _MAX_PASSES)
        )

    def _grow(self) -> None:
        old = self._table
        slots = len(old)  # twice as many as before
        self._table = table = array("q", bytes(16 * slots))
        self._mask = mask = 2 * slots - 2
        self._room = slots // 4  # it was half full: now a quarter
        hashes = old[::2]
        for full, value in compress(zip(hashes, old[1::2], strict=True), hashes):
            slot = full & mask
            while table[slot]:  # ids are distinct: the first empty slot is its place
                slot = (slot + 2) & mask
            table[slot] = full
            table[slot + 1] = value
