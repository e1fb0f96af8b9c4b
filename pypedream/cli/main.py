"""`pypedream`: argument parsing and exit codes. Commands live in commands.py."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shlex
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

_NAME_HELP = """\
NAME is a Pipeline, or a function taking no arguments that returns one; dotted
names (module:obj.attr) work. Without :NAME the module's `pipeline` attribute is
used, else the module's only Pipeline."""

_RUN_EPILOG = """\
TARGET is one of
  package.module:NAME    import the module (the current directory is searched first)
  path/to/file.py:NAME   load the file (its directory is put on sys.path)
{names}

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

_EXPORT_DESCRIPTION = """\
Write one Airflow DAG file per pipeline, DIR/<dag_id>.py. The file is a thin shim:
each task imports the pipeline by its module:NAME reference and runs one stage through
pypedream, so that module must be importable on the Airflow workers. Files pypedream
did not write are never overwritten (unless --force); nothing is deleted."""

_EXPORT_EPILOG = """\
TARGET is one of
  package.module:NAME    recorded in the DAG file as typed
  path/to/file.py:NAME   recorded as module:NAME, the file's dotted module name relative
                         to the current directory or a sys.path entry
{names}

The Airflow options override the pipeline's own (Pipeline(..., airflow=AirflowOptions(...))):
--tag replaces its tags, --default-arg adds to its default_args (VALUE is JSON when it
parses as JSON, else the text as given), the others replace its values.

exit status:
  0    every file written or unchanged; with --check, every file up to date
  1    --check: a file is missing or out of date (its diff is printed)
  2    usage, target, definition or export error (nothing was written)
  130  interrupted

examples:
  pypedream export-airflow pypedream.examples.seed:pipeline -o dags
  pypedream export-airflow my_project.flows:daily -o dags --schedule '0 6 * * *' --tag sales
  pypedream export-airflow my_project.flows:daily -o dags --check    # in CI: is dags/ current?
"""


_PARITY_DESCRIPTION = """\
Run a pipeline in an embedded, throw-away Apache Airflow (exported DAG file, SQLite,
dag.test(): no server) and natively with the same parameters, run id and logical date,
then compare every stage: status, every output (exactly: type and value, floats bit for
bit), and for failed stages the exception type and message. Prints a table, the export
readiness report and the verdict."""

_PARITY_EPILOG = """\
TARGET must be importable by module name, as Airflow imports it:
  package.module:NAME    or   path/to/file.py:NAME (under the current directory or sys.path)
{names}

{conversion}

exit status:
  0    every stage behaves the same natively and in Airflow
  1    a difference (each is listed with its stage, output and path)
  2    usage, target, parameter or environment error (e.g. no Airflow installed)
  130  interrupted

examples:
  pypedream parity pypedream.examples.seed:pipeline
  pypedream parity my_project.flows:daily -p day=2024-01-31 --json > parity.json
  pypedream parity my_project.flows:daily --airflow-env .venv-airflow2/bin/python
  pypedream parity my_project.flows:model --rtol 1e-9     # floats may differ in the last bits
"""

_CHECK_DESCRIPTION = """\
Run a pipeline natively (no Airflow needed) and report, for every stage output, its type,
its serialized size and every way Airflow cannot carry it or will change it."""

_CHECK_EPILOG = """\
{names}

exit status:
  0    every value can be carried between Airflow tasks (warnings may be printed)
  1    a value cannot be carried at all, or a stage failed (its values were not checked)
  2    usage, target, definition or parameter error (nothing ran)
  130  interrupted

examples:
  pypedream check pypedream.examples.sales:pipeline -p region=north
  pypedream check my_project.flows:daily --json
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


def _start_date(text: str) -> dt.datetime:
    from pypedream.cli.conversion import convert_value

    try:
        moment = convert_value(text, dt.datetime)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO date or datetime (2024-01-31, 2024-01-31T06:00:00+02:00), "
            f"got {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def build_parser() -> argparse.ArgumentParser:
    from pypedream.cli.conversion import CONVERSION_HELP

    parser = _Parser(
        prog="pypedream",
        description="Run pypedream pipelines, export them as Airflow DAG files, and check that "
        "Airflow runs them the same.",
        epilog="Run `pypedream COMMAND --help` for a command's options.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"pypedream {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a pipeline in this process",
        description=_RUN_DESCRIPTION,
        epilog=_RUN_EPILOG.format(names=_NAME_HELP, conversion=CONVERSION_HELP),
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
    _add_export_airflow(commands)
    _add_parity(commands, CONVERSION_HELP)
    _add_check(commands)
    return parser


def _add_param_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--param",
        dest="assignments",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="set a parameter (repeat for several); converted by the parameter's type",
    )


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0 such as 1e-9, got {text!r}")
    return value


def _add_parity(commands: Any, conversion: str) -> None:
    parity = commands.add_parser(
        "parity",
        help="run a pipeline natively and in an embedded Airflow, compare every stage",
        description=_PARITY_DESCRIPTION,
        epilog=_PARITY_EPILOG.format(names=_NAME_HELP, conversion=conversion),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parity.add_argument("target", metavar="TARGET", help="package.module:NAME or file.py:NAME")
    _add_param_option(parity)
    parity.add_argument(
        "--json",
        dest="as_json",
        action="store_true",
        help="print the report as JSON on stdout (and nothing else there)",
    )
    parity.add_argument(
        "--keep",
        action="store_true",
        help="keep the Airflow home (DAG file, airflow.db, logs) and print where it is",
    )
    parity.add_argument(
        "--airflow-env",
        metavar="PYTHON",
        help="run Airflow with this Python (or virtualenv directory), e.g. one with Airflow 2",
    )
    parity.add_argument(
        "--rtol",
        type=_tolerance,
        default=0.0,
        metavar="X",
        help="floats match within this relative tolerance (reported as such); default exact",
    )
    parity.add_argument(
        "--atol",
        type=_tolerance,
        default=0.0,
        metavar="X",
        help="floats match within this absolute tolerance (reported as such); default exact",
    )
    parity.set_defaults(handler=_parity)


def _add_check(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="run a pipeline natively and report values Airflow cannot carry or will change",
        description=_CHECK_DESCRIPTION,
        epilog=_CHECK_EPILOG.format(names=_NAME_HELP),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    check.add_argument("target", metavar="TARGET", help="package.module:NAME or file.py:NAME")
    _add_param_option(check)
    check.add_argument(
        "--json",
        dest="as_json",
        action="store_true",
        help="print the report as JSON on stdout (and nothing else there)",
    )
    check.set_defaults(handler=_check)


def _add_export_airflow(commands: Any) -> None:
    export = commands.add_parser(
        "export-airflow",
        help="write Airflow DAG files that run pipelines",
        description=_EXPORT_DESCRIPTION,
        epilog=_EXPORT_EPILOG.format(names=_NAME_HELP),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    export.add_argument(
        "targets", metavar="TARGET", nargs="+", help="package.module:NAME or path/to/file.py:NAME"
    )
    export.add_argument(
        "-o", "--out-dir", metavar="DIR", required=True, help="write the DAG files here"
    )
    export.add_argument(
        "--dag-id", metavar="ID", help="the DAG's id (one TARGET only; default: from its name)"
    )
    export.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and print a diff when a file is missing or out of date",
    )
    export.add_argument(
        "--force", action="store_true", help="overwrite files that pypedream did not write"
    )
    export.add_argument(
        "--template-dir", metavar="DIR", help="look for dag.py.j2 here before the built-in one"
    )
    airflow = export.add_argument_group("Airflow options")
    airflow.add_argument(
        "--schedule", metavar="CRON", help="a cron expression or preset such as @daily"
    )
    airflow.add_argument(
        "--start-date",
        type=_start_date,
        metavar="ISO",
        help="ISO date or datetime; UTC unless it has an offset",
    )
    airflow.add_argument(
        "--catchup",
        action=argparse.BooleanOptionalAction,
        help="run the schedule's missed intervals since the start date",
    )
    airflow.add_argument(
        "--tag", dest="tags", metavar="TAG", action="append", help="a DAG tag (repeat for several)"
    )
    airflow.add_argument("--owner", metavar="NAME", help="the tasks' owner")
    airflow.add_argument(
        "--default-arg",
        dest="default_args",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="an operator default argument, e.g. retries=2 (repeat for several)",
    )
    export.set_defaults(handler=_export_airflow)


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


def _export_airflow(args: argparse.Namespace) -> int:
    from pypedream.cli import commands

    return commands.export_airflow(
        args.targets,
        args.out_dir,
        dag_id=args.dag_id,
        check=args.check,
        force=args.force,
        template_dir=args.template_dir,
        schedule=args.schedule,
        start_date=args.start_date,
        catchup=args.catchup,
        tags=args.tags,
        owner=args.owner,
        default_args=args.default_args,
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
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def _check(args: argparse.Namespace) -> int:
    from pypedream.cli import commands

    return commands.check(
        args.target, args.assignments, as_json=args.as_json, stdout=sys.stdout, stderr=sys.stderr
    )


def _regenerate_command(argv: Sequence[str]) -> str:
    """The export-airflow command line as typed, without the options that only check/force."""
    typed = list(argv[argv.index("export-airflow") :])
    return shlex.join(["pypedream", *(arg for arg in typed if arg not in ("--check", "--force"))])


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
