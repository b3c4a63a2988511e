"""Real PyPI projects adopted as a new user would, then broken one defect at a time.

Used by the slow tests (tests/test_corpus.py, tests/test_init.py) and by
benchmarks/bench_corpus.py, which prints the corpus table. For each project: its sdist (pinned
version and sha256, downloaded once into ~/.cache, never into the repository) is unpacked, put
under git, adopted with ``gates init`` and gated with ``nox -s gates`` twice (cold, then warm
venvs); then each :data:`SEEDS` defect is committed on the clean tree, the chain is run again and
the recorded decision must be NO_GO with a reason naming the gate that caught it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomlkit
from conftest import git, init_repo

REPO = Path(__file__).resolve().parent.parent
CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "release-gates" / "sdists"
)
"""Where sdists are kept between runs (outside the repository: nothing vendored)."""


class RegistryUnreachable(Exception):
    """The sdist is not cached and the package registry did not give it."""


@dataclass(frozen=True)
class Sdist:
    """One release's source distribution, pinned by version and sha256."""

    name: str
    version: str
    sha256: str

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


def download(sdist: Sdist, cache: Path = CACHE) -> Path:
    """The sdist's file in ``cache``, fetched with ``pip download`` when missing.

    A file whose sha256 is not the pinned one is an error: the table must describe the very
    release the test ran on.
    """
    cache.mkdir(parents=True, exist_ok=True)
    normalized = {sdist.name.lower(), sdist.name.lower().replace("-", "_")}
    for candidate in sorted(cache.glob(f"*-{sdist.version}.tar.gz")):
        if candidate.name.removesuffix(f"-{sdist.version}.tar.gz").lower() in normalized:
            return _verified(candidate, sdist)
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"),
                *("--dest", scratch, sdist.spec),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        found = sorted(Path(scratch).glob("*.tar.gz"))
        if not found:
            raise RegistryUnreachable(f"pip download {sdist.spec}: {proc.stderr.strip()[-300:]}")
        target = cache / found[0].name
        found[0].replace(target)
    return _verified(target, sdist)


def download_or_skip(sdist: Sdist) -> Path:
    """:func:`download` in a test: without the registry it is skipped here, and fails in CI."""
    try:
        return download(sdist)
    except RegistryUnreachable as unreachable:
        if os.environ.get("CI") == "true":
            pytest.fail(str(unreachable))
        pytest.skip(str(unreachable))


def _verified(file: Path, sdist: Sdist) -> Path:
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    if digest != sdist.sha256:
        raise AssertionError(f"{file}: sha256 {digest}, pinned {sdist.sha256} for {sdist.spec}")
    return file


def unpack(archive: Path, into: Path) -> Path:
    """The sdist unpacked into ``into`` and committed as one git commit; returns its root."""
    with tarfile.open(archive) as opened:
        opened.extractall(into, filter="data")
    root = next(path for path in into.iterdir() if path.is_dir())
    init_repo(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "upstream sdist")
    return root


def nox(
    root: Path, *args: str, release_gates: str | None = f"{REPO}[tools,smoke]"
) -> tuple[int, float, str]:
    """``nox ARGS`` in ``root``: (exit code, seconds, output). ``release_gates``: what the sessions
    install release-gates from ($RELEASE_GATES; default this checkout; None: what the noxfile
    says)."""
    started = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "RELEASE_GATES"}
    proc = subprocess.run(
        [sys.executable, "-m", "nox", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**env, **({"RELEASE_GATES": release_gates} if release_gates else {})},
    )
    return proc.returncode, time.perf_counter() - started, proc.stdout + proc.stderr


@dataclass(frozen=True)
class ChainRun:
    """One run of the chain (or of ``nox -s decide``) and the decision it recorded."""

    code: int
    seconds: float
    verdict: str
    reasons: tuple[str, ...]
    log: str


def run_chain(root: Path, session: str = "gates") -> ChainRun:
    code, seconds, log = nox(root, "-s", session)
    decision_file = root / ".gates" / "decision.json"
    if not decision_file.is_file():
        return ChainRun(code, seconds, "none recorded", (), log)
    decision = json.loads(decision_file.read_text(encoding="utf-8"))
    return ChainRun(code, seconds, decision["verdict"], tuple(decision["reasons"]), log)


@dataclass(frozen=True)
class CorpusProject:
    """A real project of one shape, and where in it the seeds go."""

    sdist: Sdist
    shape: str
    """Layout, build backend, test style and how its test requirements are declared."""
    module: str
    """An implementation module the seeds edit (relative to the root)."""
    tests: str
    """The test folder a failing test is added to."""
    readme: str
    """The readme file the metadata names (the missing-readme seed deletes it)."""
    pending: str = ""
    """Why the project is not green yet (a release-gates gap, named), or empty."""

    @property
    def name(self) -> str:
        return self.sdist.name


Seeder = Callable[[Path, CorpusProject, ChainRun], list[str]]
"""Applies a defect to the adopted clean tree; returns the paths it touched."""


@dataclass(frozen=True)
class Seed:
    """One defect and the decision reason that must name it."""

    name: str
    expects: tuple[str, ...]
    """One reason of the NO_GO must contain one of these: the gate and how it judged the defect
    (a gate that only says its result is stale did not catch anything)."""
    apply: Seeder
    commit: bool = True
    """Committed and gated by the whole chain; False: left in the working tree after a GO and
    judged by ``nox -s decide`` alone (the recorded evidence no longer matches the tree)."""


def _append(root: Path, relative: str, text: str) -> None:
    with (root / relative).open("a", encoding="utf-8") as file:
        file.write(text)


def _unused_import(root: Path, project: CorpusProject, clean: ChainRun) -> list[str]:
    _append(root, project.module, "\nimport colorsys\n")
    return [project.module]


def _type_error(root: Path, project: CorpusProject, clean: ChainRun) -> list[str]:
    # Excluded from coverage, so only the type checker has a reason to object.
    _append(
        root,
        project.module,
        '\n\ndef _seeded_type_error() -> int:  # pragma: no cover\n    return "not an int"\n',
    )
    return [project.module]


def _untested_module(root: Path, project: CorpusProject, clean: ChainRun) -> list[str]:
    # As many statements as the package has (read from the clean run's coverage result), none
    # run by a test: whatever the floor was, the total falls far below it. A coverage gate that
    # measured nothing has no count: 2,000 then (the seed is missed anyway, and says so).
    result = json.loads((root / ".gates/results/coverage.json").read_text(encoding="utf-8"))
    functions = int(result["metrics"].get("statements", 2000)) // 4 + 1
    body = "".join(
        f"\n\ndef seeded_{n}(value: int) -> int:\n"
        f'    """Nothing tests this."""\n'
        f"    if value > {n}:\n        return value\n    return -value\n"
        for n in range(functions)
    )
    relative = str(Path(project.module).parent / "seeded_untested.py")
    (root / relative).write_text(f'"""A module no test imports."""\n{body}', encoding="utf-8")
    return [relative]


def _failing_test(root: Path, project: CorpusProject, clean: ChainRun) -> list[str]:
    relative = f"{project.tests}/test_seeded_failure.py"
    (root / relative).write_text(
        '"""A test that fails."""\n\n\n'
        "def test_seeded_failure() -> None:\n    assert sum([1, 1]) == 3\n",
        encoding="utf-8",
    )
    return [relative]


def _edit_after_run(root: Path, project: CorpusProject, clean: ChainRun) -> list[str]:
    _append(root, project.module, "\n# edited after the gates ran\n")
    return [project.module]


def _invalid_classifier(root: Path, project: CorpusProject, clean: ChainRun) -> list[str]:
    document = tomlkit.parse((root / "pyproject.toml").read_text(encoding="utf-8"))
    # The metadata table: [project], or [tool.poetry] for poetry-core projects that
    # leave their classifiers to the backend (it derives some, and takes any it is given).
    table = document.get("project") or document.get("tool", {}).get("poetry")
    if table is not None:
        table.setdefault("classifiers", []).append("Topic :: Nope")
        (root / "pyproject.toml").write_text(tomlkit.dumps(document), encoding="utf-8")
        return ["pyproject.toml"]
    # setuptools' declarative setup.cfg: one more line of its [metadata] classifiers.
    setup_cfg = root / "setup.cfg"
    text = setup_cfg.read_text(encoding="utf-8") if setup_cfg.is_file() else ""
    seeded = re.sub(r"^(classifiers\s*=.*)$", r"\1\n    Topic :: Nope", text, count=1, flags=re.M)
    if seeded == text:
        seeded = text.replace("[metadata]\n", "[metadata]\nclassifiers = Topic :: Nope\n", 1)
    if seeded == text:
        raise AssertionError(f"{project.name}: no [project], [tool.poetry] or setup.cfg [metadata]")
    setup_cfg.write_text(seeded, encoding="utf-8")
    return ["setup.cfg"]


def _missing_readme(root: Path, project: CorpusProject, clean: ChainRun) -> list[str]:
    (root / project.readme).unlink()
    return [project.readme]


INSTALL_ERROR = ": ERROR (what it needs did not install: "
"""The reason of a gate whose environment the seed broke (a backend that validates the metadata
refuses to install the project): it names the installer's error, whichever gate it is."""
DID_NOT_RUN = "did not run for this tree"
"""No committed seed's decision may say this: every gate of the chain runs, or says why not."""

SEEDS = (
    Seed("unused import", ("lint: FAIL",), _unused_import),
    Seed("type error", ("typecheck: FAIL",), _type_error),
    Seed("untested module", ("coverage: FAIL",), _untested_module),
    Seed("failing test", ("buckets: FAIL",), _failing_test),
    Seed("edit after the run", (": stale: judged tree",), _edit_after_run, commit=False),
    Seed(
        "invalid classifier",
        ("package: FAIL", "package: ERROR", INSTALL_ERROR),
        _invalid_classifier,
    ),
    Seed("missing readme", ("package: FAIL", "package: ERROR", INSTALL_ERROR), _missing_readme),
)


@dataclass(frozen=True)
class SeedRun:
    seed: Seed
    run: ChainRun

    def _expected(self, reason: str) -> bool:
        return any(e in reason for e in self.seed.expects)

    @property
    def caught(self) -> bool:
        """NO_GO, a reason says which gate caught the defect, and none that a gate did not run
        (a gate that could not run says why)."""
        reasons = self.run.reasons
        return (
            self.run.verdict == "NO_GO"
            and any(self._expected(r) for r in reasons)
            and not (self.seed.commit and any(DID_NOT_RUN in r for r in reasons))
        )

    @property
    def collateral(self) -> tuple[str, ...]:
        """Gates a committed seed's other reasons blame (meant for one gate, it upset another)."""
        if not self.seed.commit:
            return ()  # every gate's evidence is stale: that is the point
        other = (r.split(":", 1)[0] for r in self.run.reasons if not self._expected(r))
        return tuple(dict.fromkeys(other))


@dataclass(frozen=True)
class CorpusRun:
    """A project adopted and gated: init, the clean chain cold and warm, then every seed."""

    project: CorpusProject
    init_code: int
    init_output: str
    cold: ChainRun | None = None
    warm: ChainRun | None = None
    seeds: tuple[SeedRun, ...] = ()

    @property
    def clean_go(self) -> bool:
        return self.warm is not None and self.cold is not None and self.cold.verdict == "GO"

    def missed(self) -> dict[str, tuple[str, ...]]:
        """Seeds not caught → the reasons their decision gave."""
        return {s.seed.name: (s.run.verdict, *s.run.reasons) for s in self.seeds if not s.caught}


def adopt(root: Path) -> tuple[int, str]:
    """``gates init`` as a user types it (measuring in this interpreter), then commit."""
    proc = subprocess.run(
        [sys.executable, "-m", "gates", "init", "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode == 0:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "gates init")
    return proc.returncode, proc.stdout + proc.stderr


def adopt_and_seed(
    project: CorpusProject, archive: Path, workdir: Path, seeds: Sequence[Seed] = SEEDS
) -> CorpusRun:
    """The whole story for one project, its sdist ``archive`` unpacked in ``workdir`` (see the
    module docstring)."""
    root = unpack(archive, workdir)
    init_code, init_output = adopt(root)
    if init_code != 0:
        return CorpusRun(project, init_code, init_output)
    cold = run_chain(root)
    warm = run_chain(root)
    clean = git(root, "rev-parse", "HEAD")
    done = []
    for seed in seeds:
        touched = seed.apply(root, project, warm)
        if seed.commit:
            git(root, "add", "-A", "--", *touched)
            git(root, "commit", "-q", "-m", f"seeded: {seed.name}")
        done.append(SeedRun(seed, run_chain(root, "gates" if seed.commit else "decide")))
        git(root, "reset", "-q", "--hard", clean)
    return CorpusRun(project, init_code, init_output, cold, warm, tuple(done))


CORPUS = (
    CorpusProject(
        Sdist(
            "cachetools",
            "8.0.2",
            "30ac523adfc118b51d2b2e7bad8a0ddb31370dfe2700c7f10ca224f36ccf81e0",
        ),
        "src, setuptools, pytest, .pyi stubs, tox deps",
        module="src/cachetools/keys.py",
        tests="tests",
        readme="README.rst",
    ),
    CorpusProject(
        Sdist(
            "more-itertools",
            "10.5.0",
            "5482bfef7849c25dc3c6dd53a6173ae4795da2a41a80faea6700d9f5846c5da6",
        ),
        "flat, flit_core, unittest, .pyi stubs",
        module="more_itertools/recipes.py",
        tests="tests",
        readme="README.rst",
    ),
    CorpusProject(
        Sdist("idna", "3.10", "12f65c9b470abda6dc35cf8e63cc574b1c52b11df2c86030af0ac09b01b13ea9"),
        "flat, flit_core, unittest, extra-declared deps",
        module="idna/intranges.py",
        tests="tests",
        readme="README.rst",
    ),
    CorpusProject(
        Sdist(
            "itsdangerous",
            "2.2.0",
            "e0050c0b7da1eea53ffaf149c0cfbb5c6e2e2b69c4bef22c81fa6eb73e5f6173",
        ),
        "src, flit_core, pytest, tox.ini → requirements/tests.txt",
        module="src/itsdangerous/encoding.py",
        tests="tests",
        readme="README.md",
    ),
    CorpusProject(
        Sdist(
            "annotated-types",
            "0.7.0",
            "aff07c09a53a08bc8cfccb9c85b05f1aa9a2a6f23728d790723543408344ce89",
        ),
        "flat, hatchling, pytest, requirements/testing.in",
        module="annotated_types/test_cases.py",
        tests="tests",
        readme="README.md",
    ),
    CorpusProject(
        Sdist(
            "findpython",
            "0.6.3",
            "5863ea55556d8aadc693481a14ac4f3624952719efc1c5591abb0b4a9e965c94",
        ),
        "src, pdm-backend, pytest, PDM dev-dependencies",
        module="src/findpython/utils.py",
        tests="tests",
        readme="README.md",
    ),
    CorpusProject(
        Sdist("cleo", "2.1.0", "0b2c880b5d13660a7ea651001fb4acb527696c01f15c9ee650f377aa543fd523"),
        "src, poetry-core ([tool.poetry] metadata), pytest, Poetry group",
        module="src/cleo/terminal.py",
        tests="tests",
        readme="README.md",
    ),
    CorpusProject(
        Sdist(
            "boltons", "25.0.0", "e110fbdc30b7b9868cb604e3f71d4722dd8f4dcb4a5ddd06028ba8f1ab0b5ace"
        ),
        "flat, flit_core, pytest + doctests (tox command), requirements-test.txt",
        module="boltons/mathutils.py",
        tests="tests",
        readme="README.md",
    ),
)
"""Pinned releases of every shape the adoption promise covers."""

BY_NAME = {project.name: project for project in CORPUS}
