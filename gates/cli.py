"""The ``gates`` command: parse, call one function, print, return an exit code. Nothing else.

Each handler imports what its command needs: ``gates --version`` and ``gates --help`` load
argparse and the gate registry, not the config reader, the ledger or a gate (issue 17: cold
start ≤ 150 ms; ``python -X importtime -m gates --version`` shows what is loaded).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from gates import __version__
from gates.errors import Exit, GatesError
from gates.gate import BUILTIN

if TYPE_CHECKING:
    from pathlib import Path

    from gates.gate import GateModule, Runnable
    from gates.ledger import commands as ledger_commands
    from gates.model import GateResult, JSONValue
    from gates.project import Project

Handler = Callable[[argparse.Namespace], int]


def _printable(text: str) -> str:
    """``text`` with its control characters shown as escapes (names from the project are in it)."""
    from gates.printable import printable

    return printable(text)


def _print_json(data: JSONValue) -> None:
    import json

    print(json.dumps(data, indent=2))


def _print_either(args: argparse.Namespace, data: JSONValue, text: str) -> None:
    """``data`` as JSON under ``--json``, else ``text``."""
    if args.json:
        _print_json(data)
    else:
        print(_printable(text))


def _count(text: str) -> int:
    """A whole number from 1 to 1,000,000 (else a usage error, exit 2)."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 1_000_000:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 1000000, got {text!r}")
    return int(text)


def _name(text: str) -> str:
    """A non-blank name, stripped (else a usage error, exit 2)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a name, got a blank")
    return text.strip()


def _project(args: argparse.Namespace) -> Project:
    from gates.project import Project

    return Project.load(_path(args.root))


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


def _show(args: argparse.Namespace, gate: Runnable, result: GateResult) -> None:
    from gates.model import Status

    if args.json:
        _print_json(result.to_dict())
    else:
        text = gate.render(result)
        if text is not None:
            print(_printable(text), end="" if text.endswith("\n") else "\n")
        else:
            from gates.report import terminal  # rich is slow to import: only when printing

            terminal.print_result(result)
    if result.status.exit_code is not Exit.OK or result.status is Status.WARN:
        from gates.report import github

        github.annotate(result, sys.stderr if args.json else sys.stdout)


def _run(args: argparse.Namespace, gate: Runnable) -> int:
    from gates.reuse import fresh_requested
    from gates.runner import run_gate

    if args.setup_failed is not None:
        from gates.setup_failure import SetupFailed

        gate = SetupFailed(gate.name, args.setup_failed, os.environ)
    fresh = args.fresh or fresh_requested(os.environ)
    with _project(args) as project:
        run = run_gate(project, gate, fresh=fresh)
    if run.why_ran:
        print(_printable(f"gates: {gate.name}: not reused: {run.why_ran}"), file=sys.stderr)
    _show(args, gate, run.result)
    if run.reused_from is not None:
        print(
            f"{gate.name}: reused result from {run.reused_from} (--fresh runs it again)",
            file=sys.stderr if args.json else sys.stdout,
        )
    return gate.exit_code(run.result)


def _gate_handler(module: GateModule) -> Handler:
    return lambda args: _run(args, module.from_args(args))


def _run_command(args: argparse.Namespace) -> int:
    from gates.command_gate import CommandGate

    return _run(args, CommandGate(args.name))


def _decide(args: argparse.Namespace) -> int:
    from gates import decide
    from gates.report import github, markdown

    with _project(args) as project:
        decision = decide.decide(
            project,
            environment=args.environment,
            decided_by=args.by,
            reason=args.reason,
            no_go=args.no_go,
        )
    if args.json:
        _print_json(decision.to_dict())
    else:
        from gates.report import terminal  # rich is slow to import: only when printing

        terminal.print_decision(decision)
    github.publish(decision, markdown.decision(decision))
    return Exit.OK if decision.verdict.ships else Exit.FAIL


def _status(args: argparse.Namespace) -> int:
    from gates import decide

    with _project(args) as project:
        rows = decide.status(project)
    if args.json:
        _print_json([row.to_dict() for row in rows])
    else:
        from gates.report import terminal  # rich is slow to import: only when printing

        terminal.print_status(rows)
    return Exit.OK


def _release_prepare(args: argparse.Namespace) -> int:
    import datetime

    from gates.release import prepare

    with _project(args) as project:
        prepared = prepare.prepare(
            project, args.version, commit=args.commit, today=datetime.date.today()
        )
    _print_either(args, prepared.to_dict(), prepare.describe(prepared))
    return Exit.OK


def _release_publish(args: argparse.Namespace) -> int:
    from gates.release import publish

    with _project(args) as project:
        published = publish.publish(
            project,
            project.ledger,
            repository_url=args.repository_url,
            dry_run=args.dry_run,
            say=(lambda _line: None) if args.json else print,
        )
    if args.json:
        _print_json(published.to_dict())
    return Exit.OK


def _ledger(args: argparse.Namespace, command: Callable[[Project], ledger_commands.Shown]) -> int:
    """Run a ledger command on the project, then print what it shows."""
    with _project(args) as project:
        shown = command(project)
    _print_either(args, shown.data, shown.text)
    return shown.exit_code


def _history(args: argparse.Namespace) -> int:
    from gates.ledger import commands

    if args.flaky:
        return _ledger(args, lambda project: commands.flaky(project, last=args.last))
    if args.last is not None:
        raise GatesError("history: --last goes with --flaky (the decisions table takes --limit)")
    return _ledger(args, lambda project: commands.history(project, limit=args.limit))


def _ledger_verify(args: argparse.Namespace) -> int:
    from gates.ledger import commands

    return _ledger(
        args,
        lambda project: commands.verify(
            project, expect_head=args.expect_head, expect_record=args.expect_record
        ),
    )


def _ledger_sync(args: argparse.Namespace) -> int:
    from gates.ledger import commands

    return _ledger(args, commands.sync)


def _ledger_export(args: argparse.Namespace) -> int:
    from gates.ledger import commands

    with _project(args) as project:
        commands.export(project, sys.stdout)
    return Exit.OK


def _checklist(args: argparse.Namespace) -> int:
    from gates import checklist

    with _project(args) as project:
        found = checklist.load(project, version=args.version)
    _print_either(args, found.to_dict(), checklist.render(found, project.config.project_name))
    return Exit.OK


def _signoff(args: argparse.Namespace) -> int:
    from gates import checklist

    with _project(args) as project:
        record = checklist.signoff(
            project, item=args.item, by=args.by, note=args.note, version=args.version
        )
    signed = f"signed off: {args.item} by {args.by} (ledger record {record.seq})"
    _print_either(args, record.to_dict(), signed)
    return Exit.OK


def _report(args: argparse.Namespace) -> int:
    from gates.ledger import commands

    with _project(args) as project:
        line = commands.report(project, _path(args.html))
    print(_printable(line))
    return Exit.OK


def _init(args: argparse.Namespace) -> int:
    from gates import init

    outcome = init.run(_path(args.root), force=args.force, measure_project=not args.no_measure)
    _print_either(args, outcome.to_dict(), outcome.render())
    return Exit.OK


def _not_loaded(args: argparse.Namespace) -> int:
    raise GatesError(f"{args.command}: this gate's options were not loaded")


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; ``argv`` names the command, whose gate module alone is imported."""
    parser = argparse.ArgumentParser(
        prog="gates", description="Release quality gates: may this exact code ship?"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=".", help="project folder (default: current)")
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def gate_command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = command(name, handler, help_text)
        sub.add_argument(
            "--fresh",
            action="store_true",
            help="run even when the result recorded for these inputs could be reused"
            " (also GATES_FRESH=1)",
        )
        sub.add_argument(
            "--setup-failed",
            type=_path,
            default=None,
            metavar="FILE",
            help="record an ERROR naming the install error in FILE (the installer's stderr):"
            " the chain's session could not install what the gate needs",
        )
        return sub

    chosen = argv[0] if argv else None
    for spec in BUILTIN:
        sub = gate_command(spec.name, _not_loaded, spec.help)
        if spec.name == chosen:  # only the gate that runs is imported: startup stays fast
            module = spec.load()
            module.add_arguments(sub)
            sub.set_defaults(handler=_gate_handler(module))

    sub = gate_command("run", _run_command, "a command gate from [tool.gates.commands]")
    sub.add_argument("name", help="the command gate's name")

    sub = command("decide", _decide, "apply the policy to every gate's result: GO or NO_GO")
    sub.add_argument("--environment", type=_name, default=None, help="e.g. staging or production")
    sub.add_argument("--by", default=None, help="who decides (default: the CI run or the user)")
    sub.add_argument("--reason", default=None, help="why, recorded with the decision")
    sub.add_argument(
        "--no-go", action="store_true", help="stop the release: a GO becomes NO_GO (needs --reason)"
    )

    sub = command("history", _history, "the trend of recorded decisions and their metrics")
    sub.add_argument("--limit", type=_count, default=20, help="newest N decisions (default: 20)")
    sub.add_argument(
        "--flaky", action="store_true", help="per-test flake rate, and a quarantine rule"
    )
    sub.add_argument(
        "--last", type=_count, default=None, help="with --flaky: over the newest N decisions (20)"
    )

    ledger_parser = commands.add_parser("ledger", help="verify, export or sync the decision ledger")
    ledger_actions = ledger_parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def ledger_action(name: str, handler: Handler, text: str) -> argparse.ArgumentParser:
        sub = ledger_actions.add_parser(name, parents=[common], help=text, description=text)
        sub.set_defaults(handler=handler)
        return sub

    sub = ledger_action(
        "verify", _ledger_verify, "re-compute the hash chain; exit 1 naming the first bad record"
    )
    sub.add_argument(
        "--expect-head",
        default=None,
        metavar="HASH",
        help="exit 1 unless the newest record has this hash (the head another job saw)",
    )
    sub.add_argument(
        "--expect-record",
        default=None,
        metavar="HASH",
        help="exit 1 unless the chain holds the record with this hash (a shared ledger)",
    )
    ledger_action("export", _ledger_export, "every record as JSON lines, oldest first")
    ledger_action("sync", _ledger_sync, "git ledger: pull the remote's records, push this clone's")

    sub = command("checklist", _checklist, "the release manager checklist in Markdown")
    sub.add_argument("--version", default=None, help="release version (default: the project's)")

    sub = command("signoff", _signoff, "sign off a manual checklist item, recorded in the ledger")
    sub.add_argument("item", help="the checklist item, as configured")
    sub.add_argument("--by", required=True, help="who signs off")
    sub.add_argument("--note", default=None, help="a note kept with the sign-off")
    sub.add_argument("--version", default=None, help="release version (default: the project's)")

    sub = command("report", _report, "write the decision report")
    sub.add_argument("--html", required=True, metavar="FILE", help="one self-contained HTML page")

    sub = command("init", _init, "scaffold noxfile, [tool.gates], workflow and smoke plan")
    sub.add_argument("--force", action="store_true", help="overwrite files gates init writes")
    sub.add_argument(
        "--no-measure", action="store_true", help="skip running the tests, ruff and mypy once"
    )

    command("status", _status, "every gate's latest result, fresh or stale")

    release = commands.add_parser("release", help="prepare a release, or publish what a GO covered")
    steps = release.add_subparsers(dest="step", required=True, metavar="STEP")
    sub = steps.add_parser(
        "prepare", parents=[common], help="bump the version, date the changelog (PEP 440)"
    )
    sub.add_argument("version", help="the new version, e.g. 0.2.0")
    sub.add_argument("--commit", action="store_true", help="commit the changed files")
    sub.set_defaults(handler=_release_prepare)
    sub = steps.add_parser(
        "publish", parents=[common], help="upload the gated files, tag v{version}, push the tag"
    )
    sub.add_argument("--repository-url", default=None, help="upload here (default: config/PyPI)")
    sub.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    sub.set_defaults(handler=_release_publish)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the exit code (0 pass/GO, 1 fail/NO_GO, 2 usage/config/environment)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments)
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # argparse reports usage errors itself
        return exc.code if isinstance(exc.code, int) else Exit.USAGE
    handler: Handler = args.handler
    try:
        code = handler(args)
    except GatesError as exc:
        print(_printable(f"gates: error: {exc}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gates: interrupted", file=sys.stderr)
        return Exit.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``gates ledger export | head``): stop quietly, like cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return Exit.FAIL
    return code


def main_exit() -> None:
    """Console script."""
    sys.exit(main())


__all__ = ["build_parser", "main", "main_exit"]
