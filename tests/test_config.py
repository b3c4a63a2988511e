"""[tool.gates] parsing: every error is one line naming file, key path and line; exit 2."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Project, pyproject
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gates import bucket_rules, config
from gates.config import load
from gates.errors import ConfigError


@pytest.mark.parametrize(
    ("gates", "message"),
    [
        (
            '[tool.gates]\nrequired = "lint"\n',
            "pyproject.toml:10: tool.gates.required: expected a list of strings, got a string",
        ),
        (
            '[tool.gates]\nrequired = ["lint"]\nrequire = ["typecheck"]\n',
            "pyproject.toml:11: tool.gates.require: unknown key",
        ),
        (
            '[tool.gates]\nrequired = ["lnt"]\n',
            "pyproject.toml:10: tool.gates.required: unknown gate 'lnt' (known: lint, typecheck, "
            "tests, coverage, buckets, package, smoke)",
        ),
        (
            "[tool.gates.lint]\npaths = [1]\n",
            "pyproject.toml:10: tool.gates.lint.paths: expected a list of strings, item 0 is an "
            "integer",
        ),
        (
            "[tool.gates.lint]\nformat = 1\n",
            "pyproject.toml:10: tool.gates.lint.format: expected true or false, got an integer",
        ),
        (
            '[tool.gates.lint]\nextend_select = ["F", "--fix"]\n',
            "pyproject.toml:10: tool.gates.lint.extend_select: item 1: not a ruff rule code or "
            "prefix: '--fix'",
        ),
        (
            '[tool.gates.lint]\nextend_select = "F"\n',
            "pyproject.toml:10: tool.gates.lint.extend_select: expected a list of strings, got a "
            "string",
        ),
        (
            "[tool.gates]\ntimeout = true\n",
            "pyproject.toml:10: tool.gates.timeout: expected a number, got true or false",
        ),
        (
            '[[tool.gates.waivers]]\ngate = "lint"\nreason = "r"\nowner = "o"\n',
            "pyproject.toml:9: tool.gates.waivers[0].expires: required: a waiver needs an expiry "
            "date and/or expires_version",
        ),
        (
            '[[tool.gates.waivers]]\ngate = "lint"\nreason = "r"\nowner = "o"\n'
            "expires = 2026-01-01\n"
            '\n[[tool.gates.waivers]]\ngate = "lint"\nreason = ""\nowner = "o"\n'
            "expires = 2026-01-01\n",
            "pyproject.toml:17: tool.gates.waivers[1].reason: required: every waiver says why "
            "and who owns it",
        ),
        (
            '[[tool.gates.waivers]]\ngate = "lint"\nreason = "r"\nowner = "o"\n'
            'expires = "next week"\n',
            "pyproject.toml:13: tool.gates.waivers[0].expires: expected a date (YYYY-MM-DD), "
            "got 'next week'",
        ),
        (
            '[tool.gates.commands]\nlint = "ruff check"\n',
            "pyproject.toml:10: tool.gates.commands.lint: 'lint' is a built-in gate; give the "
            "command another name",
        ),
        (
            "[tool]\ngates = 3\n",
            "pyproject.toml:10: tool.gates: expected a table, got an integer",
        ),
        (
            '[tool.gates.tests]\ncompare_with = "previous"\n',
            'pyproject.toml:10: tool.gates.tests.compare_with: expected "last" or "last_go",'
            " got 'previous'",
        ),
        (
            "[tool.gates.tests]\ncompare_with = 1\n",
            "pyproject.toml:10: tool.gates.tests.compare_with: expected a string, got an integer",
        ),
        (
            '[tool.gates.tests]\nbase_branch = " "\n',
            "pyproject.toml:10: tool.gates.tests.base_branch: empty branch name",
        ),
    ],
)
def test_bad_config_is_one_line_exit_2(
    make_project: Callable[..., Project], gates: str, message: str
) -> None:
    project = make_project(gates=gates)
    code, out, err = project.gates("decide")
    assert (code, out) == (2, "")
    assert err == f"gates: error: {message}\n"


def test_invalid_toml(make_project: Callable[..., Project]) -> None:
    project = make_project(gates="[tool.gates\n")
    code, _, err = project.gates("lint")
    assert code == 2
    assert (
        err == "gates: error: pyproject.toml: invalid TOML: Expected ']' at the end of a table "
        "declaration (at line 9, column 12)\n"
    )


def test_missing_pyproject(make_project: Callable[..., Project]) -> None:
    project = make_project()
    (project.root / "pyproject.toml").unlink()
    code, _, err = project.gates("status")
    assert code == 2
    assert err == (
        f"gates: error: {project.root}/pyproject.toml: not found "
        "(release-gates reads [tool.gates] from it)\n"
    )


@pytest.mark.parametrize("setup_file", ["setup.py", "setup.cfg"])
def test_a_setuptools_project_without_pyproject_is_read_with_the_defaults(
    tmp_path: Path, setup_file: str
) -> None:
    """Before `gates init` writes its pyproject.toml (its measuring runs read the config)."""
    (tmp_path / setup_file).write_text("")
    assert config.load(tmp_path) == config.parse(
        {}, root=tmp_path, file=tmp_path / "pyproject.toml"
    )


def test_usage_error_exit_2(make_project: Callable[..., Project]) -> None:
    project = make_project()
    code, _, err = project.gates("nonsense")
    assert code == 2
    assert "invalid choice: 'nonsense'" in err


def test_defaults_without_section(make_project: Callable[..., Project]) -> None:
    project = make_project()
    code, rows = project.gates_json("status")
    assert code == 0
    assert [(r["gate"], r["tier"], r["status"]) for r in rows] == [  # type: ignore[index]
        ("lint", "required", None),
        ("typecheck", "required", None),
    ]


# Every number is finite and in its range ---------------------------------------------------

NUMBER_CASES = [
    ("[tool.gates]\ntimeout = {}\n", "tool.gates.timeout", "between 1 and 86400"),
    (
        '[tool.gates.commands.docs]\nrun = "x"\ntimeout = {}\n',
        "tool.gates.commands.docs.timeout",
        "between 1 and 86400",
    ),
    (
        "[tool.gates.tests]\nmin_pass_rate = {}\n",
        "tool.gates.tests.min_pass_rate",
        "between 0 and 100",
    ),
    (
        "[tool.gates.tests]\nmax_skip_rate = {}\n",
        "tool.gates.tests.max_skip_rate",
        "between 0 and 100",
    ),
    (
        "[tool.gates.tests]\nmax_failure_ratio = {}\n",
        "tool.gates.tests.max_failure_ratio",
        "between 0 and 100",
    ),
    (
        "[tool.gates.coverage]\nmin_total = {}\n",
        "tool.gates.coverage.min_total",
        "between 0 and 100",
    ),
    (
        "[tool.gates.coverage]\nmin_changed_lines = {}\n",
        "tool.gates.coverage.min_changed_lines",
        "between 0 and 100",
    ),
    (
        '[tool.gates.coverage.paths]\n"pkg/*" = {}\n',
        "tool.gates.coverage.paths.pkg/*",
        "between 0 and 100",
    ),
]
"""Every float key of [tool.gates]: (TOML with ``{}`` for the value, key path, its range)."""

INTEGER_CASES = [
    (
        "[tool.gates.tests]\nmax_risky = {}\n",
        "tool.gates.tests.max_risky",
        "between 0 and 1000000000",
    ),
    (
        "[tool.gates.coverage]\nworst_files = {}\n",
        "tool.gates.coverage.worst_files",
        "between 0 and 10000",
    ),
    (
        '[[tool.gates.buckets]]\nname = "b"\nseverity = "low"\nmatch = { type = "E" }\n'
        "max_failures = {}\n",
        "tool.gates.buckets[0].max_failures",
        "between 0 and 1000000000",
    ),
]
"""Every integer key of [tool.gates]."""


def test_the_cases_cover_every_numeric_key() -> None:
    """A numeric key added to the config without a range case here fails this test."""
    read = set()
    for module in (config, bucket_rules):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"number", "percent", "integer"}
                and isinstance(node.args[0], ast.Constant)
            ):
                read.add(node.args[0].value)
    tested = {key.rsplit(".", 1)[-1] for _, key, _ in (*NUMBER_CASES, *INTEGER_CASES)}
    assert read == tested - {"pkg/*"}


def _load_error(tmp_path: Path, gates_toml: str) -> str:
    (tmp_path / "pyproject.toml").write_text(pyproject(gates_toml), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    return str(caught.value)


def _line_of(gates_toml: str, key: str) -> int:
    """Line of ``key = `` in pyproject(gates_toml): the fixture's header takes 8 lines."""
    lines = gates_toml.splitlines()
    return 9 + next(i for i, text in enumerate(lines) if text.startswith(key))


@pytest.mark.parametrize(("template", "key", "bounds"), NUMBER_CASES)
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("nan", "expected a finite number, got nan"),
        ("+inf", "expected a finite number, got inf"),
        ("-inf", "expected a finite number, got -inf"),
        ("-0.5", "must be {bounds}, got -0.5"),
        ("1e300", "must be {bounds}, got 1e+300"),
        ("9" * 30, "must be {bounds}, got an integer of 30 digits"),
        ('"50"', "expected a number, got a string"),
    ],
)
def test_every_number_is_finite_and_in_range(
    tmp_path: Path, template: str, key: str, bounds: str, value: str, problem: str
) -> None:
    gates_toml = template.replace("{}", value)
    line = _line_of(gates_toml, key.rsplit(".", 1)[-1].replace("pkg/*", '"pkg/*"'))
    assert _load_error(tmp_path, gates_toml) == (
        f"pyproject.toml:{line}: {key}: {problem.format(bounds=bounds)}"
    )


@pytest.mark.parametrize(("template", "key", "bounds"), INTEGER_CASES)
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("nan", "expected an integer, got a number"),
        ("inf", "expected an integer, got a number"),
        ("-1", "must be {bounds}, got -1"),
        ("9" * 30, "must be {bounds}, got an integer of 30 digits"),
        ("2.0", "expected an integer, got a number"),
        ("true", "expected an integer, got true or false"),
    ],
)
def test_every_integer_is_in_range(
    tmp_path: Path, template: str, key: str, bounds: str, value: str, problem: str
) -> None:
    gates_toml = template.replace("{}", value)
    line = _line_of(gates_toml, key.rsplit(".", 1)[-1])
    assert _load_error(tmp_path, gates_toml) == (
        f"pyproject.toml:{line}: {key}: {problem.format(bounds=bounds)}"
    )


def test_numbers_at_their_bounds_load(tmp_path: Path) -> None:
    gates_toml = (
        "[tool.gates]\ntimeout = 86400\n"
        '[tool.gates.commands.docs]\nrun = "make docs"\ntimeout = 1\n'
        "[tool.gates.tests]\nmin_pass_rate = 100\nmax_skip_rate = 0\nmax_risky = 0\n"
        "max_failure_ratio = 100.0\n"
        '[tool.gates.coverage]\nmin_total = 0\nworst_files = 10000\npaths = { "a/*" = 99.5 }\n'
    )
    (tmp_path / "pyproject.toml").write_text(pyproject(gates_toml), encoding="utf-8")
    loaded = load(tmp_path)
    assert loaded.timeout_s == 86400.0
    assert loaded.commands["docs"].timeout_s == 1.0
    assert (loaded.tests.min_pass_rate, loaded.tests.max_skip_rate) == (100.0, 0.0)
    assert (loaded.tests.max_risky, loaded.tests.max_failure_ratio) == (0, 100.0)
    assert (loaded.coverage.min_total, loaded.coverage.worst_files) == (0.0, 10000)
    assert loaded.coverage.paths == {"a/*": 99.5}


def test_unset_counts_stay_unset(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject(""), encoding="utf-8")
    loaded = load(tmp_path)
    assert loaded.tests.max_risky is None
    assert loaded.timeout_s == 1800.0


# required / advisory ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gates_toml", "message"),
    [
        (
            "[tool.gates]\nrequired = []\n",
            "pyproject.toml:10: tool.gates.required: names no gate and advisory is empty: "
            "nothing would be judged",
        ),
        (
            "[tool.gates]\nrequired = []\nadvisory = []\n",
            "pyproject.toml:10: tool.gates.required: names no gate and advisory is empty: "
            "nothing would be judged",
        ),
        (
            '[tool.gates]\nrequired = ["lint", "tests", "lint"]\n',
            "pyproject.toml:10: tool.gates.required: gate 'lint' is listed twice",
        ),
        (
            '[tool.gates]\nrequired = ["lint"]\nadvisory = ["tests", "tests"]\n',
            "pyproject.toml:11: tool.gates.advisory: gate 'tests' is listed twice",
        ),
        (
            '[tool.gates]\nrequired = ["lint", "tests"]\nadvisory = ["tests"]\n',
            "pyproject.toml:11: tool.gates.advisory: gate 'tests' is also required",
        ),
        (
            '[tool.gates]\nadvisory = ["typecheck"]\n',
            "pyproject.toml:10: tool.gates.advisory: gate 'typecheck' is also required "
            "(by default: lint, typecheck)",
        ),
    ],
)
def test_required_and_advisory_name_each_gate_once(
    tmp_path: Path, gates_toml: str, message: str
) -> None:
    assert _load_error(tmp_path, gates_toml) == message


def test_only_advisory_gates_is_a_valid_config(tmp_path: Path) -> None:
    gates_toml = '[tool.gates]\nrequired = []\nadvisory = ["lint", "docs"]\n'
    gates_toml += '[tool.gates.commands]\ndocs = "make docs"\n'
    (tmp_path / "pyproject.toml").write_text(pyproject(gates_toml), encoding="utf-8")
    loaded = load(tmp_path)
    assert (loaded.required, loaded.advisory, loaded.gates) == (
        (),
        ("lint", "docs"),
        ("lint", "docs"),
    )


# Paths stay inside the project root ---------------------------------------------------------

PATH_KEYS = [
    ("[tool.gates]\nledger = {}\n", "tool.gates.ledger"),
    ("[tool.gates.lint]\nbaseline = {}\n", "tool.gates.lint.baseline"),
    ("[tool.gates.lint]\npaths = [{}]\n", "tool.gates.lint.paths"),
    ("[tool.gates.typecheck]\nbaseline = {}\n", "tool.gates.typecheck.baseline"),
    ("[tool.gates.typecheck]\npaths = [{}]\n", "tool.gates.typecheck.paths"),
    ("[tool.gates.tests]\njunit = [{}]\n", "tool.gates.tests.junit"),
    ("[tool.gates.tests]\njunit = {}\n", "tool.gates.tests.junit"),
    ("[tool.gates.coverage]\ndata = {}\n", "tool.gates.coverage.data"),
    ("[tool.gates.coverage]\ndata = [{}]\n", "tool.gates.coverage.data"),
    ("[tool.gates.package]\nchangelog = {}\n", "tool.gates.package.changelog"),
]
"""Every [tool.gates] key that names a file or folder."""


@pytest.mark.parametrize(("template", "key"), PATH_KEYS)
@pytest.mark.parametrize("path", ["../outside", "sub/../../outside", "/etc/passwd", "link/x"])
def test_paths_may_not_leave_the_root(tmp_path: Path, template: str, key: str, path: str) -> None:
    root = tmp_path / "project"
    (tmp_path / "elsewhere").mkdir()
    root.mkdir()
    (root / "link").symlink_to(tmp_path / "elsewhere")
    gates_toml = template.replace("{}", json.dumps(path))
    (root / "pyproject.toml").write_text(pyproject(gates_toml), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(root)
    assert str(caught.value) == (f"pyproject.toml:10: {key}: {path!r} is outside the project root")


@pytest.mark.parametrize(("template", "key"), PATH_KEYS)
@pytest.mark.parametrize("path", ["state/file", "./state/../file", "reports/*/junit*.xml"])
def test_paths_inside_the_root_load(tmp_path: Path, template: str, key: str, path: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        pyproject(template.replace("{}", json.dumps(path))), encoding="utf-8"
    )
    load(tmp_path)


def test_an_absolute_ledger_path_inside_the_root_is_kept(tmp_path: Path) -> None:
    ledger = tmp_path / ".gates" / "decisions.db"
    gates_toml = f"[tool.gates]\nledger = {json.dumps(str(ledger))}\n"
    (tmp_path / "pyproject.toml").write_text(pyproject(gates_toml), encoding="utf-8")
    assert load(tmp_path).ledger == str(ledger)


@pytest.mark.parametrize("ledger", ["", ".", ".gates", "./.gates/", "state/", "demo"])
def test_the_ledger_is_a_file_not_a_folder(tmp_path: Path, ledger: str) -> None:
    (tmp_path / "demo").mkdir()
    gates_toml = f"[tool.gates]\nledger = {json.dumps(ledger)}\n"
    assert _load_error(tmp_path, gates_toml) == (
        f"pyproject.toml:10: tool.gates.ledger: expected a database file or 'git', got {ledger!r}"
    )


# The file itself ----------------------------------------------------------------------------


def test_a_pyproject_that_is_not_utf8(tmp_path: Path) -> None:
    text = pyproject('[tool.gates]\nrequired = ["lint"]\n# caf\xe9\n').encode("latin-1")
    (tmp_path / "pyproject.toml").write_bytes(text)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    assert str(caught.value) == "pyproject.toml:11: not UTF-8 text (byte e9)"


@pytest.mark.parametrize(
    ("gates_toml", "message"),
    [
        ("[tool.gates]\nx = " + "[" * 3000 + "]" * 3000 + "\n", "invalid TOML: nested too deeply"),
        (
            "[tool.gates]\ntimeout = " + "9" * 5000 + "\n",
            "invalid TOML: Exceeds the limit (4300 digits) for integer string conversion: "
            "value has 5000 digits",
        ),
    ],
)
def test_toml_that_python_cannot_hold(tmp_path: Path, gates_toml: str, message: str) -> None:
    assert _load_error(tmp_path, gates_toml) == f"pyproject.toml: {message}"


def test_a_command_list_with_an_unclosed_quote(tmp_path: Path) -> None:
    gates_toml = '[tool.gates.commands]\ndocs = ["make \'docs"]\n'
    assert _load_error(tmp_path, gates_toml) == (
        "pyproject.toml:10: tool.gates.commands.docs: cannot split command: No closing quotation"
    )


# Any [tool.gates] table: it loads, or it is one line and exit 2 -------------------------------

TOP: dict[str, list[Any]] = {
    "required": [["lint"], [], ["tests", "coverage"], ["docs"]],
    "advisory": [["buckets"], ["docs"]],
    "ledger": [".gates/decisions.db", "state/ledger.db"],
    "timeout": [1, 60.5, 86_400],
}
"""Keys of [tool.gates] with values that are valid alone: the fuzzer mixes them with junk."""
SECTIONS: dict[str, dict[str, list[Any]]] = {
    "lint": {"paths": [["."], "demo"], "baseline": ["lint.json"], "format": [False]},
    "typecheck": {"paths": [["demo"]], "baseline": ["mypy.json"], "args": [["--strict"]]},
    "tests": {
        "pytest_args": [["-q"]],
        "junit": ["reports/*.xml", [".gates/evidence"]],
        "min_pass_rate": [100, 99.5],
        "max_skip_rate": [10],
        "max_risky": [0, 3],
        "max_failure_ratio": [50],
        "unbound_junit": [True],
        "base_branch": ["main", "release/1.x"],
        "compare_with": ["last", "last_go"],
    },
    "coverage": {
        "min_total": [80],
        "paths": [{"demo/*": 90}],
        "min_changed_lines": [95.5],
        "base_ref": ["main"],
        "data": [".gates/evidence"],
        "worst_files": [0, 5],
    },
    "package": {
        "smoke": ["python -c pass"],
        "changelog": ["CHANGELOG.md", ""],
        "isolation": [False],
    },
    "release": {
        "repository_url": ["https://test.pypi.org/legacy/"],
        "index_url": ["https://test.pypi.org/simple/"],
        "remote": ["upstream"],
    },
    "commands": {"docs": ["make docs", {"run": ["make", "docs"], "timeout": 60}]},
    "checklist": {"must": [["CHANGELOG reviewed"]], "should": [[{"item": "i", "gate": "lint"}]]},
}
ARRAYS: dict[str, dict[str, list[Any]]] = {
    "waivers": {
        "gate": ["lint"],
        "reason": ["flaky runner"],
        "owner": ["ana"],
        "expires": [dt.date(2030, 1, 31), "2030-01-31"],
        "expires_version": ["2.0"],
        "bucket": ["b"],
    },
    "buckets": {
        "name": ["db down"],
        "severity": ["low", "critical"],
        "match": [{"type": "OSError"}, {"nodeid": ["tests/*"], "outcome": "error"}],
        "blocking": [False],
        "max_failures": [0, 2],
        "files": [["demo/db.py"]],
        "expires": [dt.date(2030, 1, 31)],
    },
}
"""Arrays of tables: each generated entry starts from the first value of every key."""

ODD_STRINGS = [
    "",
    " ",
    "lint",
    "typecheck",
    "tests",
    "docs",
    "critical",
    "failed",
    "2026-01-31",
    "..",
    ".",
    "../x",
    "/etc/passwd",
    "a\0b",
    "pyproject.toml",
    ".gates",
    "(",
    "[",
    "*",
    "x y 'z",
    "https://example.com",
    "postgresql://u:p@h/d",
    "é\u202e",
    "\x7f",
]
SCALARS = st.one_of(
    st.sampled_from(ODD_STRINGS),
    st.text(max_size=12),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([0, -1, 1, 100, 101, 86_400, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(ODD_STRINGS) | st.text(max_size=4), inner, max_size=2)
    ),
    max_leaves=4,
)


def _entry(keys: dict[str, list[Any]]) -> st.SearchStrategy[tuple[str, Any]]:
    """A known key with a valid or a junk value, or a junk key."""
    known = st.sampled_from(sorted(keys)).flatmap(
        lambda key: st.tuples(st.just(key), st.sampled_from(keys[key]) | JUNK)
    )
    return known | st.tuples(st.text(max_size=6), JUNK)


def _table(
    keys: dict[str, list[Any]], base: dict[str, Any] | None = None
) -> st.SearchStrategy[Any]:
    return st.lists(_entry(keys), max_size=3).map(lambda pairs: {**(base or {}), **dict(pairs)})


def _section(name: str) -> st.SearchStrategy[dict[str, Any]]:
    """``{name: table}``, or an array of tables for ``waivers`` and ``buckets``."""
    if name in ARRAYS:
        valid = {key: values[0] for key, values in ARRAYS[name].items()}
        entries = st.lists(_table(ARRAYS[name], valid), max_size=2)
        return entries.map(lambda tables: {name: tables})
    return _table(SECTIONS[name]).map(lambda table: {name: table})


GATES_TABLES = st.builds(
    lambda top, sections: {k: v for part in (top, *sections) for k, v in part.items()},
    _table(TOP),
    st.lists(st.sampled_from([*SECTIONS, *ARRAYS]).flatmap(_section), max_size=3),
)


def _toml_string(text: str) -> str:
    escaped = "".join(
        f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c
        for c in text.replace("\\", "\\\\").replace('"', '\\"')
    )
    return f'"{escaped}"'


def _toml(value: Any) -> str:
    """``value`` as one TOML value (inline tables and arrays), nan and inf included."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)  # inf, -inf and 1e+300 are TOML too
    if isinstance(value, int | dt.date):
        return str(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    pairs = (f"{_toml_string(key)} = {_toml(item)}" for key, item in value.items())
    return "{" + ", ".join(pairs) + "}"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(gates_table=GATES_TABLES)
def test_any_gates_table_loads_or_is_one_line_exit_2(
    fuzz_project: Project, gates_table: dict[str, Any]
) -> None:
    lines = [f"{_toml_string(key)} = {_toml(value)}" for key, value in gates_table.items()]
    fuzz_project.write("pyproject.toml", pyproject("[tool.gates]\n" + "\n".join(lines) + "\n"))
    code, out, err = fuzz_project.gates("decide")
    event(f"exit {code}")
    assert "Traceback" not in err
    if code == 2:
        assert out == ""
        assert err.startswith("gates: error: ")
        assert err.count("\n") == 1 and err.endswith("\n")
    else:
        assert code in (0, 1), (code, out, err)  # it loaded: GO or NO_GO by the recorded results


@pytest.fixture
def fuzz_project(make_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.delenv("GATES_LEDGER_URL", raising=False)
    return make_project()
