"""The generic TOML table reader: typed getters, ranges, paths kept inside a root, error lines."""

from __future__ import annotations

import datetime as dt
import math
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from gates.errors import ConfigError
from gates.toml_table import COUNT_LIMIT, Table, describe, read_document

TOML = """\
[tool.x]
a = 1

[[tool.x.items]]
name = "first"

[[tool.x.items]]
name = "second"
limit = 3
"""


def table_of(tmp_path: Path, text: str) -> Table:
    """``text`` written below ``[s]`` in ``settings.toml`` and parsed: table ``s``."""
    file = tmp_path / "settings.toml"
    file.write_text(f"[s]\n{text}", encoding="utf-8")
    return Table(tomllib.loads(file.read_text(encoding="utf-8")), [], file).table("s")


def error_of(read: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        read()
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "settings.toml:1: s.owner: required: who owns it"),
        ('owner = ""\n', "settings.toml:2: s.owner: required: who owns it"),
        ('owner = " \\t "\n', "settings.toml:2: s.owner: required: who owns it"),
        ("owner = 3\n", "settings.toml:2: s.owner: expected a string, got an integer"),
    ],
)
def test_a_required_string_must_say_something(tmp_path: Path, text: str, message: str) -> None:
    table = table_of(tmp_path, text)
    assert error_of(lambda: table.required_string("owner", "who owns it")) == message


def test_a_required_string_is_returned_as_written(tmp_path: Path) -> None:
    table = table_of(tmp_path, 'owner = " qa team "\nbare = ""\n')
    assert table.required_string("owner") == " qa team "
    assert error_of(lambda: table.required_string("bare")).endswith(": s.bare: required")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nan", "settings.toml:2: s.t: expected a finite number, got nan"),
        ("-nan", "settings.toml:2: s.t: expected a finite number, got nan"),
        ("inf", "settings.toml:2: s.t: expected a finite number, got inf"),
        ("-inf", "settings.toml:2: s.t: expected a finite number, got -inf"),
        ("1e400", "settings.toml:2: s.t: expected a finite number, got inf"),
        ("0", "settings.toml:2: s.t: must be between 1 and 60, got 0"),
        ("60.5", "settings.toml:2: s.t: must be between 1 and 60, got 60.5"),
        ("9" * 40, "settings.toml:2: s.t: must be between 1 and 60, got an integer of 40 digits"),
        ("true", "settings.toml:2: s.t: expected a number, got true or false"),
        ('"5"', "settings.toml:2: s.t: expected a number, got a string"),
    ],
)
def test_number_is_finite_and_in_range(tmp_path: Path, value: str, message: str) -> None:
    table = table_of(tmp_path, f"t = {value}\n")
    assert error_of(lambda: table.number("t", None, low=1, high=60)) == message


def test_number_with_one_bound_says_which(tmp_path: Path) -> None:
    table = table_of(tmp_path, "low = -1\nhigh = 7\n")
    assert error_of(lambda: table.number("low", None, low=0)) == (
        "settings.toml:2: s.low: must be at least 0, got -1"
    )
    assert error_of(lambda: table.number("high", None, high=5)) == (
        "settings.toml:3: s.high: must be at most 5, got 7"
    )


def test_number_past_float_range_with_no_bounds(tmp_path: Path) -> None:
    table = table_of(tmp_path, f"t = {'9' * 400}\n")
    assert error_of(lambda: table.number("t", None)) == (
        "settings.toml:2: s.t: too large: an integer of 400 digits"
    )


def test_number_reads_integers_as_floats_and_defaults_when_absent(tmp_path: Path) -> None:
    table = table_of(tmp_path, "t = 3\nu = 2.5\n")
    assert table.number("t", None, low=0, high=5) == 3.0
    assert isinstance(table.number("t", None), float)
    assert table.number("u", 1.0) == 2.5
    assert table.number("absent", 7.0) == 7.0
    assert table.percent("absent") is None
    table.done()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "settings.toml:2: s.n: must be between 0 and 1000000000, got -1"),
        ("1000000001", "settings.toml:2: s.n: must be between 0 and 1000000000, got 1000000001"),
        (
            "1" + "0" * 30,
            "settings.toml:2: s.n: must be between 0 and 1000000000, got an integer of 31 digits",
        ),
        ("1.0", "settings.toml:2: s.n: expected an integer, got a number"),
        ("nan", "settings.toml:2: s.n: expected an integer, got a number"),
    ],
)
def test_integer_range(tmp_path: Path, value: str, message: str) -> None:
    table = table_of(tmp_path, f"n = {value}\n")
    assert error_of(lambda: table.integer("n", None, high=COUNT_LIMIT)) == message


def test_integer_low_only(tmp_path: Path) -> None:
    table = table_of(tmp_path, "n = 0\n")
    assert error_of(lambda: table.integer("n", 10, low=1)) == (
        "settings.toml:2: s.n: must be at least 1, got 0"
    )
    assert table_of(tmp_path, "n = 4\n").integer("n", 10, low=1) == 4


def test_percent_is_0_to_100(tmp_path: Path) -> None:
    table = table_of(tmp_path, "p = 100.5\nq = 0\n")
    assert error_of(lambda: table.percent("p")) == (
        "settings.toml:2: s.p: must be between 0 and 100, got 100.5"
    )
    assert table.percent("q") == 0.0


def test_error_lines_point_into_arrays_of_tables(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    file.write_text(TOML, encoding="utf-8")
    items = Table(tomllib.loads(TOML), [], file).table("tool").table("x").tables("items")
    assert error_of(lambda: items[1].integer("limit", 0, high=2)) == (
        "settings.toml:9: tool.x.items[1].limit: must be between 0 and 2, got 3"
    )
    assert error_of(items[0].done) == "settings.toml:5: tool.x.items[0].name: unknown key"


def test_a_file_that_is_not_utf8_gives_the_message_without_a_line(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    file.write_bytes(b"t = 0\n# \xff\n")
    table = Table({"t": 0}, [], file)
    assert error_of(lambda: table.integer("t", 1, low=1)) == (
        "settings.toml: t: must be at least 1, got 0"
    )


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("x", "a string"),
        (1, "an integer"),
        (1.5, "a number"),
        (True, "true or false"),
        ([], "a list"),
        ({}, "a table"),
        (dt.date(2026, 1, 1), "a date"),
        (dt.time(12, 0), "time"),
    ],
)
def test_describe_names_toml_types(value: object, name: str) -> None:
    assert describe(value) == name


def test_strings_reject_other_items(tmp_path: Path) -> None:
    table = table_of(tmp_path, 'l = ["a", {b = 1}]\n')
    assert error_of(lambda: table.strings("l")) == (
        "settings.toml:2: s.l: expected a list of strings, item 1 is a table"
    )


# Paths kept inside a root -------------------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "evidence").mkdir(parents=True)
    return root


def inside_error(root: Path, *paths: str) -> str:
    table = Table({"p": list(paths)}, ["tool", "gates"], root / "pyproject.toml")
    return error_of(lambda: table.inside("p", paths, root))


@pytest.mark.parametrize(
    "text",
    [
        ".gates/ledger.db",
        "evidence",
        "evidence/../state/new.db",
        ".",
        "reports/junit-*.xml",
        "**/junit*.xml",
        "not/there/yet.json",
    ],
)
def test_paths_inside_the_root_are_accepted(root: Path, text: str) -> None:
    Table({}, [], root / "pyproject.toml").inside("p", [text], root)


def test_an_absolute_path_inside_the_root_is_accepted(root: Path) -> None:
    Table({}, [], root / "pyproject.toml").inside("p", [str(root / "evidence")], root)


@pytest.mark.parametrize(
    "text",
    ["../ledger.db", "evidence/../../x", "..", "../*/junit.xml", "/etc/passwd", "/tmp/*.xml"],
)
def test_paths_leaving_the_root_are_refused(root: Path, text: str) -> None:
    assert inside_error(root, "ok.db", text) == (
        f"pyproject.toml: tool.gates.p: {text!r} is outside the project root"
    )


def test_a_symlink_out_of_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (root / "out").symlink_to(tmp_path / "elsewhere")
    assert inside_error(root, "out/ledger.db") == (
        "pyproject.toml: tool.gates.p: 'out/ledger.db' is outside the project root"
    )
    assert inside_error(root, "out/*.xml") == (
        "pyproject.toml: tool.gates.p: 'out/*.xml' is outside the project root"
    )


def test_a_symlink_within_the_root_is_accepted(root: Path) -> None:
    (root / "link").symlink_to(root / "evidence")
    Table({}, [], root / "pyproject.toml").inside("p", ["link/junit.xml"], root)


def test_a_root_reached_through_a_symlink_still_holds_its_paths(root: Path, tmp_path: Path) -> None:
    (tmp_path / "alias").symlink_to(root)
    Table({}, [], root / "pyproject.toml").inside("p", ["evidence/x"], tmp_path / "alias")


def test_a_symlink_loop_and_a_nul_byte_are_one_line_errors(root: Path) -> None:
    os.symlink("loop", root / "loop")
    assert inside_error(root, "loop/x").startswith(
        "pyproject.toml: tool.gates.p: cannot resolve 'loop/x': "
    )
    assert inside_error(root, "a\0b").startswith(
        "pyproject.toml: tool.gates.p: cannot resolve 'a\\x00b': "
    )


# Reading the file ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'a = "caf\xe9"\n', "settings.toml:1: not UTF-8 text (byte e9)"),
        (b"a = 1\nb = 2\n# \xc3\n", "settings.toml:3: not UTF-8 text (byte c3)"),
        (b"a = ", "settings.toml: invalid TOML: Invalid value (at end of document)"),
        (
            b"a = " + b"{b = " * 2000 + b"1" + b"}" * 2000,
            "settings.toml: invalid TOML: nested too deeply",
        ),
        (
            b"a = " + b"1" * 4301,
            "settings.toml: invalid TOML: Exceeds the limit (4300 digits) for integer string "
            "conversion: value has 4301 digits",
        ),
    ],
)
def test_read_document_errors_are_one_line(tmp_path: Path, data: bytes, message: str) -> None:
    file = tmp_path / "settings.toml"
    file.write_bytes(data)
    assert error_of(lambda: read_document(file)) == message


def test_read_document_parses_and_leaves_a_missing_file_to_the_caller(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    with pytest.raises(FileNotFoundError):
        read_document(file)
    file.write_text("[s]\nt = nan\n", encoding="utf-8")
    assert math.isnan(read_document(file)["s"]["t"])
    assert error_of(lambda: read_document(tmp_path)) == f"{tmp_path}: cannot read: Is a directory"
