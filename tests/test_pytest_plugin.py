"""The risky-test plugin inside real pytest runs (plain and under pytest-xdist)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.buckets_support import make_project, run_pytest

SUITE = {
    "tests/test_mixed.py": """
        import pytest

        def test_asserts():
            assert [1, 2] == [1, 2]

        def test_no_assertion():
            sorted([3, 1])

        @pytest.mark.parametrize("n", [1, 2])
        def test_param(n):
            assert n

        def test_fails():
            assert 1 == 2

        @pytest.mark.xfail(reason="known")
        def test_xfail():
            pass
    """,
    # unittest's assert methods never reach pytest's hook: the plugin counts their calls.
    # A doctest compares output; it has no assert statement and is not judged.
    "tests/helpers.py": '''
        def double(n):
            """
            >>> double(2)
            4
            """
            return 2 * n
    ''',
    "tests/test_unittest_style.py": """
        import unittest

        class TestOld(unittest.TestCase):
            def test_assert_method(self):
                self.assertEqual(sorted([2, 1]), [1, 2])

            def test_assert_raises(self):
                with self.assertRaises(ZeroDivisionError):
                    1 / 0

            def test_nothing_checked(self):
                sorted([2, 1])
    """,
}
PLUGIN = ("-p", "gates.pytest_plugin", "-o", "enable_assertion_pass_hook=true")
RISKY = [
    "tests/test_mixed.py::test_no_assertion",
    "tests/test_unittest_style.py::TestOld::test_nothing_checked",
]


def test_passing_tests_without_assertions_are_recorded(tmp_path: Path) -> None:
    root = make_project(tmp_path, SUITE)
    junit = root / ".gates/evidence/junit.xml"
    run_pytest(root, junit, *PLUGIN, "--doctest-modules", bind=False)
    record = json.loads((root / ".gates/evidence/risky.json").read_text())
    assert record == {"risky": RISKY, "checked": 9}
    assert 'name="helpers.double"' in junit.read_text()  # the doctest ran, unjudged


def test_evidence_folder_option(tmp_path: Path) -> None:
    root = make_project(tmp_path, SUITE)
    run_pytest(root, root / "out/junit.xml", *PLUGIN, "--gates-evidence=out", bind=False)
    assert json.loads((root / "out/risky.json").read_text())["risky"] == RISKY


def test_without_the_assertion_hook_nothing_is_recorded(tmp_path: Path) -> None:
    root = make_project(tmp_path, SUITE)
    run_pytest(root, root / ".gates/evidence/junit.xml", "-p", "gates.pytest_plugin", bind=False)
    assert not (root / ".gates/evidence/risky.json").exists()


def test_xdist_workers_each_write_their_record(tmp_path: Path) -> None:
    root = make_project(tmp_path, SUITE)
    run_pytest(
        root, root / ".gates/evidence/junit.xml", *PLUGIN, "-p", "xdist", "-n", "2", bind=False
    )
    records = sorted((root / ".gates/evidence").glob("risky*.json"))
    assert [p.name for p in records] == ["risky-gw0.json", "risky-gw1.json"]
    risky = [t for p in records for t in json.loads(p.read_text())["risky"]]
    assert sorted(risky) == RISKY


def test_a_bytecode_cache_without_the_hook_does_not_make_tests_risky(tmp_path: Path) -> None:
    # pytest caches rewritten test modules without noting whether the assertion-pass hook was
    # compiled in; the plugin keeps its own cache, so a plain run before does not blind it.
    root = make_project(tmp_path, SUITE)
    writes_bytecode = {"PYTHONDONTWRITEBYTECODE": ""}
    run_pytest(root, root / "plain.xml", env=writes_bytecode, bind=False)
    assert list((root / "tests/__pycache__").glob("test_mixed*pytest*.pyc"))
    run_pytest(root, root / ".gates/evidence/junit.xml", *PLUGIN, env=writes_bytecode, bind=False)
    record = json.loads((root / ".gates/evidence/risky.json").read_text())
    assert record["risky"] == RISKY
    assert list((root / ".gates/pycache").rglob("test_mixed*pytest*.pyc"))


REPR_WITH_SIDE_EFFECTS = {
    "tests/test_shown.py": """
        class Shown:
            count = 0

            def __repr__(self):
                Shown.count += 1
                return "Shown()"


        def test_passing_assertions_never_show_their_values():
            value = Shown()
            assert value is not None
            assert [value] == [value]
            assert Shown.count == 0


        def test_a_failing_assertion_still_explains_itself():
            assert [Shown()] == []
    """,
}


EXPLAINED = {
    # pytest asks this hook for the explanation of every comparison it explains: the file it
    # writes lists the comparisons explained.
    "conftest.py": """
        from pathlib import Path

        def pytest_assertrepr_compare(op, left, right):
            with Path("explained.txt").open("a") as out:
                out.write(f"{left!r} {op} {right!r}\\n")
            return [f"custom: {left!r} {op} {right!r}"]
    """,
    "tests/test_compare.py": """
        def test_equal():
            assert [1, 2] == [1, 2]
            assert "a" * 3 == "aaa"

        def test_unequal():
            assert [1, 2] == [2, 1]
    """,
}


def test_passing_assertions_are_counted_without_calling_repr(tmp_path: Path) -> None:
    """boltons' tests count the calls a repr makes: pytest's explanation of a passing assertion,
    built only for the hook, must not run project code."""
    root = make_project(tmp_path, REPR_WITH_SIDE_EFFECTS)
    junit = root / ".gates/evidence/junit.xml"
    run_pytest(root, junit, *PLUGIN, bind=False)
    report = junit.read_text()
    assert report.count("<failure") == 1
    assert "assert [Shown()] == []" in report
    record = json.loads((root / ".gates/evidence/risky.json").read_text())
    assert record == {"risky": [], "checked": 2}


def test_passing_assertions_are_counted_without_building_their_explanation(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path, EXPLAINED)
    junit = root / ".gates/evidence/junit.xml"
    run_pytest(root, junit, *PLUGIN, bind=False)
    record = json.loads((root / ".gates/evidence/risky.json").read_text())
    assert record == {"risky": [], "checked": 2}
    # Only the failing comparison was explained, and its message is pytest's as ever.
    assert (root / "explained.txt").read_text() == "[1, 2] == [2, 1]\n"
    assert "custom: [1, 2] == [2, 1]" in junit.read_text()


def test_another_plugins_assertion_pass_hook_still_gets_every_passing_assertion(
    tmp_path: Path,
) -> None:
    listener = """
        from pathlib import Path

        def pytest_assertion_pass(item, lineno, orig, expl):
            with Path("passed.txt").open("a") as out:
                out.write(f"{item.name}:{lineno}: {orig}\\n")
    """
    root = make_project(tmp_path, {**SUITE, "conftest.py": listener})
    run_pytest(root, root / ".gates/evidence/junit.xml", *PLUGIN, bind=False)
    assert json.loads((root / ".gates/evidence/risky.json").read_text())["risky"] == RISKY
    assert (root / "passed.txt").read_text().splitlines() == [
        "test_asserts:5: [1, 2] == [1, 2]",
        "test_param[1]:12: n",
        "test_param[2]:12: n",
    ]
