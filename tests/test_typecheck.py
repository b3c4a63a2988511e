"""The typecheck gate with real mypy on fixture projects."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import CLEAN_MODULE, Project

GATES = """
[tool.gates]
required = ["typecheck"]

[tool.gates.typecheck]
paths = ["demo"]
"""

TYPE_ERROR = CLEAN_MODULE + '\n\ndef broken() -> int:\n    return "no"\n'


def test_clean_project_passes(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES)
    code, data = project.gates_json("typecheck")
    assert code == 0
    assert data["status"] == "PASS"
    assert data["tools"]["mypy"][0].isdigit()


def test_type_error_fails_and_decision_is_no_go(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES)
    project.write("demo/__init__.py", TYPE_ERROR)
    code, out, _ = project.gates("typecheck")
    assert code == 1
    assert "return-value" in out
    assert "demo/__init__.py:9:" in out
    code, data = project.gates_json("decide")
    assert code == 1
    assert data["verdict"] == "NO_GO"
    assert data["reasons"] == ["typecheck: FAIL (1 new finding (return-value))"]


def test_strict_comes_from_project_config_and_args(make_project: Callable[..., Project]) -> None:
    untyped = '"""Doc."""\n\n\ndef add(a, b):\n    return a + b\n'
    project = make_project(gates=GATES, files={"demo/__init__.py": untyped})
    code, data = project.gates_json("typecheck")  # [tool.mypy] strict = true in the fixture
    assert code == 1
    assert {f["rule"] for f in data["findings"]} == {"no-untyped-def"}


def test_baseline_ratchet(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES + 'baseline = "mypy-baseline.json"\n')
    project.write("demo/__init__.py", TYPE_ERROR)
    assert project.gates("typecheck", "--update-baseline")[0] == 0
    assert project.gates("typecheck")[0] == 0
    project.write("demo/more.py", "def other() -> str:\n    return 1\n")
    code, data = project.gates_json("typecheck")
    assert code == 1
    assert [f["file"] for f in data["findings"] if f["new"]] == ["demo/more.py"]


def test_missing_path_is_error(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES.replace('"demo"', '"nowhere"'))
    code, _, err = project.gates("typecheck")
    assert code == 2
    assert err.startswith("gates: error: mypy exited 2:")


def test_an_implementation_behind_a_stub_is_checked_too(
    make_project: Callable[..., Project],
) -> None:
    """mypy reads ``mod.pyi`` and never ``mod.py`` when both sit in a checked folder."""
    stubbed = {
        "demo/__init__.py": CLEAN_MODULE,
        "demo/mod.py": '"""Doc."""\n\n\ndef size() -> int:\n    return "big"\n',
        "demo/mod.pyi": "def size() -> int: ...\n",
    }
    project = make_project(gates=GATES, files=stubbed)

    code, data = project.gates_json("typecheck")

    assert code == 1
    assert [(f["file"], f["line"], f["rule"]) for f in data["findings"]] == [
        ("demo/mod.py", 5, "return-value")
    ]
    metrics = data["metrics"]
    assert isinstance(metrics, dict)
    assert (metrics["files_checked"], metrics["behind_stubs"]) == (3, 1)


def test_a_stub_without_an_implementation_is_checked_as_before(
    make_project: Callable[..., Project],
) -> None:
    files = {"demo/__init__.py": CLEAN_MODULE, "demo/native.pyi": "def fast() -> int: ...\n"}
    project = make_project(gates=GATES, files=files)
    code, data = project.gates_json("typecheck")
    assert (code, data["status"]) == (0, "PASS")
    metrics = data["metrics"]
    assert isinstance(metrics, dict)
    assert (metrics["files_checked"], metrics["behind_stubs"]) == (2, 0)


def test_the_projects_own_environment_resolves_its_imports(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    """mypy runs from release-gates' environment; ``--python`` names the project's, where its
    dependencies are installed (here a typed package written straight into a bare venv)."""
    env = tmp_path / "project-env"
    subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(env)], check=True)
    site = next(env.glob("lib/python*/site-packages"))
    (site / "typedlib").mkdir()
    (site / "typedlib/__init__.py").write_text("def value() -> int:\n    return 1\n")
    (site / "typedlib/py.typed").write_text("")
    uses = CLEAN_MODULE + "\n\nimport typedlib\n\nNAME: str = typedlib.value()\n"
    project = make_project(gates=GATES, files={"demo/__init__.py": uses})

    _, beside = project.gates_json("typecheck", "--python", str(env / "bin/python"))
    _, alone = project.gates_json("typecheck", "--fresh")

    assert [f["rule"] for f in beside["findings"]] == ["assignment"]  # type: ignore[index]
    assert [f["rule"] for f in alone["findings"]] == ["import-not-found"]  # type: ignore[index]


def test_a_python_that_is_no_interpreter_is_refused(make_project: Callable[..., Project]) -> None:
    project = make_project(gates=GATES)
    code, _, err = project.gates("typecheck", "--python", str(project.root / "no/python"))
    assert code == 2
    assert err == f"gates: error: --python {project.root}/no/python: not an executable file\n"
