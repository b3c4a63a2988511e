"""Buckets gate: 100,000 test cases with 5,000 failures (~50 MB of JUnit XML) and 20 rules.

``gates buckets`` end to end (a fresh process: start-up, tree id, parse, judge, record, report)
against a bare ``xml.etree.ElementTree.iterparse`` pass over the same file (the floor) and
junitparser loading it, each in its own process, same run. Peak RSS is that process's own
(``os.wait4``). Targets: ≤ 2x the floor, peak memory ≤ 150 MB.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gates.workspace import Workspace  # noqa: E402

CASES = 100_000
FAILURES = 5_000
RUNS = 5
MESSAGES = (
    "AssertionError: expected {n} items but got {m}",
    "TypeError: create_order() takes 2 positional arguments but {m} were given",
    "ConnectionRefusedError: [Errno 111] Connection refused: 127.0.0.1:{port}",
    "KeyError: 'user-{n}'",
    "TimeoutError: request to /api/v{m}/orders/{n} timed out after {m}.5 s",
)


def write_junit(path: Path) -> None:
    rnd = random.Random(5)
    failing = set(rnd.sample(range(CASES), FAILURES))
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="pytest tests">')
        out.write(f'<testsuite name="pytest" failures="{FAILURES}" tests="{CASES}" time="1.0">\n')
        for i in range(CASES):
            module = i // 50
            folder = f"tests/area{module % 40}"
            attrs = (
                f'classname="{folder.replace("/", ".")}.test_mod{module}.TestThing" '
                f'name="test_case_{i}[p{i % 7}]" file="{folder}/test_mod{module}.py" '
                f'line="{i % 500}" time="0.{rnd.randrange(1000):03d}"'
            )
            if i in failing:
                message = MESSAGES[i % len(MESSAGES)].format(n=i, m=i % 9, port=8000 + i % 50)
                kind = message.split(":")[0]
                frames = "".join(
                    f"src/shop/module_{(i + k) % 30}.py:{k * 7 + 3}: in step_{k}\n"
                    f"    step_{k + 1}()\n"
                    for k in range(12)
                )
                trace = (
                    f"self = <{folder}.TestThing object at 0x7f{i:08x}>\n\n"
                    f"    def test_case_{i}(self):\n>       run_scenario({i})\n\n"
                    f"{frames}E   {message}\n\nsrc/shop/module_{i % 30}.py:99: {kind}"
                )
                output = escape(f"log line {i}: doing the thing\n" * 80)
                out.write(
                    f"<testcase {attrs}><failure message={quoteattr(message)}>{escape(trace)}"
                    f"</failure><system-out>{output}</system-out></testcase>\n"
                )
            elif i % 4 == 0:
                output = escape("captured output of a passing test\n" * 18)
                out.write(f"<testcase {attrs}><system-out>{output}</system-out></testcase>\n")
            else:
                out.write(f"<testcase {attrs}/>\n")
        out.write("</testsuite></testsuites>\n")


RULES = [
    ("checkout-signature", "critical", "type = 'TypeError', message = 'takes \\d+ positional'"),
    ("network-down", "high", "type = 'ConnectionRefusedError'"),
    ("slow-api", "medium", "type = 'TimeoutError', message = 'timed out after'"),
    ("missing-users", "low", "type = 'KeyError', message = 'user-\\d+'"),
    ("area-3-known", "trivial", "nodeid = ['tests/area3/*'], type = 'AssertionError'"),
    *(
        (f"area-{n}-counts", "medium", f"nodeid = ['tests/area{n}/*'], message = 'expected \\d+'")
        for n in range(4, 14)
    ),
    ("deep-trace", "low", "trace = 'module_29\\.py:80: in step_11'"),
    ("legacy-a", "low", "type = 'ZeroDivisionError'"),
    ("legacy-b", "low", "message = 'never happens anymore'"),
    ("legacy-c", "low", "nodeid = ['tests/removed/*']"),
    ("legacy-d", "low", "trace = 'old_module\\.py'"),
]


def write_project(root: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text(".gates/\n")
    rules = "".join(
        f'\n[[tool.gates.buckets]]\nname = "{name}"\nseverity = "{severity}"\n'
        f"match = {{ {match} }}\n"
        for name, severity, match in RULES
    )
    assert len(RULES) == 20
    (root / "pyproject.toml").write_text(
        '[project]\nname = "bench"\nversion = "1.0"\n\n[tool.gates]\nrequired = ["buckets"]\n'
        + rules
    )
    evidence = root / ".gates/evidence"
    evidence.mkdir(parents=True)
    junit = evidence / "junit.xml"
    write_junit(junit)
    tree = Workspace.at(root).tree_id()
    # What `gates tests` stamps for a finished run with failing tests.
    (evidence / "meta.json").write_text(json.dumps({"tree": tree, "pytest_exit_code": 1}))
    return junit


def measure(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall time, peak RSS (MB) and exit code of one run in a fresh process."""
    started = time.perf_counter()
    # Bytecode is written as in any installed environment (this machine's shell disables it).
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def medians(commands: list[list[str]], cwd: Path) -> list[tuple[float, float, int]]:
    """Each command once for warm-up (file cache, bytecode), then in interleaved rounds so that
    load from elsewhere on the machine weighs on all of them alike."""
    for argv in commands:
        measure(argv, cwd)
    runs = [[measure(argv, cwd) for argv in commands] for _ in range(RUNS)]
    return [
        (
            statistics.median(r[i][0] for r in runs),
            max(r[i][1] for r in runs),
            runs[-1][i][2],
        )
        for i in range(len(commands))
    ]


FLOOR = (
    "import sys, xml.etree.ElementTree as ET\n"
    "for _, element in ET.iterparse(sys.argv[1]):\n"
    "    if element.tag == 'testcase': element.clear()\n"
)
JUNITPARSER = (
    "import sys\nfrom junitparser import JUnitXml\n"
    "xml = JUnitXml.fromfile(sys.argv[1])\n"
    "print(sum(1 for suite in xml for case in suite))\n"
)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-buckets-") as scratch:
        root = Path(scratch)
        junit = write_project(root)
        size = junit.stat().st_size / 1e6
        env_python = sys.executable
        floor, parser, gates = medians(
            [
                [env_python, "-c", FLOOR, str(junit)],
                [env_python, "-c", JUNITPARSER, str(junit)],
                [env_python, "-m", "gates", "buckets", "--fresh", "--root", str(root)],
            ],
            root,
        )
        result = json.loads((root / ".gates/results/buckets.json").read_text())

    print(
        f"\n### `gates buckets`: {CASES:,} cases, {FAILURES:,} failures ({size:.0f} MB), 20 rules"
    )
    print(f"(median of {RUNS} fresh processes; peak RSS of that process)\n")
    print("| command | median | ratio to floor | peak RSS |")
    print("|---|---|---|---|")
    for label, (seconds, rss, _) in (
        ("bare `ElementTree.iterparse` pass (floor)", floor),
        ("junitparser `JUnitXml.fromfile` + iterate", parser),
        ("`gates buckets` end to end", gates),
    ):
        print(f"| {label} | {seconds:.2f} s | {seconds / floor[0]:.2f}x | {rss:.0f} MB |")
    print(
        f"\n`gates buckets` exit {gates[2]}, status {result['status']}: {result['summary']}; "
        f"targets ≤ 2x floor: {'met' if gates[0] <= 2 * floor[0] else 'NOT met'}, "
        f"peak ≤ 150 MB: {'met' if gates[1] <= 150 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
