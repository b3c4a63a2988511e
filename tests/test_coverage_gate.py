"""The coverage gate on real coverage.py data from real pytest runs of fixture projects."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import coverage
import pytest
from conftest import git
from coverage.results import Numbers
from pytest_projects import build, commit, gates, recorded, without_plugin_autoload, write

from gates import coverage_gate, testrun
from gates.changed_lines import ChangedLines
from gates.config import CoverageConfig
from gates.coverage_gate import CoverageEvidence, FileCoverage
from gates.evidence import META_FILE, file_digest, read_stamp
from gates.workspace import Workspace

MOD_70 = """\
def used():
    a = 1
    return a


def unused():
    b = 2
    c = 3
    return b + c


X = used()
Y = 1
Z = 2
"""
"""10 statements, lines 7-9 never run: 70%."""

TEST_70 = "from pkg.mod import used\n\n\ndef test_used():\n    assert used() == 1\n"


def coverage_toml(gate: str) -> str:
    """Measure ``pkg`` (relative paths, so shards from other checkouts combine) and gate it."""
    return (
        '[tool.coverage.run]\nsource = ["pkg"]\nrelative_files = true\n\n'
        '[tool.gates]\nrequired = ["coverage"]\n\n'
        f"[tool.gates.coverage]\n{gate}"
    )


def project_70(root: Path, gate: str) -> Path:
    files = {"pkg/__init__.py": "", "pkg/mod.py": MOD_70, "tests/test_mod.py": TEST_70}
    return build(root, files, coverage_toml(gate))


def measure(root: Path, *args: str) -> Path:
    run = gates(root, "tests", *args)
    assert run.code == 0, run.out + run.err
    return root


def assert_no_go(root: Path, reason: str) -> None:
    decide = gates(root, "decide", "--json")
    assert decide.code == 1
    assert decide.json["verdict"] == "NO_GO"
    assert decide.json["reasons"] == [f"coverage: ERROR ({reason})"]


@pytest.fixture(scope="module", autouse=True)
def _no_plugin_autoload() -> Iterator[None]:
    with without_plugin_autoload():
        yield


@pytest.fixture(scope="module")
def measured_80(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 70% project gated at 80%, with evidence from ``gates tests``."""
    return measure(project_70(tmp_path_factory.mktemp("seventy") / "project", "min_total = 80\n"))


@pytest.fixture
def copy_80(measured_80: Path, tmp_path: Path) -> Path:
    """A copy of the measured project (same tree) that a test may break."""
    root = tmp_path / "project"
    shutil.copytree(measured_80, root, symlinks=True)
    return root


def stamp_again(evidence: Path) -> None:
    """Stamp the folder's files as if the run had left them: what coverage.py makes of a data
    file is under test, not the stamp (a file added after the run is refused before that)."""
    stamp = read_stamp(evidence)
    assert stamp is not None
    left = testrun.evidence_paths(evidence)
    replace(stamp, files={p.name: file_digest(p) for p in left if p.name != META_FILE}).write(
        evidence
    )


# Thresholds ---------------------------------------------------------------------------------


def test_total_below_target_fails_with_target_current_and_gap(measured_80: Path) -> None:
    run = gates(measured_80, "coverage")
    assert run.code == 1
    lines = [line.split() for line in run.out.splitlines()]
    assert lines[0] == ["coverage:", "FAIL", "—", "total", "70%", "<", "80%", "(gap", "10%)"]
    assert lines[1:3] == [["Area", "Target", "Current", "Gap"], ["total", "80%", "70%", "10%"]]
    assert "pkg/mod.py:7: 70% covered, missing 7-9" in run.out  # the worst files

    result = gates(measured_80, "coverage", "--json").json
    assert result["status"] == "FAIL"
    assert result["summary"] == "total 70% < 80% (gap 10%)"
    assert result["thresholds"] == [
        {
            "area": "total",
            "target": 80.0,
            "current": 70.0,
            "unit": "%",
            "higher_is_better": True,
            "gap": 10.0,
            "met": False,
            "key": "min_total",
            "accepted": None,
        }
    ]
    metrics = result["metrics"]
    assert isinstance(metrics, dict)
    assert (metrics["percent_covered"], metrics["statements"], metrics["missing_lines"]) == (
        70.0,
        10,
        3,
    )
    assert recorded(measured_80, "coverage")["tree"] == Workspace.at(measured_80).tree_id()


def test_total_above_target_passes(tmp_path: Path) -> None:
    root = measure(project_70(tmp_path / "project", "min_total = 60\n"))
    run = gates(root, "coverage", "--json")
    assert run.code == 0
    assert (run.json["status"], run.json["summary"]) == ("PASS", "total 70% (min 60%)")
    decide = gates(root, "decide", "--json")
    assert (decide.code, decide.json["verdict"]) == (0, "GO")


def test_inputs_are_kept_after_judging(measured_80: Path) -> None:
    before = sorted(p.name for p in (measured_80 / ".gates/evidence").iterdir())
    gates(measured_80, "coverage")
    assert sorted(p.name for p in (measured_80 / ".gates/evidence").iterdir()) == before
    assert any(name.startswith(".coverage.") for name in before)


PART_40 = """\
def f():
    return 1


def g():
    x = 1
    y = 2
    z = 3
    w = 4
    v = 5
    return x + y + z + w + v


VALUE = 1
"""
"""10 statements, 4 run when only f() is called: 40%."""


def test_each_path_group_is_judged_against_its_own_target(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/a/__init__.py": "",
        "pkg/a/full.py": "def one():\n    return 1\n",
        "pkg/b/__init__.py": "",
        "pkg/b/part.py": PART_40,
        "tests/test_ab.py": (
            "from pkg.a.full import one\nfrom pkg.b.part import f\n\n\n"
            "def test_both():\n    assert one() == f() == 1\n"
        ),
    }
    gate = 'paths = { "pkg/a/*" = 100, "pkg/b/*" = 50 }\n'
    root = measure(build(tmp_path / "project", files, coverage_toml(gate)))
    run = gates(root, "coverage", "--json")
    assert run.code == 1
    assert run.json["summary"] == "pkg/b/* 40% < 50% (gap 10%)"
    rows = run.json["thresholds"]
    assert isinstance(rows, list)
    assert [(r["area"], r["current"], r["met"]) for r in rows] == [
        ("pkg/a/*", 100.0, True),
        ("pkg/b/*", 40.0, False),
    ]


def test_changed_lines_fail_on_an_untested_function_while_total_passes(tmp_path: Path) -> None:
    base = "def used():\n    a = 1\n    return a\n\n\nX = used()\n"
    files = {"pkg/__init__.py": "", "pkg/mod.py": base, "tests/test_mod.py": TEST_70}
    gate = 'min_total = 50\nmin_changed_lines = 80\nbase_ref = "main"\n'
    root = build(tmp_path / "project", files, coverage_toml(gate))
    git(root, "checkout", "-q", "-b", "feature")
    write(root, "pkg/mod.py", base + "\n\ndef added(x):\n    y = x + 1\n    return y * 2\n")
    commit(root, "an untested function")
    write(root, "pkg/mod.py", (root / "pkg/mod.py").read_text().replace("a = 1", "a = 0 + 1"))
    write(root, "pkg/extra.py", "def extra():\n    return 1\n")  # untracked, never imported
    measure(root)

    run = gates(root, "coverage", "--json")
    assert run.code == 1
    # Changed: line 2 (unstaged, covered), 9-11 (committed, def covered), extra.py 1-2 (untracked).
    assert run.json["summary"] == (
        "changed lines 33.33% < 80% (gap 46.67%): pkg/extra.py:1, pkg/mod.py:10"
    )
    rows = run.json["thresholds"]
    assert isinstance(rows, list)
    assert [(r["area"], r["current"], r["met"]) for r in rows] == [
        ("total", 55.55, True),
        ("changed lines", 33.33, False),
    ]
    findings = run.json["findings"]
    assert isinstance(findings, list)
    changed = [
        (f["file"], f["line"], f["message"]) for f in findings if f["rule"] == "changed-lines"
    ]
    assert changed == [
        ("pkg/extra.py", 1, "changed lines 1-2 not covered"),
        ("pkg/mod.py", 10, "changed lines 10-11 not covered"),
    ]
    details = run.json["details"]
    assert isinstance(details, dict)
    assert details["changed_lines"] == {
        "base_ref": "main",
        "merge_base": git(root, "rev-parse", "main"),
        "executable": 6,
        "covered": 2,
        "uncovered": {"pkg/extra.py": "1-2", "pkg/mod.py": "10-11"},
    }


ONE = "def one(x):\n    if x:\n        return 1\n    return 0\n"


def test_two_shards_combined_equal_one_full_run(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/one.py": ONE,
        "pkg/two.py": ONE.replace("one", "two"),
        "tests/test_one.py": "from pkg.one import one\n\n\ndef test_1():\n    assert one(1)\n",
        "tests/test_two.py": "from pkg.two import two\n\n\ndef test_2():\n    assert not two(0)\n",
    }
    root = build(tmp_path / "project", files, coverage_toml("min_total = 50\n"))
    # Each half runs in its own checkout, as on two CI machines; their evidence is the artifact.
    shards = []
    for index, half in enumerate(("one", "two"), start=1):  # gates.shard deals sorted files
        clone = tmp_path / f"shard-{half}"
        subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
        measure(clone, "--", "-p", "gates.shard", f"--shard={index}/2")
        shards.append(clone / ".gates/evidence")

    def percent(*data: Path) -> object:
        run = gates(root, "coverage", "--json", *(f"--data={path}" for path in data))
        metrics = run.json["metrics"]
        assert isinstance(metrics, dict)
        return metrics["percent_covered"]

    combined = percent(*shards)
    measure(root)
    assert combined == percent() == 66.66  # the full run, from .gates/evidence
    assert (tmp_path / "shard-one/.gates/evidence/meta.json").exists()  # inputs kept


def test_shards_with_absolute_paths_from_another_checkout_are_an_error(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "", "pkg/mod.py": MOD_70, "tests/test_mod.py": TEST_70}
    toml = coverage_toml("min_total = 50\n").replace("relative_files = true\n", "")
    root = build(tmp_path / "project", files, toml)
    clone = tmp_path / "ci-machine"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    measure(clone)
    shutil.copytree(clone / ".gates/evidence", tmp_path / "artifact")
    shutil.rmtree(clone)  # the CI machine is gone; its data names files under its own path
    reason = (
        f"coverage.py: No source for code: '{clone}/pkg/__init__.py'. (data from another machine? "
        f"set [tool.coverage.run] relative_files = true)"
    )
    run = gates(root, "coverage", f"--data={tmp_path / 'artifact'}")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")


def test_a_folder_of_shard_artifacts_is_searched(tmp_path: Path, copy_80: Path) -> None:
    artifacts = tmp_path / "artifacts"
    shutil.copytree(copy_80 / ".gates/evidence", artifacts / "shard-1")
    shutil.rmtree(copy_80 / ".gates/evidence")
    run = gates(copy_80, "coverage", "--json", f"--data={artifacts}")
    assert run.json["summary"] == "total 70% < 80% (gap 10%)"
    details = run.json["details"]
    assert isinstance(details, dict)
    (data_file,) = details["data_files"]
    assert isinstance(data_file, str)
    assert data_file.startswith(f"{artifacts}/shard-1/.coverage.")


# Fail closed --------------------------------------------------------------------------------


def test_no_data_is_an_error(copy_80: Path) -> None:
    shutil.rmtree(copy_80 / ".gates/evidence")
    reason = (
        f"no coverage data in {copy_80}/.gates/evidence (run 'gates tests' first, or pass --data)"
    )
    run = gates(copy_80, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert recorded(copy_80, "coverage")["status"] == "ERROR"
    assert_no_go(copy_80, reason)


def test_data_for_another_tree_is_an_error(copy_80: Path) -> None:
    measured = Workspace.at(copy_80).tree_id()
    write(copy_80, "pkg/mod.py", MOD_70 + "W = 3\n")
    current = Workspace.at(copy_80).tree_id()
    reason = (
        f"{copy_80}/.gates/evidence/meta.json: coverage data from another tree ({measured[:12]}, "
        f"current tree is {current[:12]}): re-run 'gates tests'"
    )
    run = gates(copy_80, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert_no_go(copy_80, reason)


def test_data_without_meta_is_an_error(copy_80: Path) -> None:
    (copy_80 / ".gates/evidence/meta.json").unlink()
    reason = (
        f"{copy_80}/.gates/evidence/meta.json: missing, so the coverage data beside it cannot be "
        f"tied to this tree (produce evidence with 'gates tests')"
    )
    run = gates(copy_80, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert_no_go(copy_80, reason)


def test_unreadable_meta_is_an_error(copy_80: Path) -> None:
    meta_path = copy_80 / ".gates/evidence/meta.json"
    meta_path.write_text("{}")
    reason = f"{meta_path}: no tree id (key 'tree')"
    run = gates(copy_80, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert_no_go(copy_80, reason)


@pytest.mark.parametrize(
    ("narrowed", "reason"),
    [
        (
            "-k from outside the tree (PYTEST_ADDOPTS)",
            "{evidence}: coverage data from a run narrowed by -k from outside the tree"
            " (PYTEST_ADDOPTS): it judges part of the suite, not this tree (re-run 'gates tests'"
            " without it)",
        ),
        (["-k"], "{evidence}/meta.json: 'narrowed' is not a string"),
    ],
)
def test_data_from_a_narrowed_run_is_an_error(copy_80: Path, narrowed: object, reason: str) -> None:
    meta_path = copy_80 / ".gates/evidence/meta.json"
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), "narrowed": narrowed}))
    reason = reason.format(evidence=copy_80 / ".gates/evidence")
    run = gates(copy_80, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert_no_go(copy_80, reason)


def test_data_from_an_unfinished_run_is_an_error(copy_80: Path) -> None:
    meta_path = copy_80 / ".gates/evidence/meta.json"
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), "pytest_exit_code": 2}))
    reason = (
        f"{copy_80}/.gates/evidence: coverage data from a pytest run that did not finish (exit 2)"
    )
    run = gates(copy_80, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert_no_go(copy_80, reason)


def test_data_with_no_measured_files_is_an_error(copy_80: Path) -> None:
    evidence = copy_80 / ".gates/evidence"
    for data_file in evidence.glob(".coverage.*"):
        data_file.unlink()
    script = copy_80.parent / "nothing.py"
    script.write_text("X = 1\n")
    data_file = evidence / ".coverage.empty"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "run",
            "--source=not_imported",
            f"--data-file={data_file}",
            script,
        ],
        check=True,
        capture_output=True,
        env=testrun.child_environment(),
    )
    stamp_again(evidence)
    reason = "coverage.py: the data has no measured files"
    run = gates(copy_80, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert_no_go(copy_80, reason)


def test_an_unreadable_data_file_is_an_error_not_skipped(copy_80: Path) -> None:
    garbage = copy_80 / ".gates/evidence/.coverage.garbage"
    garbage.write_text("not a database")
    stamp_again(garbage.parent)
    reason = (
        f"coverage.py: Couldn't use data file '{garbage}': file is not a database: (SQLITE_NOTADB)"
    )
    run = gates(copy_80, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert_no_go(copy_80, reason)


def test_a_shard_without_branch_data_is_an_error(copy_80: Path) -> None:
    statements_only = copy_80 / ".gates/evidence/.coverage.statements"
    data = coverage.CoverageData(basename=str(statements_only))
    data.add_lines({str(copy_80 / "pkg/mod.py"): [1, 2]})
    data.write()
    stamp_again(statements_only.parent)
    (branch_data,) = (copy_80 / ".gates/evidence").glob(".coverage.*.*.*")
    reason = (
        "coverage.py: Can't combine branch coverage data with statement data: data file "
        f"'{branch_data}' measured branch coverage, but data file '<combined data>' didn't"
    )
    run = gates(copy_80, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert_no_go(copy_80, reason)


def test_a_data_file_can_be_named_directly(copy_80: Path) -> None:
    (data_file,) = (copy_80 / ".gates/evidence").glob(".coverage.*")
    run = gates(copy_80, "coverage", "--json", f"--data={data_file}")
    assert (run.code, run.json["summary"]) == (1, "total 70% < 80% (gap 10%)")


def test_a_missing_data_path_is_an_error(copy_80: Path) -> None:
    missing = copy_80 / "nowhere"
    run = gates(copy_80, "coverage", f"--data={missing}")
    assert (run.code, run.err) == (
        2,
        f"gates: error: {missing}: no such coverage data file or folder\n",
    )


def test_a_glob_matching_no_file_is_an_error(tmp_path: Path) -> None:
    root = measure(project_70(tmp_path / "project", 'paths = { "pkg/nothing/*" = 50 }\n'))
    run = gates(root, "coverage", "--json")
    assert run.code == 2
    reason = "paths: 'pkg/nothing/*' matches no measured file"
    assert (run.json["status"], run.json["summary"]) == ("ERROR", reason)
    assert_no_go(root, reason)


def test_an_unknown_base_ref_is_an_error(tmp_path: Path) -> None:
    gate = 'min_changed_lines = 90\nbase_ref = "origin/nope"\n'
    root = measure(project_70(tmp_path / "project", gate))
    reason = (
        f"base_ref 'origin/nope' is not a known git ref in {root} (fetch it, or set "
        f"[tool.gates.coverage] base_ref)"
    )
    run = gates(root, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert_no_go(root, reason)

    # The ref now exists but shares no history with HEAD (refs do not change the tree).
    empty_tree = git(root, "hash-object", "-t", "tree", "/dev/null")
    orphan = git(root, "commit-tree", empty_tree, "-m", "unrelated")
    git(root, "update-ref", "refs/remotes/origin/nope", orphan)
    reason = f"base_ref 'origin/nope' shares no history with HEAD in {root}"
    run = gates(root, "coverage")
    assert (run.code, run.err) == (2, f"gates: error: {reason}\n")
    assert_no_go(root, reason)


# Config -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gate", "message"),
    [
        (
            'paths = { "pkg/*" = "high" }\n',
            "pyproject.toml:17: tool.gates.coverage.paths.pkg/*: expected a number, got a string",
        ),
        (
            "min_total = 120\n",
            "pyproject.toml:17: tool.gates.coverage.min_total: must be between 0 and 100, got 120",
        ),
        ("min_totl = 80\n", "pyproject.toml:17: tool.gates.coverage.min_totl: unknown key"),
        ('base_ref = ""\n', "pyproject.toml:17: tool.gates.coverage.base_ref: empty git ref"),
        (
            'paths = { "" = 50 }\n',
            "pyproject.toml:17: tool.gates.coverage.paths.: empty glob",
        ),
        (
            'base_ref = "main"\n',
            "pyproject.toml: tool.gates.coverage: no threshold configured "
            "(set min_total, paths or min_changed_lines)",
        ),
    ],
)
def test_bad_config_is_one_line_exit_2(tmp_path: Path, gate: str, message: str) -> None:
    root = project_70(tmp_path / "project", gate)
    run = gates(root, "coverage")
    assert (run.code, run.out, run.err) == (2, "", f"gates: error: {message}\n")


# Pure judging -------------------------------------------------------------------------------


def file_coverage(path: str, statements: int, missing: set[int]) -> FileCoverage:
    numbers = Numbers(n_files=1, n_statements=statements, n_missing=len(missing))
    return FileCoverage(
        path=path,
        numbers=numbers,
        statements=frozenset(range(1, statements + 1)),
        missing=frozenset(missing),
        missing_text=", ".join(str(n) for n in sorted(missing)),
    )


def test_percent_is_floored_so_a_near_miss_never_passes() -> None:
    # 7999 of 10000 statements: 79.99%, which coverage.py's 0-decimal report shows as 80%.
    evidence = CoverageEvidence(
        files=(file_coverage("a.py", 10000, set(range(1, 2002))),), data_files=()
    )
    result = coverage_gate.judge(evidence, CoverageConfig(min_total=80))
    assert (result.status.value, result.summary) == ("FAIL", "total 79.99% < 80% (gap 0.01%)")


def test_a_pass_names_the_headline_and_counts_the_rest() -> None:
    files = (file_coverage("pkg/a.py", 10, {1, 2}), file_coverage("pkg/b.py", 10, set()))
    evidence = CoverageEvidence(files=files, data_files=())
    config = CoverageConfig(min_total=85, paths={"pkg/b*": 100, "pkg/*": 90})
    result = coverage_gate.judge(evidence, config)
    assert (result.status.value, result.summary) == (
        "PASS",
        "total 90% (min 85%); all 3 thresholds met",
    )
    assert [(t.area, t.current) for t in result.thresholds] == [
        ("total", 90.0),
        ("pkg/b*", 100.0),
        ("pkg/*", 90.0),
    ]


def test_worst_files_come_first_and_are_limited() -> None:
    files = (
        file_coverage("good.py", 10, {1}),
        file_coverage("bad.py", 10, {1, 2, 3, 4, 5}),
        file_coverage("full.py", 10, set()),
        file_coverage("worse.py", 10, {2, 3, 4, 5, 6, 7}),
    )
    evidence = CoverageEvidence(files=files, data_files=())
    result = coverage_gate.judge(evidence, CoverageConfig(min_total=0, worst_files=2))
    assert [(f.location, f.message) for f in result.findings] == [
        ("worse.py:2", "40% covered, missing 2, 3, 4, 5, 6, 7"),
        ("bad.py:1", "50% covered, missing 1, 2, 3, 4, 5"),
    ]


def test_evidence_without_files_is_an_error() -> None:
    result = coverage_gate.judge(CoverageEvidence(files=(), data_files=()), CoverageConfig())
    assert (result.status.value, result.summary) == (
        "ERROR",
        "the coverage data has no measured files",
    )


def test_changed_lines_must_have_been_collected_when_judged() -> None:
    evidence = CoverageEvidence(files=(file_coverage("a.py", 1, set()),), data_files=())
    with pytest.raises(ValueError) as refused:
        coverage_gate.judge(evidence, CoverageConfig(min_changed_lines=90))
    assert "no changed lines were collected" in str(refused.value)


def test_no_changed_executable_lines_meets_the_target() -> None:
    changed = ChangedLines(base_ref="main", merge_base="abc", lines={"docs.md": frozenset({1})})
    evidence = CoverageEvidence(
        files=(file_coverage("a.py", 4, {4}),), data_files=(), changed=changed
    )
    result = coverage_gate.judge(evidence, CoverageConfig(min_changed_lines=90))
    assert (result.status.value, result.summary) == ("PASS", "changed lines 100% (min 90%)")


def test_uncovered_runs_split_at_covered_statements() -> None:
    changed = ChangedLines("main", "abc", {"a.py": frozenset({1, 2, 3, 4, 5, 6, 9})})
    evidence = CoverageEvidence(
        files=(file_coverage("a.py", 10, {2, 3, 5, 9}),), data_files=(), changed=changed
    )
    result = coverage_gate.judge(evidence, CoverageConfig(min_changed_lines=50, worst_files=0))
    assert [(f.location, f.message) for f in result.findings] == [
        ("a.py:2", "changed lines 2-3 not covered"),
        ("a.py:5", "changed line 5 not covered"),
        ("a.py:9", "changed line 9 not covered"),
    ]
    assert result.summary == ("changed lines 42.85% < 50% (gap 7.15%): a.py:2, a.py:5, a.py:9")


def test_the_summary_names_the_first_five_uncovered_runs() -> None:
    odd = frozenset(range(1, 15, 2))
    changed = ChangedLines("main", "abc", {"a.py": frozenset(range(1, 15))})
    evidence = CoverageEvidence(
        files=(file_coverage("a.py", 14, set(odd)),), data_files=(), changed=changed
    )
    result = coverage_gate.judge(evidence, CoverageConfig(min_changed_lines=90, worst_files=0))
    assert result.summary == (
        "changed lines 50% < 90% (gap 40%): a.py:1, a.py:3, a.py:5, a.py:7, a.py:9 and 2 more"
    )


def test_judging_in_process_leaves_an_outer_coverage_run_alone(
    measured_80: Path, tmp_path: Path
) -> None:
    """gates' own suite runs under coverage (relative_files = true) and judges fixture data
    in-process: the outer run must still record its paths relative to its own folder."""
    outer = tmp_path / "outer"
    outer.mkdir()
    (outer / ".coveragerc").write_text("[run]\nrelative_files = true\nsource = .\n")
    (outer / "helper.py").write_text("def f():\n    return 1\n")
    (outer / "judge.py").write_text(
        "from pathlib import Path\n"
        "from gates import coverage_gate\n"
        "import helper\n"
        f"root = Path({str(measured_80)!r})\n"
        "coverage_gate.analyse(root, sorted((root / '.gates/evidence').glob('.coverage.*')))\n"
        "helper.f()\n"
    )
    env = {
        **testrun.child_environment(),
        "PYTHONPATH": str(Path(coverage_gate.__file__).parents[1]),
    }
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "judge.py"], cwd=outer, env=env, check=True
    )
    data = coverage.CoverageData(basename=str(outer / ".coverage"))
    data.read()
    assert sorted(data.measured_files()) == ["helper.py", "judge.py"]


# A waiver that accepts a lower floor ---------------------------------------------------------


def _accepting(root: Path, accept: int, *, until: str = 'expires_version = "9.0"\n') -> Path:
    """The 70% project gated at 80%, with a coverage waiver that accepts ``accept``%."""
    waiver = (
        '\n[[tool.gates.waivers]]\ngate = "coverage"\nreason = "ratchet up in 0.2"\n'
        f'owner = "qa"\naccept = {{ min_total = {accept} }}\n{until}'
    )
    return measure(project_70(root, "min_total = 80\n" + waiver))


def test_a_waiver_accepting_a_lower_floor_ships_with_both_figures(tmp_path: Path) -> None:
    root = _accepting(tmp_path / "project", 65)
    assert gates(root, "coverage").code == 1  # the gate itself still holds the real target

    decide = gates(root, "decide", "--json")

    assert (decide.code, decide.json["verdict"]) == (0, "GO_WITH_WAIVERS")
    row = decide.json["gates"][0]
    assert (row["status"], row["waived"]) == ("WARN", True)
    threshold = row["result"]["thresholds"][0]
    assert (threshold["target"], threshold["accepted"], threshold["current"]) == (80, 65, 70)


def test_below_the_accepted_floor_is_no_go(tmp_path: Path) -> None:
    root = _accepting(tmp_path / "project", 75)
    assert gates(root, "coverage").code == 1

    decide = gates(root, "decide", "--json")

    assert (decide.code, decide.json["verdict"]) == (1, "NO_GO")
    assert decide.json["gates"][0]["status"] == "FAIL"


def test_an_accepting_waiver_past_its_version_is_no_go(tmp_path: Path) -> None:
    root = _accepting(tmp_path / "project", 65, until='expires_version = "0.1.0"\n')
    assert gates(root, "coverage").code == 1

    decide = gates(root, "decide", "--json")

    assert (decide.code, decide.json["verdict"]) == (1, "NO_GO")
    assert [w["gate"] for w in decide.json["expired_waivers"]] == ["coverage"]
