"""The table of counted tests: what a taker records, what it leaves to the full merge."""

from __future__ import annotations

from gates.junit_model import Outcome
from gates.junit_table import PlainTests


def test_a_taker_counts_first_passes_and_leaves_every_other_test() -> None:
    plain = PlainTests()
    take = plain.taker(3, kept={("t.py::kept", False): None}, keep={"t.py::asked"})
    assert take("t.py::a")
    assert not take("t.py::a")  # a second attempt: merged in full
    assert not take("t.py::kept")  # kept whole already
    assert not take("t.py::asked")  # asked for whole
    assert plain.passes == 1
    slot = plain.visit("t.py::a", 4, Outcome.FAILED, record=False)
    assert plain.earlier(slot) == (3, Outcome.PASSED, 0)
    assert plain.visit("t.py::kept", 4, Outcome.FAILED, record=False) == -1


def test_entries_survive_growth_whichever_way_they_were_recorded() -> None:
    plain = PlainTests()
    take = plain.taker(1, kept={}, keep=())
    for n in range(3_000):  # a 1,024-slot table grows three times
        if n % 3:
            assert take(f"t.py::test_{n}")
        else:
            assert plain.visit(f"t.py::test_{n}", 2, Outcome.SKIPPED, record=True) == -1
    assert plain.passes == 2_000
    for n in range(3_000):
        slot = plain.visit(f"t.py::test_{n}", 5, Outcome.PASSED, record=True)
        expected = (2, Outcome.SKIPPED, 0) if n % 3 == 0 else (1, Outcome.PASSED, 0)
        assert plain.earlier(slot) == expected
    assert not take("t.py::test_7")
    assert take("t.py::test_3000")


def test_sized_for_the_tests_expected_it_does_not_grow() -> None:
    plain = PlainTests(expected=5_000)
    table = plain._table
    take = plain.taker(0, kept={}, keep=())
    for n in range(5_000):
        take(f"t.py::test_{n}")
    assert plain._table is table
    assert len(PlainTests(expected=10**9)._table) == 2 * (1 << 22)  # capped: 64 MB
