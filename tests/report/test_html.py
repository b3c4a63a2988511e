"""``gates report --html``: one self-contained page, opened in headless Chromium."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

from gates.model import Decision, GateOutcome, GateResult, Status, Tier, Verdict
from gates.report.html import COLORS, render

RUNS = [(40, 5, 2, 71.0), (43, 3, 2, 74.0), (45, 1, 1, 80.0), (47, 0, 1, 84.5), (50, 0, 0, 91.0)]
SMOKE_RUNS = [(7, 300.0), (8, 250.0), (9, 200.0), (10, 150.0), (10, 120.0)]
"""Smoke checks passed (of 10) and p95 ms, one per decision."""

PYPROJECT = """\
[project]
name = "demo"
version = "2.0.0"

[tool.gates]
required = ["tests", "coverage"]
advisory = ["buckets", "smoke"]

[tool.gates.targets]
2020-01-01 = { pass_rate = 95, failing = 2, coverage = 95 }
2999-01-01 = { pass_rate = 100, failing = 0, coverage = 99.5 }
"""


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "chromium not found (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _page(ledger_project: Any) -> Path:
    project = ledger_project(PYPROJECT)
    for (passed, failed, skipped, covered), (smoke_passed, p95) in zip(
        RUNS, SMOKE_RUNS, strict=True
    ):
        project.record_run(passed, failed, skipped, covered)
        buckets = [{"name": "server-init", "severity": "critical", "count": failed,
                    "blocks": bool(failed)}]  # fmt: skip
        project.record(
            "buckets", {"passed": passed, "failed": failed}, status=Status.PASS, buckets=buckets
        )
        project.record("smoke", {"checks": 10, "passed": smoke_passed, "p95_ms": p95})
        project.gates("decide")
    page = project.root / "out" / "report.html"
    assert project.gates("report", "--html", str(page)) == (0, f"wrote {page}\n", "")
    return page


HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def test_report_without_a_decision_is_a_usage_error(ledger_project: Any) -> None:
    project = ledger_project()
    assert project.gates("report", "--html", str(project.root / "r.html")) == (
        2,
        "",
        "gates: error: no decision recorded yet: run 'gates decide' first\n",
    )
    assert not (project.root / "r.html").exists()


def test_text_from_results_is_escaped() -> None:
    hostile = "<script>alert(1)</script>"
    result = GateResult("lint", Status.FAIL, hostile)
    decision = Decision(
        "d1", Verdict.NO_GO, "t", None, hostile, "2026-01-01T00:00:00+00:00",
        (GateOutcome("lint", Tier.REQUIRED, Status.FAIL, hostile, result),),
        reasons=(hostile,), project=hostile, reason=hostile,
    )  # fmt: skip
    page = render(decision, [])
    assert "<script" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5


def _run_chromium(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(
        [chromium, *HEADLESS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_the_page_is_self_contained(ledger_project: Any) -> None:
    text = _page(ledger_project).read_text(encoding="utf-8")
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import", text)
    # The only URL is the SVG namespace, which is a name, never fetched.
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) == {"http://www.w3.org/2000/svg"}


def test_chromium_renders_verdict_gates_buckets_and_three_charts(
    ledger_project: Any, chromium: str, tmp_path: Path
) -> None:
    page = _page(ledger_project)

    dom = _run_chromium(chromium, tmp_path, "--dump-dom", page.as_uri()).stdout

    assert re.search(r'<span class="verdict" id="verdict"[^>]*>GO</span>', dom)
    assert re.search(r"<td>tests</td><td>required</td><td><span[^>]*>PASS</span>", dom)
    assert "<td>server-init</td><td>critical</td><td>0</td><td>no</td>" in dom
    for name in COLORS:
        svg = re.search(rf'<svg class="chart" id="chart-{name}".*?</svg>', dom, re.S)
        assert svg is not None, name
        (points,) = re.findall(r'<polyline points="([^"]+)"', svg.group(0))
        assert len(points.split()) == 5
        assert len(re.findall(r"<circle ", svg.group(0))) == 5
    titles = re.findall(r"<title>([^<]*)</title>", dom)
    assert [t.rsplit(": ", 1)[1] for t in titles if "(" in t] == [
        # pass rate, then coverage, failures, smoke pass rate and smoke p95, oldest first
        "88.8889", "93.4783", "97.8261", "100", "100",
        "71", "74", "80", "84.5", "91",
        "5", "3", "1", "0", "0",
        "70", "80", "90", "100", "100",
        "300", "250", "200", "150", "120",
    ]  # fmt: skip
    # The plan's 2020 target is in force on every decision's day: a flat dashed line at 95% in
    # the pass-rate and coverage charts (y axis to 100), at 2 in the failures chart (to 5).
    for name, height in (("pass-rate", "38.2"), ("coverage", "38.2"), ("failures", "128.4")):
        svg = re.search(rf'<svg class="chart" id="chart-{name}".*?</svg>', dom, re.S)
        assert svg is not None
        (dashed,) = re.findall(r'<polyline class="target" points="([^"]+)"', svg.group(0))
        assert [point.split(",")[1] for point in dashed.split()] == [height] * 5, name
    targets = re.search(r'<table class="targets">.*?</table>', dom, re.S)
    assert targets is not None
    rows = re.findall(r"<tr>(.*?)</tr>", targets.group(0), re.S)
    cells = [re.sub(r"(<[^>]+>)+", "|", row).strip("|") for row in rows[1:]]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert cells == [
        f"{today}|100%|95%|0|2|91%|95%|behind: coverage",
        "2999-01-01|-|100%|-|0|-|99.5%|planned",
    ]
    assert '<span class="behind" style="color:#c62828">91%</span>' in dom


def test_chromium_screenshot_shows_each_chart_line(
    ledger_project: Any, chromium: str, tmp_path: Path
) -> None:
    page = _page(ledger_project)
    shot = tmp_path / "shot.png"

    _run_chromium(chromium, tmp_path, "--window-size=1280,1600", f"--screenshot={shot}",
                  page.as_uri())  # fmt: skip

    pixels = _rgb_pixels(shot.read_bytes())
    for name, color in COLORS.items():
        rgb = bytes.fromhex(color[1:])
        assert pixels.count(rgb) > 300, f"the {name} chart's line was not drawn"


def _rgb_pixels(png: bytes) -> list[bytes]:
    """Every pixel's RGB of an 8-bit RGB/RGBA PNG (enough for Chromium's screenshots)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    offset, data, header = 8, b"", b""
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, body = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data += body
    width, height, depth, color_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color_type in (2, 6)
    channels = 3 if color_type == 2 else 4
    raw, stride = zlib.decompress(data), width * channels
    pixels: list[bytes] = []
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                da, db, dc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                best = left if da <= db and da <= dc else up if db <= dc else corner
                line[i] = (line[i] + best) & 0xFF
        pixels += [bytes(line[i : i + 3]) for i in range(0, stride, channels)]
        previous = line
    return pixels
