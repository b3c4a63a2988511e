"""Fault matrix: hostile or careless ``[tool.gates]`` content never reaches a decision.

Each case runs the real ``gates decide`` on a fixture project and asserts exit 2, the exact
one-line error, no traceback, and that nothing was recorded: no ``.gates/`` folder (so no ledger
and no decision.json), hence never a GO.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Project, pyproject


def assert_refused(project: Project, message: str) -> None:
    code, out, err = project.gates("decide")
    assert "Traceback" not in err
    assert (code, out, err) == (2, "", f"gates: error: {message}\n")
    assert not (project.root / ".gates").exists()


@pytest.mark.parametrize(
    ("gates_toml", "message"),
    [
        pytest.param(
            '[tool.gates]\nledger = "../ledger.db"\n',
            "pyproject.toml:10: tool.gates.ledger: '../ledger.db' is outside the project root",
            id="ledger-dotdot",
        ),
        pytest.param(
            '[tool.gates]\nledger = ".gates"\n',
            "pyproject.toml:10: tool.gates.ledger: expected a database file or 'git', got '.gates'",
            id="ledger-over-the-gates-folder",
        ),
        pytest.param(
            '[tool.gates.lint]\nbaseline = "../../baseline.json"\n',
            "pyproject.toml:10: tool.gates.lint.baseline: '../../baseline.json' is outside the "
            "project root",
            id="lint-baseline-dotdot",
        ),
        pytest.param(
            '[tool.gates.typecheck]\nbaseline = "/etc/passwd"\n',
            "pyproject.toml:10: tool.gates.typecheck.baseline: '/etc/passwd' is outside the "
            "project root",
            id="typecheck-baseline-absolute",
        ),
        pytest.param(
            '[tool.gates.tests]\njunit = ["reports/*.xml", "/tmp/**/junit*.xml"]\n',
            "pyproject.toml:10: tool.gates.tests.junit: '/tmp/**/junit*.xml' is outside the "
            "project root",
            id="junit-glob-absolute",
        ),
        pytest.param(
            '[tool.gates.coverage]\ndata = "evidence/../../shards"\n',
            "pyproject.toml:10: tool.gates.coverage.data: 'evidence/../../shards' is outside the "
            "project root",
            id="coverage-data-dotdot",
        ),
        pytest.param(
            '[tool.gates.lint]\npaths = ["src", ".."]\n',
            "pyproject.toml:10: tool.gates.lint.paths: '..' is outside the project root",
            id="lint-paths-parent",
        ),
        pytest.param(
            "[tool.gates]\nrequired = []\n",
            "pyproject.toml:10: tool.gates.required: names no gate and advisory is empty: "
            "nothing would be judged",
            id="required-empty",
        ),
        pytest.param(
            '[tool.gates]\nrequired = ["lint", "lint"]\n',
            "pyproject.toml:10: tool.gates.required: gate 'lint' is listed twice",
            id="required-duplicate",
        ),
        pytest.param(
            '[tool.gates]\nrequired = ["lint"]\nadvisory = ["typecheck", "lint"]\n',
            "pyproject.toml:11: tool.gates.advisory: gate 'lint' is also required",
            id="gate-in-both-tiers",
        ),
        pytest.param(
            "[tool.gates.coverage]\nmin_total = nan\n",
            "pyproject.toml:10: tool.gates.coverage.min_total: expected a finite number, got nan",
            id="coverage-nan-would-never-fail",
        ),
        pytest.param(
            "[tool.gates.tests]\nmax_skip_rate = inf\n",
            "pyproject.toml:10: tool.gates.tests.max_skip_rate: expected a finite number, got inf",
            id="skip-rate-inf",
        ),
        pytest.param(
            "[tool.gates]\ntimeout = 1e300\n",
            "pyproject.toml:10: tool.gates.timeout: must be between 1 and 86400, got 1e+300",
            id="timeout-huge",
        ),
        pytest.param(
            "[tool.gates]\ntimeout = 0\n",
            "pyproject.toml:10: tool.gates.timeout: must be between 1 and 86400, got 0",
            id="timeout-zero",
        ),
        pytest.param(
            "[tool.gates.tests]\nmax_risky = -1\n",
            "pyproject.toml:10: tool.gates.tests.max_risky: must be between 0 and 1000000000, "
            "got -1",
            id="max-risky-negative",
        ),
        pytest.param(
            "[tool.gates]\ntimeout = " + "9" * 5000 + "\n",
            "pyproject.toml: invalid TOML: Exceeds the limit (4300 digits) for integer string "
            "conversion: value has 5000 digits",
            id="integer-5000-digits",
        ),
        pytest.param(
            "[tool.gates]\nrequired = " + "[" * 5000 + "]" * 5000 + "\n",
            "pyproject.toml: invalid TOML: nested too deeply",
            id="nesting-5000-deep",
        ),
        pytest.param(
            '[tool.gates.commands]\ndocs = ["sh -c \'make docs"]\n',
            "pyproject.toml:10: tool.gates.commands.docs: cannot split command: No closing "
            "quotation",
            id="command-unclosed-quote",
        ),
    ],
)
def test_bad_config_is_refused_before_any_decision(
    make_project: Callable[..., Project], gates_toml: str, message: str
) -> None:
    assert_refused(make_project(gates=gates_toml), message)


def test_ledger_through_a_symlink_out_of_the_root(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    project = make_project(gates='[tool.gates]\nledger = "state/ledger.db"\n')
    (project.root / "state").symlink_to(outside)
    assert_refused(
        project,
        "pyproject.toml:10: tool.gates.ledger: 'state/ledger.db' is outside the project root",
    )
    assert list(outside.iterdir()) == []


def test_absolute_ledger_outside_the_root(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    stolen = tmp_path / "stolen.db"
    project = make_project(gates=f'[tool.gates]\nledger = "{stolen}"\n')
    assert_refused(
        project, f"pyproject.toml:10: tool.gates.ledger: '{stolen}' is outside the project root"
    )
    assert not stolen.exists()


def test_pyproject_that_is_not_utf8(make_project: Callable[..., Project]) -> None:
    project = make_project()
    text = pyproject('[tool.gates]\nrequired = ["lint"]  # \xbfqu\xe9?\n')
    (project.root / "pyproject.toml").write_bytes(text.encode("latin-1"))
    assert_refused(project, "pyproject.toml:10: not UTF-8 text (byte bf)")


def test_pyproject_that_is_utf16(make_project: Callable[..., Project]) -> None:
    project = make_project()
    (project.root / "pyproject.toml").write_bytes(pyproject("").encode("utf-16"))
    assert_refused(project, "pyproject.toml:1: not UTF-8 text (byte ff)")
