"""`pypedream`: argument parsing and exit codes. Commands live in commands.py."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from pypedream import __version__
from pypedream.cli.errors import CliError, ExitCode
from pypedream.errors import ParameterError, PipelineDefinitionError

__all__ = ["build_parser", "main"]

_RUN_ID = re.compile(r"[A-Za-z0-9_.-]{1,250}")

_RUN_DESCRIPTION = """\
Run a pipeline in this process and print a per-stage summary and the log path.
On a terminal a live progress line shows stages done / running / failed."""

_RUN_EPILOG = """\
TARGET is one of
  package.module:NAME    import the module (the current directory is searched first)
  path/to/file.py:NAME   load the file (its directory is put on sys.path)
NAME is a Pipeline, or a function taking no arguments that returns one; dotted
names (module:obj.attr) work. Without :NAME the module's `pipeline` attribute is
used, else the module's only Pipeline.

{conversion}

exit status:
  0    every stage succeeded (or was skipped)
  1    a stage failed (the summary and each failed stage's error are printed)
  2    usage, target, definition or parameter error (nothing ran)
  130  interrupted

examples:
  pypedream run pypedream.examples.seed:pipeline
  pypedream run pipelines/daily.py:build_pipeline -p day=2024-01-31 --workers 4
  pypedream run my_project.flows:daily -p sources='["a", "b"]' --json > result.json
"""


class _Parser(argparse.ArgumentParser):
    """argparse, reporting usage errors as `Error: ...` like every other CLI error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"Error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _run_id(text: str) -> str:
    if not _RUN_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"expected 1-250 characters of A-Z a-z 0-9 _ . - (it names the log file), got {text!r}"
        )
    return text


def build_parser() -> argparse.ArgumentParser:
    from pypedream.cli.conversion import CONVERSION_HELP

    parser = _Parser(
        prog="pypedream",
        description="Run pypedream pipelines from the command line.",
        epilog="Run `pypedream COMMAND --help` for a command's options.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"pypedream {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a pipeline in this process",
        description=_RUN_DESCRIPTION,
        epilog=_RUN_EPILOG.format(conversion=CONVERSION_HELP),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    run.add_argument("target", metavar="TARGET", help="package.module:NAME or path/to/file.py:NAME")
    run.add_argument(
        "-p",
        "--param",
        dest="assignments",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="set a parameter (repeat for several); converted by the parameter's type",
    )
    run.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="run independent stages on N threads (default: one at a time, in a fixed order)",
    )
    run.add_argument(
        "--fail-fast", action="store_true", help="start no new stage after the first failure"
    )
    run.add_argument(
        "--json",
        dest="as_json",
        action="store_true",
        help="print the result as JSON on stdout (and nothing else there)",
    )
    run.add_argument("--run-id", type=_run_id, metavar="ID", help="use ID instead of a new run id")
    run.set_defaults(handler=_run)
    return parser


def _run(args: argparse.Namespace) -> int:
    from pypedream.cli import commands

    return commands.run(
        args.target,
        args.assignments,
        workers=args.workers,
        fail_fast=args.fail_fast,
        as_json=args.as_json,
        run_id=args.run_id,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (default: sys.argv[1:]), run the command, return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, usage errors
        return _exit_code(stop.code)
    if args.command is None:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        return int(args.handler(args))
    except (CliError, PipelineDefinitionError, ParameterError) as problem:
        print(f"Error: {problem}", file=sys.stderr, flush=True)
        return getattr(problem, "exit_code", ExitCode.USAGE)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr, flush=True)
        return ExitCode.INTERRUPTED


def _exit_code(code: Any) -> int:
    if code is None:
        return ExitCode.OK
    return code if isinstance(code, int) else ExitCode.USAGE
