"""Issue 3 figures: tree id on a 5,000-file repository; `gates lint` vs bare `ruff check`.

Run by `nox -s bench` (or `python benchmarks/bench_foundation.py`); prints Markdown tables.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from timing import median_s

from gates.workspace import Workspace

RUNS = 7


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def make_repo(root: Path, files: int, commit: bool) -> None:
    git(root, "init", "-q")
    for i in range(files):
        path = root / f"pkg{i % 50}" / f"mod_{i}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(
            f'"""Module {i}."""\n\nVALUE_{i} = {i}\n\n\ndef f_{i}() -> int:\n'
            f"    return VALUE_{i} * 2\n"
        )
    if commit:
        git(root, "add", "-A")
        git(root, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "base")


def bench_tree_id(scratch: Path) -> list[tuple[str, str, str]]:
    rows = []
    committed = scratch / "committed"
    committed.mkdir()
    make_repo(committed, 5000, commit=True)
    for i in range(20):  # a typical working tree: a few edits and new files
        (committed / f"pkg{i}" / f"mod_{i}.py").write_text(f"EDITED = {i}\n")
        (committed / f"new_{i}.py").write_text(f"NEW = {i}\n")
    workspace = Workspace.at(committed)
    workspace.tree_id()
    rows.append(
        (
            "5,000 tracked files, 20 edited + 20 untracked",
            f"{median_s(workspace.tree_id, RUNS):.3f} s",
            "≤ 0.5 s",
        )
    )
    untracked = scratch / "untracked"
    untracked.mkdir()
    make_repo(untracked, 5000, commit=False)
    workspace = Workspace.at(untracked)
    rows.append(
        (
            "5,000 untracked files (no index yet)",
            f"{median_s(workspace.tree_id, RUNS):.3f} s",
            "≤ 0.5 s",
        )
    )
    return rows


def bench_lint(scratch: Path) -> list[tuple[str, str, str]]:
    project = scratch / "lint"
    project.mkdir()
    make_repo(project, 500, commit=True)
    (project / "pyproject.toml").write_text('[project]\nname = "b"\nversion = "0"\n')
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    found = shutil.which("gates", path=str(Path(sys.executable).parent))
    gates = [found] if found else [sys.executable, "-m", "gates"]

    def run(*argv: str) -> Callable[[], object]:
        return lambda: subprocess.run(argv, cwd=project, capture_output=True, check=False)

    check = median_s(run(ruff, "check", "--no-cache", "."), RUNS)
    both = median_s(
        lambda: (
            run(ruff, "check", "--no-cache", ".")(),
            run(ruff, "format", "--check", "--no-cache", ".")(),
        ),
        RUNS,
    )
    gated = median_s(run(*gates, "lint", "--fresh"), RUNS)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "b"\nversion = "0"\n[tool.gates.lint]\nformat = false\n'
    )
    gated_check_only = median_s(run(*gates, "lint", "--fresh"), RUNS)
    return [
        ("bare `ruff check` (baseline)", f"{check:.3f} s", "1.00x"),
        (
            "`gates lint` with `format = false` (same work as the baseline)",
            f"{gated_check_only:.3f} s",
            f"{gated_check_only / check:.2f}x",
        ),
        ("bare `ruff check` + `ruff format --check`", f"{both:.3f} s", f"{both / check:.2f}x"),
        (
            "`gates lint` (check + format check, default)",
            f"{gated:.3f} s",
            f"{gated / check:.2f}x ({gated / both:.2f}x the two bare commands)",
        ),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="gates-bench-") as tmp:
        scratch = Path(tmp)
        print("### Tree id (median of 7)\n")
        print("| repository | median | target |\n|---|---|---|")
        for row in bench_tree_id(scratch):
            print("| " + " | ".join(row) + " |")
        print("\n### `gates lint` vs bare `ruff check`, 500-file project (median of 7)\n")
        print("| command | median | ratio to `ruff check` |\n|---|---|---|")
        for row in bench_lint(scratch):
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
