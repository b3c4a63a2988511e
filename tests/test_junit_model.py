"""The JUnit case model: exception types read from pytest's text, node ids from classname/name."""

from __future__ import annotations

import pytest

from gates.junit_model import Totals, exception_type, nodeid


def test_exception_type_from_pytest_text() -> None:
    assert exception_type("assert 1 == 2", "") == "AssertionError"
    assert exception_type('failed on setup with "OSError: x"', "") == "OSError"
    assert exception_type("x", "", declared="java.io.IOException") == "java.io.IOException"
    trace = "def f():\n>   g()\n\npkg/mod.py:3: in f\n    g()\nE   KeyError: 'k'\n\n"
    trace += "pkg/m.py:9: KeyError"
    assert exception_type("KeyError: 'k'", trace) == "KeyError"
    assert exception_type("boom", trace) == "KeyError"
    native = 'Traceback (most recent call last):\n  File "a.py", line 1\nhttpx.ConnectError: no'
    assert exception_type("", native) == "httpx.ConnectError"
    assert exception_type("no idea", "") is None


@pytest.mark.parametrize(
    ("classname", "name", "file", "expected"),
    [
        ("tests.test_a.TestX", "test_y", None, "tests/test_a.py::TestX::test_y"),
        ("tests.test_a.TestX", "test_y", "tests/test_a.py", "tests/test_a.py::TestX::test_y"),
        # inherited from a mixin in another file: the classname tells the module
        (
            "tests.test_ttl.TestTTL",
            "test_d",
            "tests/__init__.py",
            "tests/test_ttl.py::TestTTL::test_d",
        ),
        ("", "tests.test_broken", None, "tests/test_broken.py"),  # a collection error
        ("com.example.ShopTest", "buys", None, "com.example.ShopTest::buys"),
    ],
)
def test_node_ids_from_classname_name_and_file(
    classname: str, name: str, file: str | None, expected: str
) -> None:
    assert nodeid(classname, name, file) == expected


def test_totals_rates_count_flaky_and_xfailed_as_passing() -> None:
    totals = Totals(passed=6, failed=1, errors=1, skipped=2, xfailed=1, flaky=1)
    assert (totals.total, totals.executed, totals.failing) == (12, 10, 2)
    assert (totals.pass_rate, totals.skip_rate) == (80.0, pytest.approx(16.67, abs=0.01))
