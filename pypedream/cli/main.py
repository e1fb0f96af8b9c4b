"""`pypedream`: dispatch and exit codes. Parsing lives in parser.py, commands in commands.py."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import Any

from pypedream.cli.errors import CliError, ExitCode
from pypedream.cli.parser import build_parser
from pypedream.errors import LogDestinationError, ParameterError, PipelineDefinitionError

__all__ = ["build_parser", "main"]


def _run(args: argparse.Namespace) -> int:
    from pypedream.cli import commands

    return commands.run(
        args.target,
        args.assignments,
        workers=args.workers,
        fail_fast=args.fail_fast,
        as_json=args.as_json,
        run_id=args.run_id,
        quiet=args.quiet,
        log_level=args.log_level,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def _graph(args: argparse.Namespace) -> int:
    from pypedream.cli import commands

    return commands.graph(
        args.target, graph_format=args.graph_format, output=args.output, stdout=sys.stdout
    )


def _export_airflow(args: argparse.Namespace) -> int:
    from pypedream.cli import commands

    return commands.export_airflow(
        args.targets,
        args.out_dir,
        dag_id=args.dag_id,
        check=args.check,
        force=args.force,
        template_dir=args.template_dir,
        airflow_version=args.airflow_version,
        schedule=args.schedule,
        start_date=args.start_date,
        catchup=args.catchup,
        tags=args.tags,
        owner=args.owner,
        default_args=args.default_args,
        airflow_xcoms=args.airflow_xcoms,
        regenerate_command=_regenerate_command(args.argv),
        stdout=sys.stdout,
    )


def _parity(args: argparse.Namespace) -> int:
    from pypedream.cli import commands

    return commands.parity(
        args.target,
        args.assignments,
        as_json=args.as_json,
        keep=args.keep,
        airflow_env=args.airflow_env,
        rtol=args.rtol,
        atol=args.atol,
        fast=args.fast,
        airflow_url=args.airflow_url,
        dags_folder=args.dags_folder,
        quiet=args.quiet,
        log_level=args.log_level,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def _check(args: argparse.Namespace) -> int:
    from pypedream.cli import commands

    return commands.check(
        args.target,
        args.assignments,
        as_json=args.as_json,
        quiet=args.quiet,
        log_level=args.log_level,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def _regenerate_command(argv: Sequence[str]) -> str:
    """The export-airflow command line as typed, without the options that only check/force."""
    typed = list(argv[argv.index("export-airflow") :])
    return shlex.join(["pypedream", *(arg for arg in typed if arg not in ("--check", "--force"))])


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _run,
    "export-airflow": _export_airflow,
    "parity": _parity,
    "check": _check,
    "graph": _graph,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (default: sys.argv[1:]), run the command, return the exit code."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, usage errors
        return _exit_code(stop.code)
    if args.command is None:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    args.argv = argv  # as typed: export-airflow records it in the DAG file header
    try:
        return int(_HANDLERS[args.command](args))
    except (CliError, PipelineDefinitionError, ParameterError, LogDestinationError) as problem:
        print(f"Error: {problem}", file=sys.stderr, flush=True)
        return getattr(problem, "exit_code", ExitCode.USAGE)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr, flush=True)
        return ExitCode.INTERRUPTED


def _exit_code(code: Any) -> int:
    if code is None:
        return ExitCode.OK
    return code if isinstance(code, int) else ExitCode.USAGE
