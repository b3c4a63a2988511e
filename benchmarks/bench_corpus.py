"""The adoption corpus: real PyPI projects adopted with `gates init`, gated clean, then seeded.

For each project of tests/corpus_support.py's CORPUS: GO on the clean tree? how many of the
seven seeded defects ended in a NO_GO whose reason names the gate that should catch it? and the
chain's time with fresh venvs (cold) and reused ones (warm). Prints a Markdown table, then each
miss with the decision's reasons. The baseline is the promise itself: every row GO and 7/7.

    python benchmarks/bench_corpus.py [--only NAME ...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import corpus_support


def row(run: corpus_support.CorpusRun) -> str:
    project = run.project
    name = f"{project.name} {project.sdist.version}"
    if run.cold is None or run.warm is None:
        return f"| {name} | {project.shape} | init exited {run.init_code} | - | - | - |"
    caught = sum(seed.caught for seed in run.seeds)
    collateral = sorted({g for seed in run.seeds if seed.caught for g in seed.collateral})
    also = f" (also: {', '.join(collateral)})" if collateral else ""
    return (
        f"| {name} | {project.shape} | {run.cold.verdict} | {caught}/{len(run.seeds)}{also} "
        f"| {run.cold.seconds:.0f} s | {run.warm.seconds:.0f} s |"
    )


def details(run: corpus_support.CorpusRun) -> list[str]:
    """What the table sums up: init's failure, or the clean verdict and each seed's decision."""
    name = run.project.name
    if run.cold is None:
        return [f"- {name}: gates init exited {run.init_code}: {run.init_output}"]
    lines = [f"- {name}, clean: {run.cold.verdict}: {'; '.join(run.cold.reasons) or 'no reasons'}"]
    for seeded in run.seeds:
        mark = "caught" if seeded.caught else "MISSED"
        reasons = "; ".join(seeded.run.reasons) or "no reasons"
        lines.append(f"- {name}, {seeded.seed.name}: {mark}, {seeded.run.verdict}: {reasons}")
        if not seeded.caught:
            lines.extend(f"    {line}" for line in seeded.run.log.splitlines()[-12:])
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(corpus_support.BY_NAME))
    parser.add_argument("--keep", type=Path, help="adopt the projects here (kept afterwards)")
    args = parser.parse_args()
    projects = [corpus_support.BY_NAME[name] for name in args.only or corpus_support.BY_NAME]
    runs = []
    with tempfile.TemporaryDirectory(prefix="gates-corpus-") as scratch:
        base = args.keep or Path(scratch)
        for project in projects:
            workdir = base / project.name
            workdir.mkdir(parents=True)
            archive = corpus_support.download(project.sdist)
            run = corpus_support.adopt_and_seed(project, archive, workdir)
            print(row(run), *details(run), sep="\n", file=sys.stderr, flush=True)
            runs.append(run)
    print("| Project | Shape | Clean | Seeded NO_GO | Chain cold | Chain warm |")
    print("|---|---|---|---|---|---|")
    for run in runs:
        print(row(run))
    print()
    for run in runs:
        print(*details(run), sep="\n")


if __name__ == "__main__":
    main()
