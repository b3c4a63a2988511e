"""The package gate's install check: a cached venv per set of requirements, real uv and wheels."""

from __future__ import annotations

from pathlib import Path

import pytest
from wheel_support import make_wheel

from gates import dist, envs, install_check

SMOKE = ("python", "-c", "import tiny; print(tiny.VALUE)")


def _check(
    tmp_path: Path, wheel: Path, smoke: tuple[str, ...] = SMOKE
) -> install_check.InstallCheck:
    return install_check.check(tmp_path / ".gates", wheel, dist.read_dist(wheel), smoke, 60)


def _venvs(tmp_path: Path) -> list[Path]:
    return sorted(p for p in (tmp_path / ".gates" / install_check.CACHE).iterdir() if p.is_dir())


def test_the_next_wheel_with_the_same_requirements_reuses_the_venv(tmp_path: Path) -> None:
    first = _check(tmp_path, make_wheel(tmp_path / "a"))
    assert (first.install.returncode, first.smoke and first.smoke.stdout) == (0, "1\n")
    [venv] = _venvs(tmp_path)
    marker = venv / "kept"
    marker.write_text("")

    changed = make_wheel(tmp_path / "b", module="VALUE = 2\n")  # same name, version, requirements
    second = _check(tmp_path, changed)

    assert second.smoke is not None and second.smoke.stdout == "2\n"  # the new wheel, installed
    assert _venvs(tmp_path) == [venv] and marker.exists()
    assert "--reinstall-package" in second.install.argv or "--force-reinstall" in (
        second.install.argv
    )


def test_other_requirements_get_another_venv(tmp_path: Path) -> None:
    base = make_wheel(tmp_path / "a")
    assert _check(tmp_path, base).install.returncode == 0
    # Requires a package that is already there (pip, or uv's seed): resolvable offline.
    needing = make_wheel(tmp_path / "b", requires=("tiny-helper; python_version < '3'",))
    assert _check(tmp_path, needing).install.returncode == 0
    assert len(_venvs(tmp_path)) == 2


def test_a_failed_install_drops_the_venv_and_the_next_run_starts_clean(
    tmp_path: Path,
) -> None:
    broken = make_wheel(tmp_path / "a", requires=("no-such-distribution-anywhere==0",))
    result = _check(tmp_path, broken)
    assert result.install.returncode != 0
    assert result.smoke is None
    assert _venvs(tmp_path) == []


def test_a_venv_that_lost_its_stamp_is_built_again(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "a")
    _check(tmp_path, wheel)
    [venv] = _venvs(tmp_path)
    (venv / envs.READY).unlink()
    again = _check(tmp_path, wheel)
    assert again.install.returncode == 0
    assert "--reinstall-package" not in again.install.argv


@pytest.mark.parametrize("smoke", [(), ("false",)], ids=["nothing to smoke", "failing smoke"])
def test_the_smoke_runs_only_when_there_is_one(tmp_path: Path, smoke: tuple[str, ...]) -> None:
    checked = _check(tmp_path, make_wheel(tmp_path / "a"), smoke)
    assert checked.install.returncode == 0
    assert (checked.smoke is None) == (smoke == ())
    if checked.smoke is not None:
        assert checked.smoke.returncode == 1
