"""Poetry's version syntax as PEP 440, and what has no PEP 440 spelling."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet

from gates.poetry_versions import Translated, specifier, translate


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2.3", ">=1.2.3,<2"),
        ("^1.2", ">=1.2,<2"),
        ("^0.2.3", ">=0.2.3,<0.3"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("~1.2.3", ">=1.2.3,<1.3"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1", ">=1,<2"),
        ("~=1.2", "~=1.2"),
        ("1.2.3", "==1.2.3"),
        ("1.2.*", "==1.2.*"),
        (">= 1.2, < 2", ">=1.2,<2"),
        (">=1.2 <2", ">=1.2,<2"),
        ("*", ""),
        ("", ""),
    ],
)
def test_constraints(poetry: str, pep440: str) -> None:
    assert specifier(poetry) == pep440
    SpecifierSet(pep440)  # and pip reads it


@pytest.mark.parametrize(
    ("poetry", "why"),
    [
        ("^1.0 || ^2.0", "'||' (either range) has no PEP 440 spelling"),
        ("^one", "not a version constraint: '^one'"),
        (">=1.2 banana", "not a version constraint: '>=1.2 banana'"),
    ],
)
def test_constraints_without_a_pep_440_spelling(poetry: str, why: str) -> None:
    with pytest.raises(ValueError) as raised:
        specifier(poetry)
    assert str(raised.value) == why


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("^7.0", Translated("pytest>=7.0,<8")),
        ({"version": "^7", "extras": ["a", "b"]}, Translated("pytest[a,b]>=7,<8")),
        (
            {"version": "*", "python": "^3.8", "markers": "sys_platform == 'linux'"},
            Translated(
                "pytest; (sys_platform == 'linux') and "
                '(python_full_version >= "3.8" and python_full_version < "4")'
            ),
        ),
        (
            {"git": "https://example.org/pytest.git"},
            Translated(None, "pytest: a git source is not a version on an index: left out"),
        ),
        (
            [{"version": "^7", "python": ">=3.8"}, {"version": "^6", "python": "<3.8"}],
            Translated("pytest", "pytest: a list of constraints has no single PEP 508 "
                       "spelling: version left free"),
        ),
        (
            {"version": "^7", "python": "2.7 || ^3.6"},
            Translated("pytest>=7,<8", "pytest: python = '2.7 || ^3.6': '||' (either range) has "
                       "no PEP 440 spelling: installed on every Python"),
        ),
    ],
)  # fmt: skip
def test_tables(value: object, expected: Translated) -> None:
    assert translate("pytest", value) == expected
