"""The ``gates`` command: parse, call one function, print, return an exit code. Nothing else."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from gates import __version__, checklist, config, flow, lint, typecheck
from gates.errors import EXIT_USAGE, GatesError
from gates.ledger import commands as ledger_commands
from gates.ledger import history
from gates.model import GateResult, JSONValue
from gates.record import exit_code

Handler = Callable[[argparse.Namespace], int]


def _print_json(data: JSONValue) -> None:
    print(json.dumps(data, indent=2))


def _show_result(args: argparse.Namespace, result: GateResult) -> int:
    if args.json:
        _print_json(result.to_dict())
    else:
        from gates.report import terminal  # rich is slow to import: only when printing

        terminal.print_result(result)
    flow.annotate(result)
    return exit_code(result)


def _context(args: argparse.Namespace) -> flow.Context:
    return flow.Context.load(Path(args.root))


def _lint(args: argparse.Namespace) -> int:
    return _show_result(args, lint.run(_context(args), update_baseline=args.update_baseline))


def _typecheck(args: argparse.Namespace) -> int:
    return _show_result(args, typecheck.run(_context(args), update_baseline=args.update_baseline))


def _package(args: argparse.Namespace) -> int:
    from gates import package

    return _show_result(args, package.run(_context(args)))


def _run_command(args: argparse.Namespace) -> int:
    return _show_result(args, flow.run_command_gate(_context(args), args.name))


def _tests(args: argparse.Namespace) -> int:
    from gates import testrun

    outcome = testrun.run(
        _context(args),
        pytest_args=args.pytest_args,
        evidence=args.evidence,
        output=sys.stderr if args.json else sys.stdout,  # keep --json output pure JSON
    )
    if args.json:
        _print_json(outcome.result.to_dict())
    return outcome.exit_code


def _buckets(args: argparse.Namespace) -> int:
    from gates import buckets
    from gates.report import buckets as buckets_report

    baseline = Path(args.baseline) if args.baseline else None
    result = buckets.run(_context(args), junit_patterns=args.junit, baseline=baseline)
    print(json.dumps(result.to_dict(), indent=2) if args.json else buckets_report.markdown(result))
    flow.annotate(result)
    return exit_code(result)


def _coverage(args: argparse.Namespace) -> int:
    from gates import coverage_gate

    return _show_result(args, coverage_gate.run(_context(args), data=args.data))


def _smoke(args: argparse.Namespace) -> int:
    from gates.smoke import run as smoke

    environment = smoke.Environment(args.environment)
    options = smoke.Options(environment, args.allow_writes, args.base_url, args.start)
    outcome = smoke.run_gate(_context(args).workspace, Path(args.plan), options)
    if args.json:
        _print_json(outcome.result.to_dict())
    else:
        print(outcome.terminal, end="")
    flow.annotate(outcome.result)
    return outcome.exit_code


def _decide(args: argparse.Namespace) -> int:
    decision = flow.decide(
        _context(args),
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
    flow.publish_decision(decision)
    return 0 if decision.verdict.ships else 1


def _status(args: argparse.Namespace) -> int:
    rows = flow.status(_context(args))
    if args.json:
        _print_json([row.to_dict() for row in rows])
    else:
        from gates.report import terminal  # rich is slow to import: only when printing

        terminal.print_status(rows)
    return 0


def _release_prepare(args: argparse.Namespace) -> int:
    from gates import release

    prepared = release.prepare(
        _context(args), args.version, commit=args.commit, today=datetime.date.today()
    )
    if args.json:
        _print_json(prepared.to_dict())
    else:
        print(release.describe(prepared))
    return 0


def _release_publish(args: argparse.Namespace) -> int:
    from contextlib import closing

    from gates import release
    from gates.ledger import open_ledger

    context = _context(args)
    with closing(open_ledger(context.config)) as ledger:
        published = release.publish(
            context,
            ledger,
            repository_url=args.repository_url,
            dry_run=args.dry_run,
            say=(lambda _line: None) if args.json else print,
        )
    if args.json:
        _print_json(published.to_dict())
    return 0


def _config(args: argparse.Namespace) -> config.GatesConfig:
    return config.load(Path(args.root).resolve())


def _history(args: argparse.Namespace) -> int:
    rows = ledger_commands.history(_config(args), limit=args.limit)
    if args.json:
        _print_json([row.to_dict() for row in rows])
    else:
        print(history.render(rows))
    return 0


def _ledger_verify(args: argparse.Namespace) -> int:
    location, result = ledger_commands.verify(_config(args))
    if args.json:
        _print_json({"ledger": location, **result.to_dict()})
    elif result.ok:
        print(f"ledger OK: {result.records} records, chain intact ({location})")
    else:
        print(f"ledger BROKEN: {result.problem} ({location})")
    return 0 if result.ok else 1


def _ledger_export(args: argparse.Namespace) -> int:
    ledger_commands.export(_config(args), sys.stdout)
    return 0


def _checklist(args: argparse.Namespace) -> int:
    context = _context(args)
    found = checklist.load(context.config, version=args.version, tree=context.workspace.tree_id())
    if args.json:
        _print_json(found.to_dict())
    else:
        print(checklist.render(found, context.config.project_name))
    return 0


def _signoff(args: argparse.Namespace) -> int:
    context = _context(args)
    record = checklist.signoff(
        context.config,
        item=args.item,
        by=args.by,
        note=args.note,
        version=args.version,
        tree=context.workspace.tree_id(),
    )
    if args.json:
        _print_json(record.to_dict())
    else:
        print(f"signed off: {args.item} by {args.by} (ledger record {record.seq})")
    return 0


def _report(args: argparse.Namespace) -> int:
    from gates.report import html

    path = html.write(_config(args), Path(args.html))
    print(f"wrote {path}")
    return 0


def _init(args: argparse.Namespace) -> int:
    from gates import init

    outcome = init.run(Path(args.root), force=args.force, measure_project=not args.no_measure)
    if args.json:
        _print_json(outcome.to_dict())
    else:
        print(outcome.render())
    return 0


def build_parser() -> argparse.ArgumentParser:
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

    for name, handler, text in (
        ("lint", _lint, "ruff check and ruff format --check"),
        ("typecheck", _typecheck, "mypy"),
    ):
        sub = command(name, handler, text)
        sub.add_argument(
            "--update-baseline", action="store_true", help="accept today's findings as the baseline"
        )

    command("package", _package, "build sdist + wheel, twine check, install and smoke the wheel")

    sub = command("run", _run_command, "a command gate from [tool.gates.commands]")
    sub.add_argument("name", help="the command gate's name")

    sub = command("tests", _tests, "pytest under coverage, writing .gates/evidence/")
    sub.add_argument(
        "--evidence", action="store_true", help="failing tests exit 0: they are evidence"
    )
    sub.add_argument("pytest_args", nargs=argparse.REMAINDER, help="-- then pytest arguments")

    sub = command("buckets", _buckets, "sort failing tests into owned buckets; judge them")
    sub.add_argument(
        "--junit",
        action="extend",
        nargs="+",
        default=[],
        metavar="GLOB",
        help="JUnit files or shard folders (repeatable; default: [tool.gates.tests] junit)",
    )
    sub.add_argument(
        "--baseline", metavar="FILE", help="previous run to compare with (default: last decision)"
    )

    sub = command("coverage", _coverage, "total, per-path and changed-line coverage thresholds")
    sub.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="PATH",
        help="coverage data file, or folder of shard artifacts (repeatable; default from config)",
    )

    sub = command("smoke", _smoke, "run a smoke plan (HTTP, WebSocket, command checks)")
    sub.add_argument("plan", help="the smoke plan (TOML)")
    sub.add_argument("--base-url", default=None, help="target URL, instead of the plan's base_url")
    sub.add_argument(
        "--environment",
        choices=("staging", "production"),
        default="staging",
        help="production refuses unsafe methods unless --allow-writes",
    )
    sub.add_argument("--allow-writes", action="store_true", help="allow writes in production")
    sub.add_argument("--start", default=None, metavar="CMD", help="start the target for the run")

    sub = command("decide", _decide, "apply the policy to every gate's result: GO or NO_GO")
    sub.add_argument("--environment", default=None, help="e.g. staging or production")
    sub.add_argument("--by", default=None, help="who decides (default: the CI run or the user)")
    sub.add_argument("--reason", default=None, help="why, recorded with the decision")
    sub.add_argument(
        "--no-go", action="store_true", help="stop the release: a GO becomes NO_GO (needs --reason)"
    )

    sub = command("history", _history, "the trend of recorded decisions and their metrics")
    sub.add_argument("--limit", type=int, default=20, help="newest N decisions (default: 20)")

    ledger_parser = commands.add_parser("ledger", help="verify or export the decision ledger")
    ledger_actions = ledger_parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, handler, text in (
        ("verify", _ledger_verify, "re-compute the hash chain; exit 1 naming the first bad record"),
        ("export", _ledger_export, "every record as JSON lines, oldest first"),
    ):
        sub = ledger_actions.add_parser(name, parents=[common], help=text, description=text)
        sub.set_defaults(handler=handler)

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
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if getattr(args, "pytest_args", None) and args.pytest_args[0] == "--":
        args.pytest_args = args.pytest_args[1:]
    handler: Handler = args.handler
    try:
        code = handler(args)
    except GatesError as exc:
        print(f"gates: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gates: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``gates ledger export | head``): stop quietly, like cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


def main_exit() -> None:
    """Console script."""
    sys.exit(main())


__all__ = ["build_parser", "main", "main_exit"]
