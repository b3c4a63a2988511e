"""Where a project's code and tests are: the import package (or the one module) and the test
folder, as ``gates init`` finds them."""

from __future__ import annotations

import re
from pathlib import Path

from gates.errors import ConfigError

TEST_FOLDERS = ("tests", "test", "testing")


def package(root: Path, name: str) -> tuple[str, tuple[str, ...], bool]:
    """(import name, the folders of its code, src layout?): every package folder of ``src/``
    (else of the root), the one named as the project first — a distribution may ship several
    (attrs: ``attr`` and ``attrs``), and a gate that looks at one would pass the others unseen —
    else the one module named as the project."""
    wanted = name.replace("-", "_").replace(".", "_").lower()
    for base, src in ((root / "src", True), (root, False)):
        if not base.is_dir():
            continue
        namespaced = _namespace_package(base, name)
        if namespaced is not None:
            return namespaced.replace("/", "."), (str((base / namespaced).relative_to(root)),), src
        packages = sorted(
            p.name
            for p in base.iterdir()
            if (p / "__init__.py").is_file()
            and p.name not in TEST_FOLDERS
            and p.name.isidentifier()
        )
        if not packages:
            continue
        chosen = wanted if wanted in packages else packages[0]
        ordered = [chosen, *(p for p in packages if p != chosen)]
        return chosen, tuple(str((base / p).relative_to(root)) for p in ordered), src
    # A distribution of one module (six, typing_extensions).
    for base, src in ((root / "src", True), (root, False)):
        if (base / f"{wanted}.py").is_file():
            return wanted, (str((base / f"{wanted}.py").relative_to(root)),), src
    raise ConfigError(
        f"{root / 'pyproject.toml'}: project {name!r}: no package folder found "
        f"(looked for src/*/__init__.py, */__init__.py, src/{wanted}.py and {wanted}.py)"
    )


def _namespace_package(base: Path, name: str) -> str | None:
    """The package of a distribution named after a namespace (``jaraco.functools`` in
    ``jaraco/functools/``, whose ``jaraco/`` has no ``__init__.py``: other distributions add
    to it), as a folder relative to ``base``; None when ``name`` names none."""
    parts = re.split(r"[-_.]+", name.lower())
    for cut in range(len(parts) - 1, 0, -1):
        namespace = parts[:cut]
        folder = "/".join([*namespace, "_".join(parts[cut:])])
        inits = (base.joinpath(*namespace[: depth + 1], "__init__.py") for depth in range(cut))
        if (base / folder / "__init__.py").is_file() and not any(i.exists() for i in inits):
            return folder
    return None


def tests(root: Path, source: str) -> str | None:
    """The test folder: at the root, else inside the package (``toolz/tests``); for a
    one-module distribution without one, the module's own folder when its tests sit beside it
    (``src/test_typing_extensions.py``)."""
    found = next((t for t in TEST_FOLDERS if (root / t).is_dir()), None)
    if found is not None:
        return found
    if not source.endswith(".py"):
        inside = (f"{source}/{t}" for t in TEST_FOLDERS)
        return next((t for t in inside if (root / t).is_dir()), None)
    beside = Path(source).parent
    return str(beside) if any((root / beside).glob("test_*.py")) else None


def checked_paths(sources: tuple[str, ...], tests: str | None) -> list[str]:
    """What lint and the format check look at: the packages, and the test folder unless it is
    inside one of them (``toolz/tests``)."""
    inside = tests is None or any(tests.startswith(f"{source}/") for source in sources)
    return [*sources, *([] if inside or tests is None else [tests])]
