"""The chain's order and plan: what `nox -s gates` runs, with which arguments, in which nox."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from nox import _option_set
from nox._options import NoxConfig

from gates import chain_plan
from gates.chain_plan import CHAIN, CHAIN_ENV, chain_order
from gates.chain_plan import chain_plan as plan_of
from gates.gate import BUILTIN, GateSpec

# The order: the registry's, derived.


def test_chain_order_is_the_registrys_with_tests_as_evidence_then_decide() -> None:
    assert CHAIN == (
        "lint",
        "typecheck",
        "tests_evidence",
        "coverage",
        "buckets",
        "package",
        "smoke",
        "decide",
    )
    assert CHAIN[:-1] == tuple(chain_plan.session_name(spec.name) for spec in BUILTIN)


def _spec(name: str, *after: str) -> GateSpec:
    return GateSpec(name, f"gates.{name}", name, init_required=False, after=after)


def test_a_gate_listed_before_the_gates_it_judges_runs_after_them() -> None:
    specs = (_spec("report_card", "tests", "lint"), _spec("lint"), _spec("tests"), _spec("pkg"))
    assert chain_order(specs) == ("lint", "tests_evidence", "report_card", "pkg", "decide")


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (
            (_spec("lint"), _spec("coverage", "tests")),
            "gate registry: 'after' names unknown gates ['tests']: {'coverage': ['tests']}",
        ),
        (
            (_spec("a", "b"), _spec("b", "a")),
            "gate registry: 'after' names a cycle: {'a': ['b'], 'b': ['a']}",
        ),
    ],
)
def test_a_registry_with_no_order_is_refused(specs: tuple[GateSpec, ...], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        chain_order(specs)
    assert str(raised.value) == message


def test_every_gate_judging_the_sharded_evidence_knows_how_to_read_the_shards() -> None:
    judges = {spec.name for spec in BUILTIN if chain_plan.SHARDED_GATE in spec.after}
    assert judges == set(chain_plan.SHARD_EVIDENCE)


def test_the_gates_that_judge_the_tests_wait_for_them() -> None:
    assert chain_plan.REQUIRES == {
        "coverage": ["tests_evidence"],
        "buckets": ["tests_evidence"],
    }


# What `nox -s gates -- POSARGS` runs.


def test_plan_runs_every_session_and_gives_the_rest_to_decide() -> None:
    plan = plan_of(["--environment", "production"])
    assert [name for name, _ in plan.steps] == list(CHAIN)
    assert dict(plan.steps)["lint"] == ()
    assert dict(plan.steps)["decide"] == ("--environment", "production")
    assert plan.jobs == chain_plan.default_jobs() >= 2


def test_the_tests_start_first_and_decide_stays_last() -> None:
    """nox starts ready sessions in this order: the longest path (tests, then what judges
    them) gets a slot at once; the order is still one a serial run can follow."""
    assert plan_of([]).sessions == [
        "tests_evidence",
        "lint",
        "typecheck",
        "coverage",
        "buckets",
        "package",
        "smoke",
        "decide",
    ]


def test_plan_with_shards_judges_them_instead_of_running_the_tests(tmp_path: Path) -> None:
    plan = plan_of(["--shards", str(tmp_path), "--environment", "staging", "--jobs", "3"])
    steps = dict(plan.steps)
    assert "tests_evidence" not in steps
    assert steps["coverage"] == ("--data", str(tmp_path))
    assert steps["buckets"] == ("--junit", str(tmp_path))
    assert steps["package"] == ()
    assert steps["decide"] == ("--environment", "staging")
    assert plan.jobs == 3


@pytest.mark.parametrize(
    ("posargs", "message"),
    [
        (["--shards"], "--shards needs a folder of shard evidence folders"),
        (["--shards", "nowhere"], "--shards needs a folder of shard evidence folders"),
        (["--jobs"], "--jobs needs a number of sessions at once, got ''"),
        (["--jobs", "0"], "--jobs needs a number of sessions at once, got '0'"),
        (["--jobs", "two"], "--jobs needs a number of sessions at once, got 'two'"),
    ],
)
def test_bad_chain_arguments_are_refused(posargs: list[str], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        plan_of(posargs)
    assert str(raised.value) == message


def test_each_session_reads_its_own_arguments_from_the_chain(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(CHAIN_ENV, raising=False)
    assert chain_plan.chain_args("decide") is None  # alone
    plan = plan_of(["--shards", str(tmp_path), "--environment", "production"])
    monkeypatch.setenv(CHAIN_ENV, plan.environment())
    assert chain_plan.chain_args("decide") == ["--environment", "production"]
    assert chain_plan.chain_args("lint") == []
    assert chain_plan.in_chain("lint")
    assert not chain_plan.in_chain("tests_evidence")  # left out under --shards
    assert json.loads(plan.environment())["coverage"] == ["--data", str(tmp_path)]


# The nox that runs the plan.


def _config(*argv: object) -> NoxConfig:
    """nox's configuration as its command line parsing makes it."""
    config = NoxConfig()
    for name, value in zip(argv[::2], argv[1::2], strict=True):
        config.set_value(str(name), value, _option_set.Source.COMMAND_LINE)
    return config


def test_the_chains_nox_runs_the_plan_side_by_side_with_the_users_options() -> None:
    config = _config("envdir", "/tmp/envs", "noxfile", "ci/noxfile.py", "posargs", ["--x"])
    config.set_value("sessions", ["gates"], _option_set.Source.COMMAND_LINE)
    argv = chain_plan.nox_argv(config, plan_of(["--jobs", "3"]))
    assert argv[:3] == [sys.executable, "-m", "nox"]
    flags = " ".join(argv)
    assert "--envdir /tmp/envs" in flags
    assert "--noxfile ci/noxfile.py" in flags
    assert "--parallel 3" in flags
    assert "--no-dependencies" in argv
    at = argv.index("--session")
    assert argv[at + 1 : at + 1 + len(CHAIN)] == plan_of([]).sessions
    assert "--x" not in argv and "--" not in argv  # the chain's posargs are the plan's, not nox's
