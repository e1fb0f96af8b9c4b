"""The `pypedream` argument parser: each command's arguments and their value types."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from typing import Any, NoReturn

from pypedream import __version__
from pypedream.cli import help_text
from pypedream.cli.errors import ExitCode

__all__ = ["build_parser"]

_RUN_ID = re.compile(r"[A-Za-z0-9_.-]{1,250}")


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
        moment: dt.datetime = convert_value(text, dt.datetime)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO date or datetime (2024-01-31, 2024-01-31T06:00:00+02:00), "
            f"got {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0 such as 1e-9, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the `pypedream` parser; `args.command` names the chosen command (or is None)."""
    parser = _Parser(
        prog="pypedream",
        description="Run pypedream pipelines, export them as Airflow DAG files, and check that "
        "Airflow runs them the same.",
        epilog="Run `pypedream COMMAND --help` for a command's options.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"pypedream {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    _add_run(commands)
    _add_export_airflow(commands)
    _add_parity(commands)
    _add_check(commands)
    _add_graph(commands)
    return parser


def _add_command(
    commands: Any, name: str, summary: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    """Add one command; its epilog's {names} and {conversion} are filled in here."""
    from pypedream.cli.conversion import CONVERSION_HELP

    command: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog.format(names=help_text.NAME_HELP, conversion=CONVERSION_HELP),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    return command


def _add_pipeline_arguments(command: argparse.ArgumentParser, target_help: str) -> None:
    """TARGET, the one pipeline, and `-p NAME=VALUE` for its parameters."""
    command.add_argument("target", metavar="TARGET", help=target_help)
    command.add_argument(
        "-p",
        "--param",
        dest="assignments",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="set a parameter (repeat for several); converted by the parameter's type",
    )


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(text: str) -> str:
    if text.upper() not in _LEVELS:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(_LEVELS)}, got {text!r}")
    return text.upper()


def _add_console_options(command: argparse.ArgumentParser) -> None:
    """--quiet and --log-level: what the run shows on the terminal (the log file is unchanged)."""
    shown = command.add_mutually_exclusive_group()
    shown.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no live log or progress line; print failures and the verdict only",
    )
    shown.add_argument(
        "--log-level",
        type=_log_level,
        metavar="LEVEL",
        help="show console log events at LEVEL and above (DEBUG, INFO, WARNING, ERROR, "
        "CRITICAL; default: the pipeline's console_level, INFO); the log file keeps its level",
    )


def _add_json_option(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--json",
        dest="as_json",
        action="store_true",
        help=f"print the {what} as JSON on stdout (and nothing else there)",
    )


def _add_run(commands: Any) -> None:
    run = _add_command(
        commands,
        "run",
        "run a pipeline in this process",
        help_text.RUN_DESCRIPTION,
        help_text.RUN_EPILOG,
    )
    _add_pipeline_arguments(run, "package.module:NAME or path/to/file.py:NAME")
    run.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="run independent stages on N threads (default: one at a time, in a fixed order)",
    )
    run.add_argument(
        "--fail-fast", action="store_true", help="start no new stage after the first failure"
    )
    _add_json_option(run, "result")
    run.add_argument("--run-id", type=_run_id, metavar="ID", help="use ID instead of a new run id")
    _add_console_options(run)


def _add_export_airflow(commands: Any) -> None:
    export = _add_command(
        commands,
        "export-airflow",
        "write Airflow DAG files that run pipelines",
        help_text.EXPORT_DESCRIPTION,
        help_text.EXPORT_EPILOG,
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
    export.add_argument(
        "--airflow-version",
        choices=("2", "3", "both"),
        default="both",
        help="write imports for Airflow 2 or 3 only (default: both, chosen when Airflow parses it)",
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
        help="an operator default argument, e.g. pool=etl (repeat for several)",
    )
    airflow.add_argument(
        "--airflow-xcoms",
        action=argparse.BooleanOptionalAction,
        help="besides pypedream's own XCom, push return_value and named outputs for "
        "Airflow-native readers (default: yes; --no-airflow-xcoms halves the XCom bytes)",
    )


def _add_parity(commands: Any) -> None:
    parity = _add_command(
        commands,
        "parity",
        "run a pipeline natively and in an embedded Airflow, compare every stage",
        help_text.PARITY_DESCRIPTION,
        help_text.PARITY_EPILOG,
    )
    _add_pipeline_arguments(parity, "package.module:NAME or file.py:NAME")
    _add_json_option(parity, "report")
    _add_console_options(parity)
    parity.add_argument(
        "--keep",
        action="store_true",
        help="keep the Airflow home (DAG file, airflow.db, logs) and print where it is",
    )
    parity.add_argument(
        "--fast",
        action="store_true",
        help="run every Airflow task in ONE process (plain dag.test()): faster, but blind to "
        "state shared across tasks; default: each task in a fresh process, as in production",
    )
    parity.add_argument(
        "--airflow-url",
        metavar="URL",
        help="run on this live Airflow 3 instead (e.g. http://127.0.0.1:8080, a Celery + "
        "PostgreSQL deployment): its executor runs the tasks; needs --dags-folder; "
        "credentials from PYPEDREAM_AIRFLOW_TOKEN, or PYPEDREAM_AIRFLOW_USERNAME and "
        "PYPEDREAM_AIRFLOW_PASSWORD",
    )
    parity.add_argument(
        "--dags-folder",
        metavar="DIR",
        help="with --airflow-url: the DAGs folder its DAG processor watches (the DAG files "
        "go into DIR/pypedream_parity/ and are removed after the run, unless --keep)",
    )
    parity.add_argument(
        "--airflow-env",
        metavar="PYTHON",
        help="run Airflow with this Python (or virtualenv directory), e.g. one with Airflow 2",
    )
    for option, kind in (("--rtol", "relative"), ("--atol", "absolute")):
        parity.add_argument(
            option,
            type=_tolerance,
            default=0.0,
            metavar="X",
            help=f"floats match within this {kind} tolerance (reported as such); default exact",
        )


def _add_check(commands: Any) -> None:
    check = _add_command(
        commands,
        "check",
        "run a pipeline natively and report values Airflow cannot carry or will change",
        help_text.CHECK_DESCRIPTION,
        help_text.CHECK_EPILOG,
    )
    _add_pipeline_arguments(check, "package.module:NAME or file.py:NAME")
    _add_json_option(check, "report")
    _add_console_options(check)


def _add_graph(commands: Any) -> None:
    graph = _add_command(
        commands,
        "graph",
        "print or write a pipeline's graph (Mermaid, Graphviz DOT or SVG)",
        help_text.GRAPH_DESCRIPTION,
        help_text.GRAPH_EPILOG,
    )
    graph.add_argument("target", metavar="TARGET", help="package.module:NAME or file.py:NAME")
    graph.add_argument(
        "-f",
        "--format",
        dest="graph_format",
        choices=("mermaid", "dot", "svg"),
        default=None,
        help="mermaid (default), dot, or svg (Graphviz's layout when `dot` is installed, "
        "else a built-in one); default: from the -o file's suffix (.mmd, .dot/.gv, .svg; "
        "another suffix is an error), else mermaid",
    )
    graph.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of printing to stdout"
    )
