"""The project's own interpreter: where ``gates tests --python`` and ``gates typecheck --python``
look at the project, while release-gates itself runs from an environment of its own.

release-gates runs beside the project's test environment, never inside it: a project that pins
``pytest<8``, ``coverage==7.2.7`` or ``packaging==24.0`` for its tests keeps its pins, and
release-gates keeps its own dependencies. What crosses between the two is small and checked
here, once per run: the interpreter runs, has pytest and coverage (for the tests gate), and its
coverage writes the data schema release-gates' coverage reads (the coverage gate combines the
files it writes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from gates import tools
from gates.errors import ToolError
from gates.reuse import digest

OPTION = "--python"
HELP = "the project's interpreter (its own environment); default: the one running gates"
PROBE = """\
import json, sys
from importlib import metadata, util
found = {"python": sys.version.split()[0], "schema": None, "packages": {}}
for dist in metadata.distributions():
    found["packages"][str(dist.metadata["Name"]).lower().replace("_", "-")] = dist.version
if util.find_spec("coverage") is not None:
    try:
        from coverage.sqldata import SCHEMA_VERSION
        found["schema"] = SCHEMA_VERSION
    except ImportError:
        pass
found["modules"] = [name for name in ("pytest", "coverage") if util.find_spec(name)]
print(json.dumps(found))
"""
"""Run by the project's interpreter: its version, distributions and coverage data schema."""
PROBE_TIMEOUT_S = 60.0
PYTEST_COV = "pytest-cov"
PYTEST_COV_OFF = ("--no-cov",)
"""pytest's arguments where pytest loads pytest-cov: ``--cov`` options in a project's addopts
(wcwidth's) start a second coverage that takes the tracer from the gates' own, which then
records nothing. Off, pytest-cov leaves the measuring to the gates; its options stay valid."""
AUTOLOAD_OFF = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"


def pytest_cov_off(installed: bool, environ: Mapping[str, str]) -> tuple[str, ...]:
    """:data:`PYTEST_COV_OFF` when pytest-cov is ``installed`` and pytest loads it by itself
    (with plugins not autoloaded, ``--no-cov`` would be an unknown option)."""
    return PYTEST_COV_OFF if installed and not environ.get(AUTOLOAD_OFF) else ()


@dataclass(frozen=True)
class ProjectPython:
    """What the project's interpreter holds, as far as the gates running it care."""

    path: Path
    version: str
    packages: Mapping[str, str]
    """Installed distributions, normalized name to version."""
    modules: tuple[str, ...]
    """Of pytest and coverage, the ones it can import."""
    coverage_schema: int | None
    """The SQLite schema its coverage writes (None: no coverage, or one without SQLite data)."""

    @property
    def has_pytest_cov(self) -> bool:
        return PYTEST_COV in self.packages

    def require_test_runners(self) -> None:
        """Refuse (exit 2) an interpreter the tests cannot run under, or whose coverage data
        release-gates cannot read: that would read as failing tests or as missing evidence."""
        missing = [name for name in ("pytest", "coverage") if name not in self.modules]
        if missing:
            raise ToolError(
                f"{OPTION} {self.path}: no {' and no '.join(missing)} in that environment: "
                "install pytest and coverage there"
            )
        from coverage.sqldata import SCHEMA_VERSION  # release-gates' own coverage

        if self.coverage_schema != SCHEMA_VERSION:
            from coverage import __version__ as ours

            schema = self.coverage_schema
            writes = f"data schema {schema}" if schema is not None else "no SQLite data"
            raise ToolError(
                f"{OPTION} {self.path}: its coverage {self.packages.get('coverage', '?')} "
                f"writes {writes}, release-gates' coverage {ours} reads schema {SCHEMA_VERSION}: "
                "install a coverage there that writes it (coverage 5.0 or later)"
            )

    def reuse_parts(self) -> dict[str, str]:
        """The reuse key's parts for this environment: which interpreter, and every distribution
        it holds (an upgraded dependency runs the gate again)."""
        packages = (f"{name}=={version}" for name, version in sorted(self.packages.items()))
        return {
            "project-python": f"{self.path} {self.version}",
            "project-packages": digest(*packages),
        }


@cache
def probe(path: Path) -> ProjectPython:
    """What ``path`` holds (raises ToolError, exit 2, when it is no working interpreter)."""
    path = Path(os.path.abspath(path))  # a venv's python is a link: never resolved
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ToolError(f"{OPTION} {path}: not an executable file")
    ran = tools.run([str(path), "-c", PROBE], cwd=Path.cwd(), timeout_s=PROBE_TIMEOUT_S)
    try:
        found = json.loads(ran.stdout) if ran.returncode == 0 else None
    except ValueError:
        found = None
    if not isinstance(found, dict):
        why = ran.tail(1) or f"exit {ran.returncode}"
        raise ToolError(f"{OPTION} {path}: not a Python 3.8+ interpreter: {why}")
    return ProjectPython(
        path=path,
        version=str(found["python"]),
        packages={str(k): str(v) for k, v in found["packages"].items()},
        modules=tuple(found["modules"]),
        coverage_schema=found["schema"],
    )


def reuse_parts(python: Path | None) -> dict[str, str]:
    """:meth:`ProjectPython.reuse_parts` of ``python``; none when gates runs the project itself."""
    return {} if python is None else probe(python).reuse_parts()
