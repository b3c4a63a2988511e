"""JUnit reading of real pytest reports (with pytest-rerunfailures), and of hostile XML."""

from __future__ import annotations

import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gates import junit
from gates.errors import EvidenceError
from gates.junit import Outcome, Phase
from gates.junit_model import FAILING
from gates.junit_stream import parse_file
from tests.buckets_support import make_project, run_pytest

SUITE = {
    "tests/test_kinds.py": """
        import os
        from pathlib import Path

        import pytest

        def test_passes():
            assert 1

        def test_assertion():
            assert 1 + 1 == 3, "arithmetic is broken"

        class TestApi:
            def test_signature(self):
                def api(a):
                    return a
                api(1, 2)

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown boom")

        def test_call_and_teardown(broken_teardown):
            assert False

        @pytest.fixture
        def broken_setup():
            raise ValueError("setup boom")

        def test_setup_error(broken_setup):
            pass

        def test_skipped():
            pytest.skip("not here")

        @pytest.mark.xfail(reason="known bug")
        def test_xfailed():
            assert 0

        COUNTER = Path(__file__).with_name("attempts")

        @pytest.mark.flaky(reruns=2)
        def test_flaky():
            attempt = int(COUNTER.read_text()) if COUNTER.exists() else 0
            COUNTER.write_text(str(attempt + 1))
            assert attempt >= 1

        @pytest.mark.flaky(reruns=1)
        def test_always_fails():
            assert os.sep == "nope"
    """,
    "tests/test_collection.py": "import module_that_does_not_exist\n",
}


@pytest.fixture(scope="module")
def xunit1(tmp_path_factory: pytest.TempPathFactory) -> junit.JUnitReport:
    root = make_project(tmp_path_factory.mktemp("kinds"), SUITE)
    path = root / ".gates/evidence/junit.xml"
    run_pytest(root, path, bind=False)
    return junit.read([path], keep=EVERY_OUTCOME)


def by_key(report: junit.JUnitReport) -> dict[str, junit.TestCase]:
    return {case.key: case for case in report.cases}


EVERY_OUTCOME = {
    "tests/test_collection.py": (Outcome.ERROR, "ModuleNotFoundError"),
    "tests/test_kinds.py::test_passes": (Outcome.PASSED, None),
    "tests/test_kinds.py::test_assertion": (Outcome.FAILED, "AssertionError"),
    "tests/test_kinds.py::TestApi::test_signature": (Outcome.FAILED, "TypeError"),
    "tests/test_kinds.py::test_call_and_teardown": (Outcome.FAILED, "AssertionError"),
    "tests/test_kinds.py::test_call_and_teardown [teardown]": (Outcome.ERROR, "RuntimeError"),
    "tests/test_kinds.py::test_setup_error": (Outcome.ERROR, "ValueError"),
    "tests/test_kinds.py::test_skipped": (Outcome.SKIPPED, None),
    "tests/test_kinds.py::test_xfailed": (Outcome.XFAILED, None),
    "tests/test_kinds.py::test_flaky": (Outcome.PASSED, None),
    "tests/test_kinds.py::test_always_fails": (Outcome.FAILED, "AssertionError"),
}


def test_every_outcome_of_a_real_pytest_run(xunit1: junit.JUnitReport) -> None:
    cases = by_key(xunit1)
    outcomes = {key: (case.outcome, case.exception_type) for key, case in cases.items()}
    assert outcomes == EVERY_OUTCOME
    assert cases["tests/test_collection.py"].phase is Phase.COLLECT
    assert cases["tests/test_kinds.py::test_setup_error"].phase is Phase.SETUP


def test_reruns_collapse_and_the_last_attempt_decides(xunit1: junit.JUnitReport) -> None:
    cases = by_key(xunit1)
    flaky = cases["tests/test_kinds.py::test_flaky"]
    assert (flaky.flaky, flaky.attempts) == (True, 2)
    always = cases["tests/test_kinds.py::test_always_fails"]
    assert (always.flaky, always.attempts, always.outcome) == (False, 2, Outcome.FAILED)
    assert xunit1.totals == junit.Totals(
        passed=1, failed=4, errors=3, skipped=1, xfailed=1, xpassed=0, flaky=1
    )
    assert xunit1.totals.executed == 10
    assert xunit1.totals.pass_rate == pytest.approx(30.0)


def test_keeps_file_line_message_and_traceback(xunit1: junit.JUnitReport) -> None:
    case = by_key(xunit1)["tests/test_kinds.py::test_assertion"]
    source = Path(xunit1.files[0]).parents[2] / "tests/test_kinds.py"
    assert case.file == "tests/test_kinds.py"
    assert source.read_text().splitlines()[case.line - 1] == "def test_assertion():"
    assert case.message.startswith("AssertionError: arithmetic is broken")
    assert "assert (1 + 1) == 3" in case.traceback
    assert case.duration_s >= 0


def test_xunit2_has_no_file_but_node_ids_are_rebuilt(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"tests/test_two.py": SUITE["tests/test_kinds.py"]})
    path = root / "junit.xml"
    run_pytest(root, path, "tests/test_two.py::TestApi", family="xunit2", bind=False)
    (case,) = junit.read([path]).cases
    assert (case.nodeid, case.file, case.exception_type) == (
        "tests/test_two.py::TestApi::test_signature",
        None,
        "TypeError",
    )


SHARDED = {
    "tests/test_shard.py": """
        import os

        def test_depends_on_shard():
            assert os.environ["SHARD"] == "2"

        def test_stable():
            assert True
    """
}


def test_failing_in_one_shard_and_passing_in_another_is_flaky(tmp_path: Path) -> None:
    root = make_project(tmp_path, SHARDED)
    first, second = root / "shard-1/junit.xml", root / "shard-2/junit.xml"
    run_pytest(root, first, env={"SHARD": "1"}, bind=False)
    run_pytest(root, second, env={"SHARD": "2"}, bind=False)
    report = junit.read([first, second])
    case = by_key(report)["tests/test_shard.py::test_depends_on_shard"]
    assert (case.outcome, case.flaky, case.attempts) == (Outcome.PASSED, True, 2)
    assert case.exception_type == "AssertionError"  # the failed attempt is kept for the report
    assert report.totals == junit.Totals(passed=1, flaky=1)
    assert report.failures() == []


# Test methods inherited by several classes (cachetools' suite: a mixin in tests/__init__.py),
# a base class inherited within one module, and a test function imported by two modules: xunit1
# writes the *defining* file for each, so only the classname tells them apart.
INHERITED = {
    "tests/__init__.py": """
        import os
        from pathlib import Path

        import pytest

        class CacheMixin:
            size = 0

            def test_defaults(self):
                assert self.size >= 0

            @pytest.mark.flaky(reruns=1)
            def test_once_flaky(self):
                marker = Path(__file__).with_name(f"ran-{type(self).__name__}")
                first = not marker.exists()
                marker.touch()
                assert not (first and self.size == 2), "first attempt of the big cache"

            def test_fails_everywhere(self):
                assert self.size < 0
    """,
    "tests/helpers.py": """
        def test_shared():
            assert True
    """,
    "tests/test_lru.py": """
        import unittest

        from tests import CacheMixin
        from tests.helpers import test_shared

        class LRUCacheTest(unittest.TestCase, CacheMixin):
            size = 1

            def test_lru(self):
                assert True

        class TestBase:
            def test_base(self):
                assert True

        class TestOne(TestBase):
            pass

        class TestTwo(TestBase):
            pass
    """,
    "tests/test_ttl.py": """
        from tests import CacheMixin
        from tests.helpers import test_shared

        class TestTTLCache(CacheMixin):
            size = 2
    """,
}


INHERITED_OUTCOMES = {
    "tests/test_lru.py::test_shared": (Outcome.PASSED, False, 1),
    "tests/test_lru.py::LRUCacheTest::test_defaults": (Outcome.PASSED, False, 1),
    "tests/test_lru.py::LRUCacheTest::test_once_flaky": (Outcome.PASSED, False, 1),
    "tests/test_lru.py::LRUCacheTest::test_fails_everywhere": (Outcome.FAILED, False, 1),
    "tests/test_lru.py::LRUCacheTest::test_lru": (Outcome.PASSED, False, 1),
    "tests/test_lru.py::TestBase::test_base": (Outcome.PASSED, False, 1),
    "tests/test_lru.py::TestOne::test_base": (Outcome.PASSED, False, 1),
    "tests/test_lru.py::TestTwo::test_base": (Outcome.PASSED, False, 1),
    "tests/test_ttl.py::test_shared": (Outcome.PASSED, False, 1),
    "tests/test_ttl.py::TestTTLCache::test_defaults": (Outcome.PASSED, False, 1),
    "tests/test_ttl.py::TestTTLCache::test_once_flaky": (Outcome.PASSED, True, 2),
    "tests/test_ttl.py::TestTTLCache::test_fails_everywhere": (Outcome.FAILED, False, 1),
}


def test_inherited_tests_are_told_apart_and_only_reruns_collapse(tmp_path: Path) -> None:
    root = make_project(tmp_path, INHERITED)
    path = root / "junit.xml"
    run_pytest(root, path, "tests/test_lru.py", "tests/test_ttl.py", bind=False)
    report = junit.read([path], keep=INHERITED_OUTCOMES)
    cases = by_key(report)
    assert {key: (case.outcome, case.flaky, case.attempts) for key, case in cases.items()} == (
        INHERITED_OUTCOMES
    )
    assert report.totals == junit.Totals(passed=9, failed=2, flaky=1)
    # file and line still point at the code that ran: the mixin's method.
    inherited = cases["tests/test_ttl.py::TestTTLCache::test_defaults"]
    source = (root / "tests/__init__.py").read_text().splitlines()
    assert inherited.file == "tests/__init__.py"
    assert source[inherited.line - 1].strip() == "def test_defaults(self):"


def test_surefire_flaky_failure_elements(tmp_path: Path) -> None:
    path = tmp_path / "TEST-surefire.xml"
    path.write_text(
        '<testsuite name="com.example.ShopTest">'
        '<testcase classname="com.example.ShopTest" name="buys" time="0.2">'
        '<flakyFailure message="timeout" type="java.net.SocketTimeoutException"/></testcase>'
        '<testcase classname="com.example.ShopTest" name="sells" time="0.1">'
        '<rerunFailure message="x"/>'
        '<failure message="boom" type="java.lang.IllegalStateException"/>'
        "</testcase></testsuite>"
    )
    cases = by_key(junit.read([path]))
    assert cases["com.example.ShopTest::buys"].flaky
    sells = cases["com.example.ShopTest::sells"]
    assert (sells.outcome, sells.exception_type, sells.attempts) == (
        Outcome.FAILED,
        "java.lang.IllegalStateException",
        2,
    )


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<testsuite><testcase classname="a" name="b"><failure message="&lol9;"/></testcase></testsuite>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE testsuite [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<testsuite><testcase classname="a" name="b"><failure message="&secret;"/></testcase></testsuite>
"""


@pytest.mark.parametrize(
    ("content", "kind"),
    [(BILLION_LAUGHS, "EntitiesForbidden"), (EXTERNAL_ENTITY, "EntitiesForbidden")],
    ids=["billion-laughs", "external-entity"],
)
def test_hostile_xml_is_refused_before_expansion(tmp_path: Path, content: str, kind: str) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(content)
    tracemalloc.start()
    try:
        with pytest.raises(EvidenceError) as caught:
            junit.read([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(caught.value) == (
        f"{path}: refused unsafe XML ({kind}: entity declarations and external references are "
        "not allowed in test reports)"
    )
    assert "root:" not in str(caught.value)
    assert peak < 5_000_000  # nothing was expanded


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "empty file (the test run wrote no report)"),
        (
            '<testsuites><testsuite name="pytest"><testcase classname="a" name="b"',
            "not well-formed XML (truncated?): unclosed token: line 1, column 37",
        ),
        (
            '<testsuites><testsuite name="pytest" tests="0"></testsuite></testsuites>',
            "no test cases (the run collected nothing or was aborted)",
        ),
        ("<coverage><packages/></coverage>", "not JUnit XML (root element <coverage>)"),
    ],
    ids=["empty", "truncated", "zero-testcases", "not-junit"],
)
def test_unusable_files_are_evidence_errors(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(content)
    with pytest.raises(EvidenceError) as caught:
        junit.read([path])
    assert str(caught.value) == f"{path}: {problem}"


def test_truncated_real_report(tmp_path: Path, xunit1: junit.JUnitReport) -> None:
    data = Path(xunit1.files[0]).read_bytes()
    path = tmp_path / "junit.xml"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(EvidenceError) as caught:
        junit.read([path])
    assert str(caught.value).startswith(f"{path}: not well-formed XML (truncated?): ")


# Memory follows the failures, not the suite ------------------------------------------------

ELEMENTS = st.lists(
    st.tuples(
        st.integers(0, 2),  # file index step
        st.sampled_from(["t::a", "t::b", "t::c"]),
        st.sampled_from(list(Outcome)),
        st.booleans(),  # a teardown error / a rerun mark
    ),
    max_size=25,
)


@given(ELEMENTS)
@example([(0, "t::a", Outcome.PASSED, False), (1, "t::a", Outcome.FAILED, False)])  # shards
@example([(0, "t::a", Outcome.PASSED, False), (0, "t::a", Outcome.PASSED, False)])  # a rerun
@example(  # a CI rerun, then a failure
    [(0, "t::a", Outcome.PASSED, False)] * 2
    + [(1, "t::a", Outcome.SKIPPED, False), (1, "t::a", Outcome.ERROR, False)]
)
def test_tests_kept_whole_or_only_counted_merge_alike(elements: list[Any]) -> None:
    files: list[tuple[int, list[junit.TestCase]]] = []
    index = 0
    for number, (step, node, outcome, mark) in enumerate(elements):
        index += step
        if not files or files[-1][0] != index:
            files.append((index, []))
        teardown = mark and outcome is Outcome.ERROR
        rerun = mark and not teardown
        files[-1][1].append(
            junit.TestCase(
                node,
                outcome,
                message=f"attempt {number}",
                phase=Phase.TEARDOWN if teardown else Phase.CALL,
                attempts=2 if rerun else 1,
                flaky=rerun and outcome not in FAILING,
            )
        )
    every_key = {case.key for _, cases in files for case in cases}
    whole, whole_totals = junit.merge(files, keep=every_key)
    counted, counted_totals = junit.merge(files)
    assert counted_totals == whole_totals
    by_key = {case.key: case for case in whole}
    assert {case.key: case for case in counted} == {
        key: by_key[key] for key in {case.key for case in counted}
    }
    assert {case.key for case in counted} >= {
        case.key for case in whole if case.outcome in FAILING or case.flaky
    }


def test_passing_tests_are_counted_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    with path.open("w") as out:
        out.write('<testsuite name="pytest">')
        for n in range(50_000):
            out.write(f'<testcase classname="tests.test_m{n // 100}" name="test_{n}" time="0.1"/>')
        out.write('<testcase classname="tests.test_m" name="test_x"><failure message="x"/>')
        out.write("</testcase></testsuite>")
    tracemalloc.start()
    try:
        report = junit.read([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.totals == junit.Totals(passed=50_000, failed=1)
    assert [case.key for case in report.cases] == ["tests/test_m.py::test_x"]
    # Kept whole, 50,000 TestCases take ~25 MB; counted, a table of 2 ** 17 slots takes 2 MB.
    assert peak < 8_000_000


def test_counted_tests_are_still_told_apart_after_the_table_grows() -> None:
    def shard(index: int, failing: int) -> tuple[int, list[junit.TestCase]]:
        return index, [
            junit.TestCase(f"t.py::test_{n}", Outcome.FAILED if n == failing else Outcome.PASSED)
            for n in range(5_000)
        ]

    cases, totals = junit.merge([shard(0, -1), shard(1, 4_321)])
    assert [(case.key, case.flaky, case.attempts) for case in cases] == [
        ("t.py::test_4321", True, 2)
    ]
    assert totals == junit.Totals(passed=4_999, flaky=1)


RESULT_XML = {
    Outcome.PASSED: "",
    Outcome.FAILED: '<failure message="AssertionError: {n}"/>',
    Outcome.ERROR: '<error message="OSError: {n}"/>',
    Outcome.SKIPPED: '<skipped message="skip {n}"/>',
    Outcome.XFAILED: '<skipped type="pytest.xfail" message="xfail {n}"/>',
    Outcome.XPASSED: '<skipped message="[XPASS(strict)] passes unexpectedly {n}"/>',
}


@given(ELEMENTS)
@example([(0, "t::a", Outcome.FAILED, False), (0, "t::a", Outcome.PASSED, False)])  # a rerun
@example([(0, "t::a", Outcome.PASSED, False), (0, "t::a", Outcome.FAILED, False)])
@example([(0, "t::a", Outcome.FAILED, False), (1, "t::a", Outcome.PASSED, False)])  # shards
def test_passes_counted_while_reading_merge_as_when_read_whole(elements: list[Any]) -> None:
    """``read`` counts most passing tests as expat reports them, before the test cases read
    earlier in the same chunk are merged: the result must be the same as merging them all."""
    with tempfile.TemporaryDirectory() as folder:
        files: dict[int, list[str]] = {}
        index = 0
        for number, (step, node, outcome, mark) in enumerate(elements):
            index += step
            classname, name = node.split("::")
            result = RESULT_XML[outcome].format(n=number)
            if mark and outcome is Outcome.ERROR:
                result = f"<error message='failed on teardown with \"x {number}\"'/>"
            elif mark:
                result = f'<flakyFailure message="f {number}"/>{result}'
            files.setdefault(index, []).append(
                f'<testcase classname="{classname}" name="{name}">{result}</testcase>'
            )
        paths = []
        for index, cases in sorted(files.items()):
            paths.append(Path(folder) / f"junit-{index}.xml")
            paths[-1].write_text(f"<testsuite>{''.join(cases)}</testsuite>", encoding="utf-8")
        if not paths:
            return
        read = junit.read(paths)
        whole, totals = junit.merge(
            (index, list(parse_file(path, []))) for index, path in enumerate(paths)
        )
        assert (list(read.cases), read.totals) == (whole, totals)
        every_key = {case.key for case in whole}
        assert junit.read(paths, keep=every_key).totals == totals


def test_the_table_is_sized_from_the_density_of_test_cases(tmp_path: Path) -> None:
    """Not from the file's size: 28 MB of output around two tests must not reserve room for
    hundreds of thousands (a table of 2 ** 22 slots, 64 MB)."""
    few = tmp_path / "few.xml"
    output = "captured line\n" * 2_000_000
    few.write_text(
        f'<testsuite><testcase classname="t" name="a"><system-out>{output}</system-out>'
        '</testcase><testcase classname="t" name="b"/></testsuite>',
        encoding="utf-8",
    )
    many = tmp_path / "many.xml"
    many.write_text(
        "<testsuite>"
        + "".join(f'<testcase classname="t" name="test_{n}"/>' for n in range(300_000))
        + "</testsuite>",
        encoding="utf-8",
    )
    assert junit._expected_tests(few) < 512  # fits the smallest table (1,024 slots, 16 KB)
    assert 290_000 < junit._expected_tests(many) < 310_000
    assert junit._expected_tests(tmp_path / "missing.xml") == 0
    assert junit.read([few, many]).totals == junit.Totals(passed=300_002)
