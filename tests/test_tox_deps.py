"""tox.ini ``[testenv]`` deps and extras as pip install arguments."""

from __future__ import annotations

import pytest

from gates.tox_deps import ToxDeps, read


def test_no_testenv_section_declares_nothing() -> None:
    assert read("[tox]\nenv_list = py\n", "tox.ini") == ToxDeps((), (), ())


@pytest.mark.parametrize(
    ("line", "arguments"),
    [
        ("-rrequirements/test.txt", ("-r", "requirements/test.txt")),
        ("--requirement requirements/test.txt", ("-r", "requirements/test.txt")),
        ("-c {toxinidir}/constraints.txt", ("-c", "constraints.txt")),
        ("-r {tox_root}/requirements/test.txt", ("-r", "requirements/test.txt")),
        ("pytest>=8  # the runner", ("pytest>=8",)),
        ('tomli; python_version < "3.11"', ('tomli; python_version < "3.11"',)),
        ("git+https://example.org/x.git#egg=x", None),
    ],
)
def test_a_deps_line(line: str, arguments: tuple[str, ...] | None) -> None:
    found = read(f"[testenv]\ndeps =\n    {line}\n", "tox.ini")
    if arguments is None:
        assert found.requirements == ()
        assert found.notes == (
            f"tox.ini: [testenv] deps: {line!r} left out: not a PEP 508 requirement",
        )
    else:
        assert found == ToxDeps((), (arguments,), ())


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("py312,!pypy: pytest", "factor-conditional (which factors apply is tox's choice)"),
        ("{posargs}", "a tox substitution gates cannot expand"),
        ("--index-url https://example.org/simple", "a pip option, not a requirement"),
    ],
)
def test_lines_left_out_are_named(line: str, why: str) -> None:
    found = read(f"[testenv]\ndeps = {line}\n", "tox.ini")
    assert found.notes == (f"tox.ini: [testenv] deps: {line!r} left out: {why}",)


def test_the_project_itself_and_extras() -> None:
    found = read("[testenv]\nextras = test, yaml\ndeps =\n    -e .\n    -e {toxinidir}\n", "t")
    assert found == ToxDeps(("test", "yaml"), (), ())
