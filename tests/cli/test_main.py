"""Argument parsing: help, version, usage errors as `Error: ...` with exit code 2."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import pypedream

from .conftest import Outcome

Cli = Callable[..., Outcome]


def test_help_lists_commands(cli: Cli) -> None:
    outcome = cli("--help")
    assert outcome.code == 0
    assert outcome.out.startswith("usage: pypedream")
    assert "    run           run a pipeline in this process\n" in outcome.out
    assert "    export-airflow\n                  write Airflow DAG files that run" in outcome.out


def test_run_help_documents_targets_conversions_and_exit_codes(cli: Cli) -> None:
    outcome = cli("run", "--help")
    assert outcome.code == 0
    for expected in (
        "package.module:NAME",
        "path/to/file.py:NAME",
        "function taking no arguments",
        "bool true/false/yes/no/1/0",
        "2    usage, target, definition or parameter error (nothing ran)",
        "--workers N",
        "--fail-fast",
        "--json",
        "--run-id ID",
    ):
        assert expected in outcome.out


def test_export_airflow_help_documents_targets_options_and_exit_codes(cli: Cli) -> None:
    outcome = cli("export-airflow", "--help")
    assert outcome.code == 0
    for expected in (
        "path/to/file.py:NAME   recorded as module:NAME",
        "function taking no arguments",
        "-o DIR, --out-dir DIR",
        "--check",
        "--force",
        "--template-dir DIR",
        "--schedule CRON",
        "--start-date ISO",
        "--catchup, --no-catchup",
        "--tag TAG",
        "--owner NAME",
        "--default-arg KEY=VALUE",
        "1    --check: a file is missing or out of date (its diff is printed)",
        "2    usage, target, definition or export error (nothing was written)",
    ):
        assert expected in outcome.out


def test_version(cli: Cli) -> None:
    outcome = cli("--version")
    assert outcome.code == 0
    assert outcome.out == f"pypedream {pypedream.__version__}\n"


def test_no_command_prints_help_and_exits_2(cli: Cli) -> None:
    outcome = cli()
    assert outcome.code == 2
    assert "commands:" in outcome.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'", id="cmd"),
        pytest.param(["run"], "the following arguments are required: TARGET", id="no-target"),
        pytest.param(
            ["run", "m:p", "--workers", "0"],
            "argument --workers: expected a whole number >= 1, got '0'",
            id="workers-zero",
        ),
        pytest.param(
            ["run", "m:p", "--workers", "many"],
            "argument --workers: expected a whole number >= 1, got 'many'",
            id="workers-text",
        ),
        pytest.param(
            ["run", "m:p", "--run-id", "../escape"],
            "argument --run-id: expected 1-250 characters of A-Z a-z 0-9 _ . -",
            id="run-id-path",
        ),
        pytest.param(["run", "m:p", "--work", "2"], "unrecognized arguments: --work", id="abbrev"),
        pytest.param(
            ["export-airflow", "m:p"],
            "the following arguments are required: -o/--out-dir",
            id="export-no-out-dir",
        ),
        pytest.param(
            ["export-airflow", "-o", "dags"],
            "the following arguments are required: TARGET",
            id="export-no-target",
        ),
        pytest.param(
            ["export-airflow", "m:p", "-o", "dags", "--start-date", "yesterday"],
            "argument --start-date: expected an ISO date or datetime (2024-01-31, "
            "2024-01-31T06:00:00+02:00), got 'yesterday'",
            id="export-start-date",
        ),
    ],
)
def test_usage_errors_exit_2(cli: Cli, argv: list[str], message: str) -> None:
    outcome = cli(*argv)
    assert outcome.code == 2
    assert outcome.err.startswith("usage: pypedream")
    assert f"Error: {message}" in outcome.err
    assert outcome.out == ""
