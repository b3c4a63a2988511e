"""Which coverage settings coverage.py reads, and ``source`` added to an INI file that has none.

coverage.py itself reads each result (tests/test_init.py runs ``gates init`` on whole projects).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomlkit
from conftest import source_coverage_reads

from gates import init_coverage
from gates.init_coverage import IniSettings, add_ini_source, ini_settings

SOURCE_LINES = "# by gates init: a module no test imports counts too\nsource = pkg\n"


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
    add_ini_source(tmp_path, settings, ["pkg"])
    assert (tmp_path / name).read_text() == after
    assert ini_settings(tmp_path) == IniSettings(name, settings.run_section, scoped=True)
    assert source_coverage_reads(tmp_path) == "['pkg']"


MODULE = "def half(x):\n    if x:\n        return 1\n    return 2\n"
TEST = "import onemod\n\n\ndef test_half():\n    assert onemod.half(1) == 1\n"


def _settings(source: str, pyproject: str = "") -> dict[str, object]:
    document = tomlkit.parse(pyproject)
    tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
    init_coverage.add_settings(tool, [source], scope_only="coverage" in tool)
    return tomllib.loads(tomlkit.dumps(document))["tool"]["coverage"]["run"]


@pytest.mark.parametrize(
    ("source", "measured"),
    [("src/demo_lib", "src/demo_lib"), ("src/onemod.py", "onemod"), ("onemod.py", "onemod")],
)
def test_a_package_is_measured_by_folder_and_one_module_by_its_name(
    source: str, measured: str
) -> None:
    assert _settings(source) == {"branch": True, "source": [measured], "relative_files": True}


def test_the_projects_own_coverage_settings_keep_theirs_and_gain_a_source() -> None:
    run = _settings("src/onemod.py", "[tool.coverage.run]\nparallel = true\n")
    assert run == {"parallel": True, "source": ["onemod"]}


def test_coverage_measures_the_one_module_and_not_its_tests_beside_it(tmp_path: Path) -> None:
    """The written settings, run by the real coverage.py on a src/ holding the module and its
    tests: the module alone is reported (a folder source would count the tests too)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src/onemod.py").write_text(MODULE)
    (tmp_path / "src/test_onemod.py").write_text(TEST)
    run = _settings("src/onemod.py")
    settings = "[run]\n" + "".join(
        f"{key} = {','.join(value) if isinstance(value, list) else value}\n"
        for key, value in run.items()
    )
    (tmp_path / ".coveragerc").write_text(settings)
    coverage = [sys.executable, "-m", "coverage"]
    env_path = {"PYTHONPATH": str(tmp_path / "src"), "PATH": ""}
    subprocess.run(
        [*coverage, "run", "-m", "pytest", "-q", "-p", "no:cacheprovider", "src"],
        cwd=tmp_path,
        env=env_path,
        check=True,
        capture_output=True,
    )
    subprocess.run([*coverage, "json", "-o", "cov.json"], cwd=tmp_path, check=True, env=env_path)
    report = json.loads((tmp_path / "cov.json").read_text())
    assert sorted(report["files"]) == ["src/onemod.py"]
    assert report["totals"]["percent_covered"] == pytest.approx(100 * 4 / 6)
