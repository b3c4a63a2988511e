"""The input components a reused result is keyed by: canonical config, digests, what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Project

from gates import __version__, config, reuse
from gates.errors import GatesError

TODAY = dt.date(2026, 12, 5)
FULL_CONFIG = """\
[tool.gates]
required = ["lint", "buckets", "coverage"]

[tool.gates.coverage]
min_total = 80
paths = { "demo/*" = 90 }

[[tool.gates.buckets]]
name = "slow network"
severity = "low"
match = { nodeid = ["tests/test_net.py::*"], message = ["Timeout.*"] }
expires = 2027-01-31

[[tool.gates.waivers]]
gate = "coverage"
reason = "accept 80% this once"
owner = "rm"
expires = 2027-01-31
accept = { min_total = 70 }
"""


@pytest.mark.parametrize(
    ("value", "fresh"),
    [("", False), ("0", False), ("false", False), ("1", True), ("TRUE", True), (" yes ", True)],
)
def test_gates_fresh_is_read_as_yes_or_no(value: str, fresh: bool) -> None:
    assert reuse.fresh_requested({reuse.FRESH_ENV: value}) is fresh
    assert reuse.fresh_requested({}) is False


def test_gates_fresh_that_is_neither_yes_nor_no_is_refused() -> None:
    with pytest.raises(GatesError) as raised:
        reuse.fresh_requested({reuse.FRESH_ENV: "maybe"})
    assert str(raised.value) == "GATES_FRESH: expected 1 or 0 (or true/false), got 'maybe'"


def test_the_same_config_read_twice_is_the_same_text_and_an_edit_changes_it(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(gates=FULL_CONFIG)
    first, second = (config.load(project.root) for _ in range(2))
    assert first is not second
    # Dates, enums, compiled patterns and nested mappings all have a canonical spelling.
    assert reuse.canonical(first) == reuse.canonical(second)
    assert '"expires":"2027-01-31"' in reuse.canonical(first.buckets)
    assert '"severity":"low"' in reuse.canonical(first.buckets)
    project.write("pyproject.toml", FULL_CONFIG.replace("min_total = 70", "min_total = 75"))
    edited = config.load(project.root)
    assert reuse.canonical(edited.waivers) != reuse.canonical(first.waivers)
    assert reuse.canonical(edited.coverage) == reuse.canonical(first.coverage)


def test_components_name_every_input_of_the_gate(tmp_path: Path) -> None:
    evidence = tmp_path / "junit.xml"
    evidence.write_text("<testsuite/>", encoding="utf-8")
    inputs = reuse.Inputs(
        config={"min_total": 80},
        distributions=("pytest",),
        files=(evidence,),
        arguments=("-k", "fast"),
        environ=("PYTEST_ADDOPTS",),
        dated=True,
        extra={"merge base": "abc123"},
    )
    found = reuse.components(inputs, tree="t" * 40, today=TODAY, root=tmp_path)
    assert sorted(found) == [
        "arguments",
        "config",
        "date",
        "environment",
        "evidence",
        "merge base",
        "packages",
        "pytest",
        "python",
        "release-gates",
        "tree",
    ]
    assert found["tree"] == "t" * 40
    assert found["release-gates"] == __version__
    assert found["pytest"] == pytest.__version__
    assert found["date"] == "2026-12-05"
    assert found["merge base"] == "abc123"
    assert found == reuse.components(inputs, tree="t" * 40, today=TODAY, root=tmp_path)
    evidence.write_text("<testsuite tests='1'/>", encoding="utf-8")
    edited = reuse.components(inputs, tree="t" * 40, today=TODAY, root=tmp_path)
    assert reuse.changed(found, edited) == ["evidence"]


def test_what_changed_is_named_with_old_and_new_when_short() -> None:
    recorded = {"tree": "a" * 40, "ruff": "0.6.1", "config": "1" * 64, "date": "2026-12-04"}
    current = {"tree": "b" * 40, "ruff": "0.7.0", "config": "2" * 64, "evidence": "3" * 64}
    assert reuse.changed(recorded, current) == [
        "config",
        "date",
        "evidence",
        "ruff 0.6.1 -> 0.7.0",
        "tree",
    ]
    assert reuse.changed(current, current) == []


def test_a_file_digest_counts_names_and_content_and_a_missing_file(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.write_text("x", encoding="utf-8")
    two.write_text("y", encoding="utf-8")
    both = reuse.files_digest([one, two], tmp_path)
    assert both == reuse.files_digest([two, one], tmp_path)  # order of discovery is not content
    two.rename(tmp_path / "three")
    assert reuse.files_digest([one, tmp_path / "three"], tmp_path) != both
    assert reuse.files_digest([one, two], tmp_path) != both  # now missing


def test_an_executable_is_known_by_its_file_not_only_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = tmp_path / "bin" / "gates-reuse-tool"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\necho gates-reuse-tool 1.0\n", encoding="utf-8")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tool.parent))
    inputs = reuse.Inputs(config=None, executables=("gates-reuse-tool",))
    before = reuse.components(inputs, tree="t", today=TODAY, root=tmp_path)
    assert before["gates-reuse-tool"] == "1.0"
    # Replaced in place by a build that still says 1.0 (an upgrade pip does not know about).
    tool.write_text("#!/bin/sh\necho gates-reuse-tool 1.0 # rebuilt\n", encoding="utf-8")
    after = reuse.components(inputs, tree="t", today=TODAY, root=tmp_path)
    assert reuse.changed(before, after) == ["executables"]


def test_an_upgraded_distribution_changes_the_installed_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages"
    (site / "demo_dep-1.0.dist-info").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(site))
    reuse.installed_versions.cache_clear()
    before = reuse.installed_packages()
    assert reuse.installed_versions()["demo_dep"] == "1.0"
    (site / "demo_dep-1.0.dist-info").rename(site / "demo_dep-1.1.dist-info")
    reuse.installed_versions.cache_clear()
    assert reuse.installed_versions()["demo_dep"] == "1.1"
    assert reuse.installed_packages() != before
    reuse.installed_versions.cache_clear()
