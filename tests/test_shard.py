"""The every-Nth-file shard plugin, through real pytest runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gates import shard
from gates.cli import main

REPO = Path(shard.__file__).resolve().parent.parent


def _suite(root: Path, files: int = 5) -> None:
    for number in range(files):
        (root / f"test_{number}.py").write_text(
            f"def test_a():\n    pass\n\n\ndef test_b():\n    assert {number} >= 0\n"
        )


class _Collected:
    """Records the items a nested pytest session kept."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.ids = [item.nodeid for item in session.items]


def _collected(
    root: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[str], str]:
    """Collect ``root``'s tests in-process (so the plugin is measured) with ``args``."""
    collected = _Collected()
    options = ["--collect-only", "-q", "-p", "no:cacheprovider", "--import-mode=importlib"]
    code = pytest.main(
        [*options, "--rootdir", str(root), "-p", "gates.shard", *args, str(root)],
        plugins=[collected],
    )
    out, err = capsys.readouterr()
    return int(code), collected.ids, out + err


def test_shards_are_disjoint_and_cover_the_suite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _suite(tmp_path)
    _, everything, _ = _collected(tmp_path, capsys)
    shards = [_collected(tmp_path, capsys, f"--shard={k}/2")[1] for k in (1, 2)]
    assert len(everything) == 10
    assert sorted(shards[0] + shards[1]) == sorted(everything)
    assert not set(shards[0]) & set(shards[1])
    # Whole files stay together, dealt out in sorted order.
    assert {i.split("::")[0] for i in shards[0]} == {"test_0.py", "test_2.py", "test_4.py"}
    assert {i.split("::")[0] for i in shards[1]} == {"test_1.py", "test_3.py"}


def test_more_shards_than_files_leaves_some_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _suite(tmp_path, files=1)
    code, ids, _ = _collected(tmp_path, capsys, "--shard=2/2")
    assert (code, ids) == (5, [])  # pytest's "no tests collected"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("3/2", "--shard: K must be between 1 and N, got '3/2'"),
        ("0/2", "--shard: K must be between 1 and N, got '0/2'"),
        ("half", "--shard: expected K/N (e.g. 1/2), got 'half'"),
    ],
)
def test_bad_spec_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, message: str
) -> None:
    _suite(tmp_path, files=1)
    code, _, output = _collected(tmp_path, capsys, f"--shard={spec}")
    assert code == 4
    assert message in output


def test_select_is_every_nth_sorted_file() -> None:
    files = ["b.py", "a.py", "c.py", "a.py", "d.py"]
    assert shard.select(files, 1, 3) == {"a.py", "d.py"}
    assert shard.select(files, 3, 3) == {"c.py"}


SHARDED_PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"

[tool.coverage.run]
branch = true
source = ["demo"]

[tool.gates]
required = ["coverage", "buckets"]

[tool.gates.coverage]
min_total = 10
"""


def test_two_shards_judge_like_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gates job's commands on two shard folders give one unsharded run's numbers."""
    root = tmp_path / "project"
    (root / "demo").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(SHARDED_PYPROJECT)
    (root / ".gitignore").write_text(".gates/\n")
    functions = "".join(
        f"def f{n}(x):\n    if x:\n        return {n}\n    return -{n}\n\n\n" for n in range(6)
    )
    (root / "demo/__init__.py").write_text(functions)
    for n in range(4):  # f4, f5 untested; a failing test and a skipped one for the counts
        (root / f"tests/test_f{n}.py").write_text(
            f"import pytest\n\nfrom demo import f{n}\n\n\ndef test_true():\n"
            f"    assert f{n}(True) == {n}\n\n\ndef test_odd():\n    assert {n} % 2 == 0\n\n\n"
            f"@pytest.mark.skip\ndef test_skipped():\n    pass\n"
        )
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(root), str(REPO)]))

    def gates(*args: str) -> tuple[int, dict[str, object]]:
        capsys.readouterr()
        code = main([*args[:1], "--root", str(root), "--json", *args[1:]])
        out, err = capsys.readouterr()
        assert "{" in out, err
        return code, json.loads(out[out.index("{") :])

    shards = tmp_path / "shards"
    for k in (1, 2):
        assert gates("tests", "--evidence", "--", "-p", "gates.shard", f"--shard={k}/2")[0] == 0
        shutil.move(root / ".gates/evidence", shards / f"py3.11-shard{k}")
    _, sharded_coverage = gates("coverage", "--data", str(shards))
    _, sharded_buckets = gates("buckets", "--junit", str(shards))

    assert gates("tests", "--evidence")[0] == 0
    _, coverage = gates("coverage")
    _, buckets = gates("buckets")

    assert sharded_coverage["metrics"] == coverage["metrics"]
    assert 40 < coverage["metrics"]["percent_covered"] < 90  # type: ignore[index, operator]
    counts = ("passed", "failed", "skipped", "total")
    assert {k: sharded_buckets["metrics"][k] for k in counts} == {  # type: ignore[index]
        k: buckets["metrics"][k]
        for k in counts  # type: ignore[index]
    }
    assert buckets["metrics"]["failed"] == 2  # type: ignore[index]
