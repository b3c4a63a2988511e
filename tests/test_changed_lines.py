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
            "@@ -10,0 +11,3 @@",
            "@@ -20,2 +23,0 @@",  # a pure deletion adds nothing
            "diff --git a/gone.py b/gone.py",
            "--- a/gone.py",
            "+++ /dev/null",
            "@@ -1,4 +0,0 @@",
            "diff --git a/new file.py b/new file.py",
            "--- /dev/null",
            '+++ "b/new file.py"',
            "@@ -0,0 +1,2 @@",
        ]
    )
    assert parse_diff(diff) == {
        "pkg/a.py": frozenset({3, 11, 12, 13}),
        "new file.py": frozenset({1, 2}),
    }
