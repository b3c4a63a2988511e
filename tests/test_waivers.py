"""``[[tool.gates.waivers]]`` as the config reads it: `accept` names a threshold of its gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import pyproject

from gates.config import load
from gates.errors import ConfigError

WAIVER = """\
[tool.gates]
required = ["coverage", "buckets"]

[tool.gates.coverage]
min_total = 90
paths = { "pkg/core/*" = 95 }

[[tool.gates.waivers]]
gate = "{gate}"
reason = "ratchet"
owner = "qa"
expires_version = "1.0"
{extra}
"""


def _write(tmp_path: Path, gate: str, extra: str) -> None:
    text = pyproject(WAIVER.replace("{gate}", gate).replace("{extra}", extra))
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")


def test_accept_reads_each_threshold_key_of_the_gate(tmp_path: Path) -> None:
    _write(tmp_path, "coverage", 'accept = { min_total = 80, "pkg/core/*" = 85.5 }')
    (waiver,) = load(tmp_path).waivers
    assert waiver.accept == {"min_total": 80.0, "pkg/core/*": 85.5}


@pytest.mark.parametrize(
    ("gate", "extra", "problem"),
    [
        ("coverage", "accept = { min_totl = 80 }",
         "tool.gates.waivers[0].accept.min_totl: not a threshold of the coverage gate (its "
         "threshold keys: min_total, min_changed_lines, pkg/core/*)"),
        ("buckets", "accept = { min_total = 80 }",
         "tool.gates.waivers[0].accept.min_total: not a threshold of the buckets gate (its "
         "threshold keys: none)"),
        ("buckets", 'bucket = "db"\naccept = { min_total = 80 }',
         "tool.gates.waivers[0].accept: a bucket waiver waives failing tests, it has no "
         "threshold to accept"),
        ("coverage", "accept = { min_total = 180 }",
         "tool.gates.waivers[0].accept.min_total: must be between 0 and 100, got 180"),
        ("coverage", "accept = { min_total = nan }",
         "tool.gates.waivers[0].accept.min_total: expected a finite number, got nan"),
        ("coverage", 'accept = { min_total = "80" }',
         "tool.gates.waivers[0].accept.min_total: expected a number, got a string"),
    ],
)  # fmt: skip
def test_a_bad_accept_names_the_key(tmp_path: Path, gate: str, extra: str, problem: str) -> None:
    _write(tmp_path, gate, extra)
    with pytest.raises(ConfigError) as raised:
        load(tmp_path)
    message = str(raised.value)
    assert message.startswith("pyproject.toml:")
    assert message.split(": ", 1)[1] == problem
