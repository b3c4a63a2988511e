"""Keep a Changelog sections: finding the one for a version, releasing Unreleased."""

from __future__ import annotations

import datetime as dt

import pytest

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
