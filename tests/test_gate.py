"""The spine's shape: the registry in gates/gate.py, and imports that only run one way."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

from gates import gate

PACKAGE = Path(gate.__file__).resolve().parent


def _module_name(file: Path) -> str:
    parts = file.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def _runtime_imports(tree: ast.Module, package: str) -> Iterator[str]:
    """Every module an import statement names, at module level or inside a function, except
    under ``if TYPE_CHECKING:`` (annotations only: nothing is imported when the code runs)."""
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> Mapping[str, set[str]]:
    """gates' modules and the ones of them each imports when it runs."""
    files = {_module_name(file): file for file in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, file in files.items():
        package = name if file.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(file.read_text(encoding="utf-8"))
        graph[name] = {target for target in _runtime_imports(tree, package) if target in files} - {
            name
        }
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The import loops: every path that leads from a module back to itself (one per loop)."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        for target in sorted(graph[module]):
            if target in path:
                found.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target, [*path, target])
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    return found


def test_no_module_of_gates_imports_one_that_imports_it_back() -> None:
    graph = import_graph()
    assert graph["gates.config"] >= {"gates.gate"}  # the graph is read, not empty
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_loop_through_three_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


def test_an_import_under_type_checking_is_not_a_runtime_import() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from gates.project import Project\n"
        "def f():\n    from gates import model\n"
    )
    assert set(_runtime_imports(tree, "gates")) == {
        "typing",
        "typing.TYPE_CHECKING",
        "gates",
        "gates.model",
    }


def test_the_registry_lists_a_gate_after_the_gates_whose_evidence_it_judges() -> None:
    for spec in gate.BUILTIN:
        assert all(gate.NAMES.index(first) < gate.NAMES.index(spec.name) for first in spec.after)
