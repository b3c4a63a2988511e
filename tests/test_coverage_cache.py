"""Cached per-file analyses: a warm run equals coverage.py's own analysis, whatever changed, and
a cache that was edited, corrupted or sealed elsewhere is ignored, never trusted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import coverage
import pytest
from coverage_cache_support import cache_file, forged

from gates import coverage_cache, coverage_gate
from gates.coverage_gate import FileCoverage

MODULE = """\
def grow(x):
    if x > 0:
        return x * 2
    return -x


def never(x):  # pragma: no cover
    return x


def untested(x):
    for k in range(x):
        x += k
    return x
"""


@pytest.fixture(autouse=True)
def seal_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seal's key in this test's own folder, not the user's."""
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def project(root: Path, modules: int = 3, exclude: str = "", branch: bool = True) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").touch()
    for n in range(modules):
        (root / "pkg" / f"m{n}.py").write_text(MODULE)
    (root / "pyproject.toml").write_text(
        '[tool.coverage.run]\nsource = ["pkg"]\nrelative_files = true\n'
        f"branch = {str(branch).lower()}\n"
        f"[tool.coverage.report]\nexclude_also = [{exclude}]\n"
    )
    return root


def measure(root: Path, calls: str = "grow(1)") -> Path:
    """Import every module and call ``calls`` in each, under coverage."""
    runner = root.parent / "runner.py"
    runner.write_text(
        "import importlib, pathlib\n"
        "for path in sorted(pathlib.Path('pkg').glob('m*.py')):\n"
        "    m = importlib.import_module(f'pkg.{path.stem}')\n"
        f"    m.{calls}\n"
    )
    data = root / ".coverage"
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", f"--data-file={data}", str(runner)],
        cwd=root,
        check=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )
    return data


def uncached(root: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[FileCoverage, ...]:
    """coverage.py's own analysis of every file: no seal key, so no cache read or written."""
    with monkeypatch.context() as patch:
        patch.setattr(coverage_cache, "seal_key", lambda: None)
        return coverage_gate.analyse(root, [data])


def test_a_warm_run_equals_coverage_reports_own_analysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "project")
    data = measure(root)
    cold = coverage_gate.analyse(root, [data])
    assert len(json.loads(cache_file(root).read_text())["entries"]) == 4
    warm = coverage_gate.analyse(root, [data])
    assert warm == cold == uncached(root, data, monkeypatch)
    total = coverage_gate._sum(file.numbers for file in warm)
    report = subprocess.run(
        [sys.executable, "-m", "coverage", "report", f"--data-file={data}", "--format=total"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert report.stdout.strip() == total.pc_covered_str == "42"
    assert [file.missing_text for file in warm][1:] == ["4, 12-14"] * 3


@pytest.mark.parametrize("change", ["source", "measured", "exclusions"])
def test_what_decides_an_analysis_changes_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    root = project(tmp_path / "project")
    data = measure(root)
    before = coverage_gate.analyse(root, [data])
    if change == "source":
        (root / "pkg" / "m1.py").write_text(MODULE + "\n\ndef added():\n    return 1\n")
        data = measure(root)
    elif change == "measured":
        data = measure(root, calls="untested(2)")
    else:
        project_file = root / "pyproject.toml"
        project_file.write_text(project_file.read_text().replace("[]", '["return -x"]'))
    after = coverage_gate.analyse(root, [data])
    assert after == uncached(root, data, monkeypatch)
    assert after != before


@pytest.mark.parametrize(
    "tamper",
    [
        lambda root: forged(root, seal=None),  # edited: the seal no longer verifies
        lambda root: forged(root, seal=b"k" * 32),  # sealed with another key (another machine)
        lambda root: cache_file(root).write_bytes(b"\x00not json\xff"),
        lambda root: cache_file(root).write_text('{"schema": 1, "entries": [1, 2]}'),
        lambda root: cache_file(root).write_text(
            json.dumps({"schema": 1, "entries": {"k": {"value": 1, "mac": None}}})
        ),
    ],
    ids=["edited", "other-seal", "garbage", "wrong-shape", "wrong-entry"],
)
def test_a_tampered_cache_cannot_raise_coverage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tamper: object
) -> None:
    root = project(tmp_path / "project")
    data = measure(root)
    honest = coverage_gate.analyse(root, [data])
    assert callable(tamper)
    tamper(root)
    assert coverage_gate.analyse(root, [data]) == honest
    assert coverage_gate.analyse(root, [data]) == honest  # and the cache was written anew
    assert len(json.loads(cache_file(root).read_text())["entries"]) == 4


def test_a_forged_seal_key_file_disables_the_cache(tmp_path: Path, seal_home: Path) -> None:
    key = seal_home / coverage_cache.KEY_FILE
    key.parent.mkdir(parents=True)
    key.write_bytes(b"short")
    root = project(tmp_path / "project")
    data = measure(root)
    assert len(coverage_gate.analyse(root, [data])) == 4
    assert not cache_file(root).exists()


def test_the_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coverage_cache, "MAX_ENTRIES", 6)
    root = project(tmp_path / "project", modules=4)
    data = measure(root)
    coverage_gate.analyse(root, [data])
    data = measure(root, calls="untested(1)")  # every module's entry is new
    coverage_gate.analyse(root, [data])
    entries = json.loads(cache_file(root).read_text())["entries"]
    assert len(entries) == 6  # this run's five, then the newest of the others


@pytest.mark.parametrize("branch", [True, False], ids=["arcs", "lines"])
def test_measured_data_read_in_one_query_equals_coverage_pys_per_file_answers(
    tmp_path: Path, branch: bool
) -> None:
    root = project(tmp_path / "project", branch=branch)
    data_file = measure(root)
    data = coverage.CoverageData(str(data_file))
    data.read()
    per_file = {
        path: sorted(data.arcs(path) or ()) if branch else sorted(data.lines(path) or ())
        for path in data.measured_files()
    }
    assert coverage_cache.measured_by_file(data_file) == per_file
    assert len(per_file) == 4 and all(per_file.values())
    data_file.write_bytes(b"not a database")
    assert coverage_cache.measured_by_file(data_file) is None  # asked file by file instead
