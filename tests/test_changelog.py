"""Changelog sections (Markdown Keep a Changelog, reStructuredText titles): finding the one for a
version, releasing Unreleased."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates import changelog

TEXT = """\
# Changelog

## [Unreleased]

### Added
- Something new.

## [0.1.0] - 2026-01-01
- First.

[Unreleased]: https://example.com/demo/compare/v0.1.0...HEAD
[0.1.0]: https://example.com/demo/releases/tag/v0.1.0
"""


def test_section_for_prefers_the_version_then_unreleased() -> None:
    assert changelog.sections(TEXT) == ("Unreleased", "0.1.0")
    assert changelog.section_for(TEXT, "0.1.0") == "0.1.0"
    assert changelog.section_for(TEXT, "0.1") == "0.1.0"  # PEP 440 equal
    assert changelog.section_for(TEXT, "0.2.0") == "Unreleased"
    assert changelog.section_for("## [0.1.0]\n### Unreleased\n", "0.2.0") is None


def test_release_dates_the_section_adds_a_fresh_unreleased_and_updates_links() -> None:
    released = changelog.release(TEXT, "0.2.0", dt.date(2026, 11, 23))

    assert released == TEXT.replace(
        "## [Unreleased]\n", "## [Unreleased]\n\n## [0.2.0] - 2026-11-23\n"
    ).replace(
        "[Unreleased]: https://example.com/demo/compare/v0.1.0...HEAD\n",
        "[Unreleased]: https://example.com/demo/compare/v0.2.0...HEAD\n"
        "[0.2.0]: https://example.com/demo/compare/v0.1.0...v0.2.0\n",
    )
    assert changelog.section_for(released, "0.2.0") == "0.2.0"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (TEXT.replace("## [0.1.0]", "## [0.2.0]"), "already has a section for 0.2.0"),
        ("# Changelog\n\n## [0.1.0]\n- x\n", "no '## [Unreleased]' section to release"),
        (
            "## [Unreleased]\n\n## [0.1.0]\n- x\n",
            "the Unreleased section is empty: nothing to release",
        ),
    ],
)
def test_release_refuses(text: str, problem: str) -> None:
    with pytest.raises(ValueError) as refused:
        changelog.release(text, "0.2.0", dt.date(2026, 11, 23))
    assert problem in str(refused.value)


# reStructuredText: chosen by the file's suffix -------------------------------------------------

PALLETS = """\
Version 3.1.0
-------------

Unreleased

-   Something upcoming.


Version 3.0.2
-------------

Released 2024-10-18

-   Fix compatibility. :issue:`472`
"""

PYTEST = """\
=========
Changelog
=========

.. towncrier release notes start

pytest 8.3.4 (2024-12-01)
=========================

Bug fixes
---------

- :issue:`12592`: Fixed a crash.
"""

SPHINX = """\
Release 8.2.0 (in development)
==============================

Release 8.1.0 (released Oct 10, 2024)
=====================================
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PALLETS, ("3.1.0", "3.0.2")),
        (PYTEST, ("8.3.4",)),
        (SPHINX, ("8.2.0", "8.1.0")),
        ("1.2.0 (2024-01-01)\n------------------\n", ("1.2.0",)),
        ("v1.2.0\n======\n\nv1.1.0\n======\n", ("v1.2.0", "v1.1.0")),
        ("1.2.0 - 2024-01-01\n~~~~~~~~~~~~~~~~~~\n", ("1.2.0",)),
        ("1.2.0, 2024-01-01\n^^^^^^^^^^^^^^^^^\n", ("1.2.0",)),
        ("Twisted 24.11.0 (2024-12-01)\n============================\n", ("24.11.0",)),
        ("UNRELEASED\n----------\n\n1.0\n---\n", ("Unreleased", "1.0")),
        # A title right under another title's underline is still a title.
        ("Changes\n=======\n1.2.0\n-----\n", ("1.2.0",)),
        # An overline, the title inset: docutils allows both when they match.
        ("#######\n 1.2.0\n#######\n", ("1.2.0",)),
    ],
)
def test_rst_titles_name_their_version(text: str, expected: tuple[str, ...]) -> None:
    assert changelog.sections(text, "CHANGES.rst") == expected


def test_rst_section_for_finds_the_version_then_unreleased() -> None:
    assert changelog.section_for(PALLETS, "3.0.2", "CHANGES.rst") == "3.0.2"
    assert changelog.section_for(PALLETS, "3.1", "CHANGES.rst") == "3.1.0"  # PEP 440 equal
    # The upcoming pallets section is named by its title: a body that says "Unreleased" is text.
    assert changelog.section_for(PALLETS, "3.0.3", "CHANGES.rst") is None
    unreleased = "Unreleased\n==========\n\n" + PALLETS
    assert changelog.section_for(unreleased, "3.0.3", "docs/changes.RST") == "Unreleased"
    assert changelog.section_for(PYTEST, "8.3.4", "changelog.rst") == "8.3.4"
    assert changelog.section_for(SPHINX, "8.1", "CHANGES.rst") == "8.1.0"


def test_the_suffix_chooses_the_format_never_the_content() -> None:
    markdown = "# Changelog\n\n## [1.2.0] - 2024-01-01\n"
    # A Markdown heading in a .rst file is a paragraph there, and an rst title in a .md file is
    # not a "## " heading: neither names a section.
    assert changelog.section_for(markdown, "1.2.0", "CHANGES.rst") is None
    assert changelog.section_for(PALLETS, "3.0.2", "CHANGES.md") is None
    assert changelog.section_for(PALLETS, "3.0.2") is None  # the default is CHANGELOG.md
    assert changelog.is_rst("CHANGES.Rst") and not changelog.is_rst("CHANGES.rst.md")


# What must never name the version's section (a false GO): each documented in gates/changelog.py.
@pytest.mark.parametrize(
    ("text", "version"),
    [
        # The version inside prose, not in a title.
        ("Changes\n=======\n\nThis fixes 1.2.0 and 1.2.0 (2024).\n", "1.2.0"),
        # A title that mentions it among other words, or relative to it.
        ("Changes since 1.2.0\n-------------------\n", "1.2.0"),
        ("Since 1.2.0\n-----------\n", "1.2.0"),
        ("Upgrading to 1.2.0\n------------------\n", "1.2.0"),
        ("1.2.0 and earlier\n-----------------\n", "1.2.0"),
        ("- 1.2.0\n-------\n", "1.2.0"),
        # An underline shorter than the title (docutils only warns): not a title here.
        ("1.2.0\n----\n", "1.2.0"),
        ("Version 1.2.0\n------------\n", "1.2.0"),
        # Overline and underline that differ, or an overline shorter than the title.
        ("=====\n1.2.0\n-----\n", "1.2.0"),
        ("====\n1.2.0\n====\n", "1.2.0"),
        # The title line continues a paragraph: docutils reads no title there.
        ("Fixed in\n1.2.0\n-----\n", "1.2.0"),
        # Indented: a block quote or literal block, not a section.
        ("Example::\n\n    1.2.0\n    -----\n", "1.2.0"),
        ("  1.2.0\n  -----\n", "1.2.0"),
        # An underline of mixed characters or with inner blanks is a table border, not a title.
        ("1.2.0\n-=-=-\n", "1.2.0"),
        ("=====  =====\n1.2.0  notes\n=====  =====\n", "1.2.0"),
        # Another version of the same release: PEP 440 tells them apart.
        ("1.2.0\n=====\n", "1.2.0.post1"),
        ("1.2.0\n=====\n", "1.2.0.dev1"),
        ("1.2.0\n=====\n", "1.2.0+local"),
        ("1.2\n===\n", "1.2.1"),
        # "Unreleased" only as the whole title.
        ("Unreleased changes\n==================\n", "9.9.9"),
        ("Version 1.2.0\n-------------\n\nUnreleased\n", "1.2.1"),
    ],
)
def test_rst_text_that_is_not_the_versions_section_names_none(text: str, version: str) -> None:
    assert changelog.section_for(text, version, "CHANGES.rst") is None


def test_rst_version_forms_that_pep_440_equates_do_match() -> None:
    assert changelog.section_for("1.2.0\n=====\n", "1.2", "CHANGES.rst") == "1.2.0"
    assert changelog.section_for("V1.2\n====\n", "1.2.0", "CHANGES.rst") == "V1.2"
    assert changelog.section_for("1.2.0.post1\n===========\n", "1.2.0.post1", "N.rst") == (
        "1.2.0.post1"
    )


def test_rst_a_huge_file_is_read_in_one_pass() -> None:
    # 20k titles, a 1 MB title, a 1 MB underline and 1 MB of adornment lines: the
    # work per line is bounded, so this finishes as fast as the text is split.
    titles = "".join(f"{n}.0\n{'-' * 8}\n\n" for n in range(20_000))
    long_title = "1" * 1_000_000 + "\n" + "-" * 1_000_000 + "\n"
    adornments = "=\n" * 500_000
    text = titles + long_title + adornments + "Unreleased\n==========\n"
    assert changelog.section_for(text, "19999.0", "CHANGES.rst") == "19999.0"
    assert changelog.section_for(text, "7.7.7", "CHANGES.rst") == "Unreleased"


@given(st.text(alphabet=st.sampled_from("1.2v0 -=~#:(\n\tUnrelasd\u2028x"), max_size=300))
def test_rst_any_text_is_read_without_raising(text: str) -> None:
    for name in changelog.sections(text, "CHANGES.rst"):
        assert name == "Unreleased" or changelog.section_for(text, name, "CHANGES.rst") == name
