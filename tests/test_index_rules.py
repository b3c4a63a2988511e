"""What the index refuses at upload, read from core metadata as the built files carry it."""

from __future__ import annotations

import email.parser

import pytest

from gates.index_rules import upload_problems

VALID = """\
Metadata-Version: 2.4
Name: demo-pkg
Version: 1.0.0
Summary: A demo
License-Expression: MIT OR Apache-2.0
Requires-Python: >=3.11
Classifier: Programming Language :: Python :: 3
Classifier: Topic :: Software Development :: Build Tools
"""


def _problems(text: str) -> tuple[str, ...]:
    return upload_problems(email.parser.Parser().parsestr(text))


def test_valid_metadata_has_no_problem() -> None:
    assert _problems(VALID) == ()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("Classifier: Topic :: Software Development :: Build Tools",
          "Classifier: Topic :: Sofware Development"),
         "classifier 'Topic :: Sofware Development' is not a known trove classifier"),
        (("Classifier: Topic :: Software Development :: Build Tools",
          "Classifier: Natural Language :: Ukranian"),
         "classifier 'Natural Language :: Ukranian' is deprecated (use 'Natural Language :: "
         "Ukrainian')"),
        (("Version: 1.0.0", "Version: 1.0.0+local.7"),
         "Version 1.0.0+local.7 is a local version (+local.7): the index refuses it"),
        (("Version: 1.0.0", "Version: one"), "Version 'one' is not a PEP 440 version"),
        (("Name: demo-pkg", "Name: -demo"), "Name '-demo' is not a valid project name"),
        (("License-Expression: MIT OR Apache-2.0", "License-Expression: MIT OR Nope-1"),
         "License-Expression 'MIT OR Nope-1' is not a valid SPDX expression"),
        (("Requires-Python: >=3.11", "Requires-Python: >=3.11,<<4"),
         "Requires-Python '>=3.11,<<4' is not a valid version specifier"),
    ],
)  # fmt: skip
def test_each_refusal_is_named(change: tuple[str, str], problem: str) -> None:
    assert _problems(VALID.replace(*change)) == (problem,)
