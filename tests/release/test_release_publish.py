"""``gates release publish`` end to end: a real pypiserver with auth on 127.0.0.1, a bare git
remote, real build/twine, the real SQLite ledger. Attacks on what publish trusts are in
tests/fault_matrix/test_release_trust.py."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from release_support import (
    FAST_BUILD,
    IndexServer,
    decide,
    gate,
    gates_cli,
    git,
    ledger_steps,
    make_project,
    prepared_project,
    running_index,
    secret_count,
    twine_environment,
)

import gates
from gates import config
from gates.cli import main
from gates.ledger import open_ledger, record_decision
from gates.model import Decision, Verdict


@pytest.fixture
def twine_env(index: IndexServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return twine_environment(index, monkeypatch)


def _fresh_venv(where: Path) -> Path:
    if shutil.which("uv"):
        argv = ["uv", "venv", "--quiet", "--seed", "--python", sys.executable, str(where)]
    else:
        argv = [sys.executable, "-m", "venv", str(where)]
    subprocess.run(argv, check=True, capture_output=True)
    return where / "bin" / "python"


def test_prepare_gate_publish_then_pip_install_from_the_index(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    index: IndexServer,
    twine_env: dict[str, str],
) -> None:
    root = prepared_project(tmp_path, "demo-e2e")
    decision = gate(root)
    assert decision.verdict.value == "GO"
    wheel, sdist = "demo_e2e-0.2.0-py3-none-any.whl", "demo_e2e-0.2.0.tar.gz"
    outputs: list[str] = []

    code, out, err = gates_cli(
        capsys, root, "release", "publish", "--repository-url", index.url, "--dry-run"
    )
    outputs += [out, err]
    assert code == 0, err
    assert out.splitlines() == [
        f"plan: demo-e2e 0.2.0 (decision {decision.id}, GO) to {index.url}",
        f"  upload {wheel}: would run",
        f"  upload {sdist}: would run",
        "  tag v0.2.0: would run",
        "  push v0.2.0: would run",
    ]
    assert index.files("demo_e2e") == []
    assert ledger_steps(root) == []
    assert git(root, "tag", "--list", "v0.2.0") == ""

    code, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)
    outputs += [out, err]

    assert code == 0, err
    assert out.splitlines()[1:] == [
        f"  upload {wheel}: done",
        f"  upload {sdist}: done",
        "  tag v0.2.0: done",
        "  push v0.2.0: done",
    ]
    assert index.files("demo_e2e") == [wheel, sdist]
    remote = tmp_path / "demo-e2e-remote.git"
    assert git(remote, "cat-file", "-t", "v0.2.0") == "tag"  # annotated
    message = git(remote, "cat-file", "-p", "v0.2.0")
    assert f"Decision: {decision.id} (GO)" in message
    for name, digest in decision.artifacts.items():
        assert f"sha256 {digest}  {name}" in message
    assert git(remote, "rev-parse", "v0.2.0^{commit}") == git(root, "rev-parse", "HEAD")

    python = _fresh_venv(tmp_path / "venv")
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--isolated",
            "--no-cache-dir",
            "--quiet",
            "--index-url",
            f"{index.url}simple/",
            "demo-e2e==0.2.0",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert install.returncode == 0, install.stderr
    shown = subprocess.run(
        [str(python), "-c", "import gates_demo; print(gates_demo.__version__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert shown.stdout == "0.2.0\n"

    # Idempotent: a second run finds everything done and sends nothing.
    mtimes = {p.name: p.stat().st_mtime_ns for p in index.packages.glob("demo_e2e*")}
    code, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)
    outputs += [out, err]
    assert code == 0, err
    assert out.splitlines()[1:] == [
        f"  upload {wheel}: already done (on the index)",
        f"  upload {sdist}: already done (on the index)",
        "  tag v0.2.0: already done",
        "  push v0.2.0: already done",
    ]
    assert {p.name: p.stat().st_mtime_ns for p in index.packages.glob("demo_e2e*")} == mtimes
    steps = [(s["step"], s["target"], s["state"]) for s in ledger_steps(root)]
    assert steps == [
        ("upload", wheel, "started"),
        ("upload", wheel, "done"),
        ("upload", sdist, "started"),
        ("upload", sdist, "done"),
        ("tag", "v0.2.0", "started"),
        ("tag", "v0.2.0", "done"),
        ("push", "v0.2.0", "started"),
        ("push", "v0.2.0", "done"),
        ("release", "v0.2.0", "published"),
    ]
    assert all(s["decision"] == decision.id for s in ledger_steps(root))

    # A fresh clone has no local tag: the remote's tag on HEAD is the release tag.
    git(root, "tag", "-d", "v0.2.0")
    code, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)
    outputs += [out, err]
    assert code == 0, err
    assert out.splitlines()[3:] == [
        "  tag v0.2.0: already done (on origin)",
        "  push v0.2.0: already done",
    ]

    # TestPyPI first, then PyPI: the same files go to a second index; the tag is already there.
    (tmp_path / "second").mkdir()
    with running_index(tmp_path / "second", index.password) as second:
        code, out, err = gates_cli(
            capsys, root, "release", "publish", "--repository-url", second.url
        )
        outputs += [out, err]
        assert code == 0, err
        assert out.splitlines()[1:3] == [f"  upload {wheel}: done", f"  upload {sdist}: done"]
        assert second.files("demo_e2e") == [wheel, sdist]

    with open_ledger(config.load(root)) as ledger:
        assert ledger.verify().ok
    assert secret_count(index.password, outputs, [root / ".gates", remote]) == 0


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory, index: IndexServer) -> Path:
    """A project prepared for 0.2.0 and gated GO; each refusal test leaves it as it found it."""
    root = prepared_project(tmp_path_factory.mktemp("refuse"), "demo-refuse")
    gate(root)
    return root


def latest_decision(root: Path) -> Decision:
    with open_ledger(config.load(root)) as ledger:
        decision = ledger.latest_decision(git(root, "rev-parse", "HEAD^{tree}"))
    assert decision is not None
    return decision


def refused(
    capsys: pytest.CaptureFixture[str], root: Path, index: IndexServer, *extra: str
) -> tuple[int, str]:
    """Publish, expecting a refusal: (exit code, the one error line); nothing reached the index."""
    code, out, err = gates_cli(
        capsys, root, "release", "publish", "--repository-url", index.url, *extra
    )
    assert out == ""
    assert len(err.splitlines()) == 1
    assert index.files("demo_refuse") == []
    assert ledger_steps(root) == []
    return code, err.removeprefix("gates: error: ").rstrip("\n")


def test_publish_refuses_a_dirty_tree(
    capsys: pytest.CaptureFixture[str],
    gated: Path,
    index: IndexServer,
    twine_env: dict[str, str],
) -> None:
    root = gated
    extra = root / "src" / "gates_demo" / "extra.py"
    extra.write_text("X = 1\n")
    try:
        assert refused(capsys, root, index) == (
            2,
            "the working tree is not clean (src/gates_demo/extra.py changed): "
            "commit or stash first",
        )
    finally:
        extra.unlink()


def test_publish_refuses_a_stale_decision(
    capsys: pytest.CaptureFixture[str],
    gated: Path,
    index: IndexServer,
    twine_env: dict[str, str],
) -> None:
    root, decision = gated, latest_decision(gated)
    (root / "README.md").write_text("# changed after the decision\n")
    git(root, "commit", "-qam", "late change")
    tree = git(root, "rev-parse", "HEAD^{tree}")
    try:
        assert refused(capsys, root, index) == (
            1,
            f"no decision for this tree {tree[:12]} (the latest decision {decision.id} judged "
            f"tree {decision.tree[:12]}): run the gates chain (nox -s gates)",
        )
    finally:
        git(root, "reset", "-q", "--hard", "HEAD~1")


def test_publish_refuses_a_no_go(
    capsys: pytest.CaptureFixture[str],
    gated: Path,
    index: IndexServer,
    twine_env: dict[str, str],
) -> None:
    root = gated
    result = root / ".gates" / "results" / "package.json"
    aside = result.with_suffix(".aside")
    result.rename(aside)
    try:
        no_go = decide(root)
        assert refused(capsys, root, index) == (
            1,
            f"decision {no_go.id} is NO_GO: "
            "package: did not run for this tree (run 'gates package')",
        )
    finally:
        aside.rename(result)
        assert decide(root).verdict.value == "GO"


def test_publish_refuses_a_tampered_file(
    capsys: pytest.CaptureFixture[str],
    gated: Path,
    index: IndexServer,
    twine_env: dict[str, str],
) -> None:
    root, decision = gated, latest_decision(gated)
    sdist = root / ".gates" / "dist" / decision.tree / "demo_refuse-0.2.0.tar.gz"
    original = sdist.read_bytes()
    sdist.write_bytes(original + b"\0")
    actual = hashlib.sha256(original + b"\0").hexdigest()
    try:
        assert refused(capsys, root, index) == (
            1,
            f".gates/dist/{decision.tree}/demo_refuse-0.2.0.tar.gz: sha256 {actual[:12]} is not "
            f"the gated {decision.artifacts[sdist.name][:12]} (decision {decision.id}): "
            f"re-run the gates chain",
        )
    finally:
        sdist.write_bytes(original)


@pytest.mark.parametrize("where", ["local", "remote"])
def test_publish_refuses_a_tag_on_another_commit(
    capsys: pytest.CaptureFixture[str],
    gated: Path,
    index: IndexServer,
    twine_env: dict[str, str],
    where: str,
) -> None:
    root = gated
    previous, head = git(root, "rev-parse", "HEAD~1"), git(root, "rev-parse", "HEAD")
    git(root, "tag", "-a", "-m", "by hand", "v0.2.0", previous)
    if where == "remote":
        git(root, "push", "-q", "origin", "v0.2.0")
        git(root, "tag", "-d", "v0.2.0")
    try:
        on = " on origin" if where == "remote" else ""
        assert refused(capsys, root, index) == (
            2,
            f"tag v0.2.0 already exists{on} on commit {previous[:12]}, not on HEAD {head[:12]}: "
            f"0.2.0 was released from other code",
        )
    finally:
        if where == "remote":
            git(root, "push", "-q", "origin", ":refs/tags/v0.2.0")
        else:
            git(root, "tag", "-d", "v0.2.0")


@pytest.mark.parametrize(
    "url",
    [
        "https://upload.pypi.org/legacy/",
        "https://UPLOAD.PyPI.org./legacy/",  # the same host: case and a trailing dot
    ],
)
def test_publish_to_pypi_needs_a_production_decision(
    capsys: pytest.CaptureFixture[str],
    gated: Path,
    index: IndexServer,
    twine_env: dict[str, str],
    url: str,
) -> None:
    root, decision = gated, latest_decision(gated)
    publish = ("release", "publish", "--dry-run", "--repository-url", url)
    code, out, err = gates_cli(capsys, root, *publish)
    assert (code, out) == (1, "")
    assert err == (
        f"gates: error: {url} is a production index: it needs a decision "
        "made with 'gates decide --environment production' (it checks the must-have sign-offs); "
        f"decision {decision.id} was for no environment\n"
    )


def test_publish_refuses_to_replace_a_different_file_already_on_the_index(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    index: IndexServer,
    twine_env: dict[str, str],
) -> None:
    root = prepared_project(tmp_path, "demo-clash")
    # Someone uploaded a different wheel of the same name (other README → other METADATA).
    (root / "README.md").write_text("# another build\n")
    other = tmp_path / "other"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(other), "."],
        cwd=root,
        check=True,
        capture_output=True,
    )
    [stranger] = other.iterdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "twine",
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository-url",
            index.url,
            str(stranger),
        ],
        check=True,
        capture_output=True,
    )
    git(root, "checkout", "README.md")
    decision = gate(root)
    wheel = "demo_clash-0.2.0-py3-none-any.whl"

    code, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)

    assert (code, out) == (2, "")
    theirs = hashlib.sha256(stranger.read_bytes()).hexdigest()
    assert err == (
        f"gates: error: {wheel} is already on the index with sha256 {theirs[:12]}, not the gated "
        f"{decision.artifacts[wheel][:12]}: a released file cannot be replaced; release a new "
        f"version\n"
    )
    assert index.files("demo_clash") == [wheel]
    assert git(root, "tag", "--list", "v0.2.0") == ""


class HoldingProxy:
    """An HTTP relay to the index that can hang one upload: the file named in ``hold`` is read
    and never forwarded or answered, like a network that stalls mid-release."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.hold: str | None = None
        self.held = threading.Event()
        self.let_go = threading.Event()
        self.uploads: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.forward(self, None)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                match = re.search(rb'filename="([^"]+)"', body)
                name = match.group(1).decode() if match else ""
                proxy.uploads.append(name)
                if name == proxy.hold:
                    proxy.held.set()
                    proxy.let_go.wait(60)
                    self.close_connection = True
                    return
                proxy.forward(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def forward(self, handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        request = urllib.request.Request(
            self.target + handler.path, data=body, method=handler.command
        )
        for key in ("Content-Type", "Authorization"):
            if handler.headers.get(key):
                request.add_header(key, handler.headers[key])
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, kind, payload = response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            status, kind, payload = exc.code, exc.headers, exc.read()
        handler.send_response(status)
        handler.send_header("Content-Type", kind.get("Content-Type", "text/plain"))
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def close(self) -> None:
        self.let_go.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_publish_killed_between_wheel_and_sdist_resumes_without_resending_the_wheel(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    index: IndexServer,
    twine_env: dict[str, str],
) -> None:
    root = prepared_project(tmp_path, "demo-kill")
    decision = gate(root)
    wheel, sdist = "demo_kill-0.2.0-py3-none-any.whl", "demo_kill-0.2.0.tar.gz"
    proxy = HoldingProxy(index.url)
    proxy.hold = sdist
    source = str(Path(gates.__file__).resolve().parents[1])
    env = {**os.environ, **twine_env, "PYTHONPATH": source, "PYTHONUNBUFFERED": "1"}
    first_output = tmp_path / "first-run.txt"
    try:
        with first_output.open("w") as out:
            # The operator's job: its own process group, so the kill takes twine down with it.
            job = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gates",
                    "release",
                    "publish",
                    "--root",
                    str(root),
                    "--repository-url",
                    proxy.url,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
            try:
                assert proxy.held.wait(60), "the sdist upload never started"
            finally:
                os.killpg(job.pid, signal.SIGKILL)
                job.wait(30)
        assert job.returncode == -signal.SIGKILL
        assert first_output.read_text().splitlines()[1:] == [f"  upload {wheel}: done"]
        assert index.files("demo_kill") == [wheel]
        steps = [(s["step"], s["target"], s["state"]) for s in ledger_steps(root)]
        assert steps == [
            ("upload", wheel, "started"),
            ("upload", wheel, "done"),
            ("upload", sdist, "started"),
        ]
        assert git(root, "tag", "--list", "v0.2.0") == ""

        proxy.hold = None
        code, out, err = gates_cli(
            capsys, root, "release", "publish", "--repository-url", proxy.url
        )

        assert code == 0, err
        assert out.splitlines()[1:] == [
            f"  upload {wheel}: already done (on the index)",
            f"  upload {sdist}: done",
            "  tag v0.2.0: done",
            "  push v0.2.0: done",
        ]
        assert proxy.uploads == [wheel, sdist, sdist]  # the wheel was sent once
        assert index.files("demo_kill") == [wheel, sdist]
        tags = [s for s in ledger_steps(root) if s["step"] == "tag" and s["state"] == "done"]
        assert len(tags) == 1
        remote = tmp_path / "demo-kill-remote.git"
        assert f"Decision: {decision.id} (GO)" in git(remote, "cat-file", "-p", "v0.2.0")
        texts = [first_output.read_text(), out, err]
        assert secret_count(index.password, texts, [root / ".gates", remote]) == 0
    finally:
        proxy.close()


def test_a_rejected_upload_is_recorded_without_the_password_and_a_rerun_resumes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    index: IndexServer,
    twine_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = prepared_project(tmp_path, "demo-auth")
    gate(root)
    wrong = "wrong-" + secrets.token_urlsafe(12)
    monkeypatch.setenv("TWINE_PASSWORD", wrong)
    wheel = "demo_auth-0.2.0-py3-none-any.whl"

    code, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)

    assert code == 2
    assert err == (
        f"gates: error: upload of {wheel} failed: HTTPError: 403 Forbidden from {index.url}\n"
    )
    assert len(err.splitlines()) == 1
    assert index.files("demo_auth") == []
    [started, failed] = ledger_steps(root)
    assert (started["state"], failed["state"]) == ("started", "failed")
    assert failed["error"] == err.removeprefix("gates: error: ").rstrip("\n")

    monkeypatch.setenv("TWINE_PASSWORD", index.password)
    code, again, err2 = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)
    assert code == 0, err2
    assert index.files("demo_auth") == [wheel, "demo_auth-0.2.0.tar.gz"]
    texts = [out, err, again, err2]
    for secret in (wrong, index.password):
        assert secret_count(secret, texts, [root / ".gates"]) == 0


def test_production_publish_needs_every_must_have_signed_off(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    index: IndexServer,
    twine_env: dict[str, str],
) -> None:
    checklist = '\n[tool.gates.checklist]\nmust = ["CHANGELOG reviewed"]\n'
    root = prepared_project(tmp_path, "demo-prod", extra=checklist)
    no_go = gate(root, "--environment", "production")
    assert no_go.verdict.value == "NO_GO"

    code, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)

    assert (code, out) == (1, "")
    assert err == (
        f"gates: error: decision {no_go.id} is NO_GO: checklist: must-have sign-off missing: "
        'CHANGELOG reviewed (needs: gates signoff "CHANGELOG reviewed" --by NAME)\n'
    )

    # A production GO recorded by something that skipped the checklist is still refused.
    forged = replace(no_go, id=no_go.id + "-forged", verdict=Verdict.GO, reasons=())
    with open_ledger(config.load(root)) as ledger:
        record_decision(ledger, forged)
    code, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)
    assert (code, out) == (1, "")
    assert err == (
        "gates: error: production release of 0.2.0 lacks must-have checklist items: "
        "CHANGELOG reviewed\n"
    )

    assert gates_cli(capsys, root, "signoff", "CHANGELOG reviewed", "--by", "ana")[0] == 0
    go = decide(root, "--environment", "production")
    code, out, err = gates_cli(
        capsys, root, "release", "publish", "--repository-url", index.url, "--dry-run"
    )
    assert code == 0, err
    assert out.splitlines()[0] == (f"plan: demo-prod 0.2.0 (decision {go.id}, GO) to {index.url}")
    assert index.files("demo_prod") == []


def test_publish_refuses_a_version_the_changelog_does_not_describe(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    index: IndexServer,
    twine_env: dict[str, str],
) -> None:
    # Bumped by hand, without 'prepare': the gate passes on Unreleased, publish does not.
    root = make_project(
        tmp_path / "demo", name="demo-unprepared", extra=FAST_BUILD, remote=tmp_path / "r.git"
    )
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"0.1.0"', '"0.2.0"'))
    git(root, "commit", "-qam", "0.2.0")
    assert gate(root).verdict.value == "GO"

    code, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)

    assert (code, out) == (1, "")
    assert err == (
        "gates: error: the gated changelog has no section for 0.2.0: "
        "run 'gates release prepare 0.2.0' first\n"
    )


def test_with_a_restructuredtext_changelog_publish_says_what_prepare_cannot_do(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    index: IndexServer,
    twine_env: dict[str, str],
) -> None:
    extra = FAST_BUILD + 'changelog = "CHANGES.rst"\n'
    root = make_project(tmp_path / "demo", name="demo-rst", extra=extra, remote=tmp_path / "r.git")
    (root / "CHANGES.rst").write_text("Unreleased\n==========\n\n- A fix.\n")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"0.1.0"', '"0.2.0"'))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "0.2.0")
    assert gate(root).verdict.value == "GO"

    code, out, err = gates_cli(capsys, root, "release", "publish", "--repository-url", index.url)

    assert (code, out) == (1, "")
    assert err == (
        "gates: error: the gated changelog has no section for 0.2.0: "
        "title its Unreleased section 0.2.0 in CHANGES.rst, then gate again\n"
    )
    assert index.files("demo_rst") == []


def test_publish_refuses_a_decision_without_the_package_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], index: IndexServer
) -> None:
    root = make_project(tmp_path / "demo", remote=tmp_path / "r.git")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('required = ["package"]', 'required = ["ok"]')
        + '\n[tool.gates.commands]\nok = "true"\n'
    )
    git(root, "commit", "-qam", "no package gate")
    assert main(["run", "ok", "--root", str(root)]) == 0
    decision = decide(root)
    assert decision.verdict.value == "GO"

    code, out, err = gates_cli(
        capsys, root, "release", "publish", "--repository-url", index.url, "--json"
    )

    assert (code, out) == (1, "")
    assert err == (
        f"gates: error: decision {decision.id} covers no package files: add 'package' to "
        "[tool.gates] required\n"
    )


def test_publish_dry_run_json_is_the_plan_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], gated: Path, index: IndexServer, twine_env: dict[str, str]
) -> None:
    decision = latest_decision(gated)
    code, out, err = gates_cli(
        capsys, gated, "release", "publish", "--repository-url", index.url, "--dry-run", "--json"
    )
    assert code == 0, err
    assert json.loads(out) == {
        "project": "demo-refuse",
        "version": "0.2.0",
        "decision": decision.id,
        "repository_url": index.url,
        "dry_run": True,
        "steps": [
            {"step": "upload", "target": name, "state": "todo", "note": ""}
            for name in ("demo_refuse-0.2.0-py3-none-any.whl", "demo_refuse-0.2.0.tar.gz")
        ]
        + [
            {"step": "tag", "target": "v0.2.0", "state": "todo", "note": ""},
            {"step": "push", "target": "v0.2.0", "state": "todo", "note": ""},
        ],
    }
    assert index.files("demo_refuse") == []
    assert ledger_steps(gated) == []
    assert git(gated, "tag", "--list", "v0.2.0") == ""
