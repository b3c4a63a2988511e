"""Changed lines since the merge base: the diff parser (the gate's use is in test_coverage_gate)."""

from __future__ import annotations

from gates.changed_lines import parse_diff


def test_parse_diff_reads_added_and_changed_lines_of_the_new_version() -> None:
    diff = "\n".join(
        [
            "diff --git a/pkg/a.py b/pkg/a.py",
            "--- a/pkg/a.py",
            "+++ b/pkg/a.py",
            "@@ -3 +3 @@ def f():",
            "-    return 1",
            "+    return 2",
            "@@ -10,0 +11,3 @@",
            "+",
            "+def g():",
            "+    pass",
            "@@ -20,2 +23,0 @@",  # a pure deletion adds nothing
            "-x = 1",
            "-y = 2",
            "\\ No newline at end of file",
            "diff --git a/gone.py b/gone.py",
            "--- a/gone.py",
            "+++ /dev/null",
            "@@ -1,2 +0,0 @@",
            "-a = 1",
            "-b = 2",
            "diff --git a/new file.py b/new file.py",
            "--- /dev/null",
            '+++ "b/new file.py"',
            "@@ -0,0 +1,2 @@",
            "+a = 1",
            "+b = 2",
        ]
    )
    assert parse_diff(diff) == {
        "pkg/a.py": frozenset({3, 11, 12, 13}),
        "new file.py": frozenset({1, 2}),
    }


def test_an_added_line_that_reads_like_a_header_is_a_line_of_its_hunk() -> None:
    diff = "\n".join(
        [
            "diff --git a/pkg/a.py b/pkg/a.py",
            "--- a/pkg/a.py",
            "+++ b/pkg/a.py",
            "@@ -0,0 +1 @@",
            "+++ 0",  # the added line `++ 0`
            "@@ -1,0 +2,2 @@",
            "+--- a/x",
            "+@@ -1 +1,99 @@",
            "@@ -9,0 +11 @@",
            "+untested()",
        ]
    )
    assert parse_diff(diff) == {"pkg/a.py": frozenset({1, 2, 3, 11})}
