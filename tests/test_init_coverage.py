"""Which coverage settings coverage.py reads, and ``source`` added to an INI file that has none.

coverage.py itself reads each result (tests/test_init.py runs ``gates init`` on whole projects).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gates.init_coverage import IniSettings, add_ini_source, ini_settings

SOURCE_LINES = "# by gates init: a module no test imports counts too\nsource = pkg\n"


def _source_coverage_reads(root: Path) -> str:
    read = subprocess.run(
        [sys.executable, "-c", "import coverage; print(coverage.Coverage().config.source)"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return read.stdout.strip()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, None),
        ({"setup.cfg": "[metadata]\nname = x\n"}, None),  # no [coverage:*]: pyproject's count
        ({".coveragerc": ""}, IniSettings(".coveragerc", "run", scoped=False)),
        (
            {".coveragerc": "[coverage:run]\nbranch = true\n", "setup.cfg": "[coverage:run]\n"},
            IniSettings(".coveragerc", "coverage:run", scoped=False),
        ),
        (
            {"tox.ini": "[coverage:run]\nsource_pkgs = pkg\n"},
            IniSettings("tox.ini", "coverage:run", scoped=True),
        ),
        (
            {
                "setup.cfg": "[coverage:report]\nshow_missing = true\n",
                "tox.ini": "[coverage:run]\n",
            },
            IniSettings("setup.cfg", "coverage:run", scoped=False),
        ),
        # Unreadable: left as it is, for coverage.py to report.
        ({".coveragerc": "no header\n"}, IniSettings(".coveragerc", "coverage:run", scoped=True)),
    ],
)
def test_the_file_coverage_reads_is_found_as_coverage_picks_it(
    tmp_path: Path, files: dict[str, str], expected: IniSettings | None
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert ini_settings(tmp_path) == expected


@pytest.mark.parametrize(
    ("name", "before", "after"),
    [
        (
            ".coveragerc",
            "# ours\n[run]\nbranch = True\n[report]\nshow_missing = True",
            f"# ours\n[run]\n{SOURCE_LINES}branch = True\n[report]\nshow_missing = True",
        ),
        (
            "setup.cfg",
            "[coverage:report]\nshow_missing = true",
            f"[coverage:report]\nshow_missing = true\n\n[coverage:run]\n{SOURCE_LINES}",
        ),
        (".coveragerc", "", f"\n[run]\n{SOURCE_LINES}"),
    ],
)
def test_source_goes_into_the_run_section_and_nothing_else_changes(
    tmp_path: Path, name: str, before: str, after: str
) -> None:
    (tmp_path / name).write_text(before)
    settings = ini_settings(tmp_path)
    assert settings is not None and not settings.scoped
    add_ini_source(tmp_path, settings, "pkg")
    assert (tmp_path / name).read_text() == after
    assert ini_settings(tmp_path) == IniSettings(name, settings.run_section, scoped=True)
    assert _source_coverage_reads(tmp_path) == "['pkg']"
