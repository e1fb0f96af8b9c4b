"""Every Airflow option is checked at export the way Airflow checks it: a bad one names the
option and a valid example, exits 2 from the CLI, and writes nothing."""

from __future__ import annotations

import ast
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pypedream_compiler import ExportError, export_airflow

from pypedream.cli.main import main
from pypedream.definition.airflow_options import AirflowOptions, airflow_option_problems
from tests.export.resources import options as resources

SEED = "pypedream.examples.seed:pipeline"
OPTIONS = "tests.export.resources.options"
REPO_ROOT = Path(__file__).resolve().parents[2]


def _dag_keywords(path: Path) -> dict[str, ast.expr]:
    """The keyword arguments of the `DAG(...)` call in a generated file."""
    tree = ast.parse(path.read_text())
    [call] = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "DAG"
    ]
    return {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}


BAD = [
    # (options, the option named, a fragment of the valid example)
    pytest.param(
        {"schedule": "every day"},
        "schedule: 'every day' is not a cron",
        '"@daily"',
        id="schedule-words",
    ),
    pytest.param(
        {"schedule": "@dayly"},
        "schedule: unknown preset '@dayly'",
        '"@daily"',
        id="schedule-preset-typo",
    ),
    pytest.param(
        {"schedule": "61 * * * *"},
        "schedule: '61 * * * *' is not a cron",
        "0 6 * * *",
        id="schedule-minute-61",
    ),
    pytest.param(
        {"schedule": dt.timedelta(0)},
        "schedule: a timedelta must be positive",
        "timedelta(hours=1)",
        id="schedule-zero-delta",
    ),
    pytest.param(
        {"schedule": 86400},
        "schedule: expected a cron string, preset, timedelta or None, got int",
        "None",
        id="schedule-int",
    ),
    pytest.param(
        {"tags": (1, 2)},
        "tags: every tag must be a string, got int",
        '["finance", "daily"]',
        id="tags-ints",
    ),
    pytest.param(
        {"tags": "abc"}, "tags: expected a list of strings, got str", "--tag finance", id="tags-str"
    ),
    pytest.param(
        {"tags": ["x" * 101]}, "must have 1 to 100 characters", "tags=[", id="tags-too-long"
    ),
    pytest.param(
        {"description": 123},
        "description: expected a string, got int",
        'description="Daily sales"',
        id="description-int",
    ),
    pytest.param(
        {"max_active_runs": "3"},
        "max_active_runs: expected a whole number >= 1, got str",
        "max_active_runs=3",
        id="runs-str",
    ),
    pytest.param(
        {"max_active_runs": 0},
        "max_active_runs: expected a whole number >= 1, got int",
        "max_active_runs=3",
        id="runs-zero",
    ),
    pytest.param(
        {"max_active_runs": True},
        "max_active_runs: expected a whole number >= 1, got bool",
        "max_active_runs=3",
        id="runs-bool",
    ),
    pytest.param(
        {"schedule": "@continuous"},
        'schedule "@continuous" needs max_active_runs=1',
        "max_active_runs=1",
        id="continuous-runs",
    ),
    pytest.param(
        {"catchup": "yes"},
        "catchup: expected True or False, got str",
        "catchup=False",
        id="catchup-str",
    ),
    pytest.param(
        {"owner": 7}, "owner: expected a string, got int", 'owner="data-team"', id="owner-int"
    ),
    pytest.param(
        {"dag_id": 7}, "dag_id: expected a string, got int", 'dag_id="daily_sales"', id="dag-id-int"
    ),
    pytest.param(
        {"start_date": dt.date(2024, 1, 1)},
        "start_date: expected a datetime, got date",
        "--start-date 2024-01-01",
        id="start-date-date",
    ),
    pytest.param(
        {"default_args": {"pool": {"x": 1}}},
        "default_args['pool']: expected str, got dict",
        'default_args={"pool": "etl"}',
        id="pool-dict",
    ),
    pytest.param(
        {"default_args": {"email_on_failure": "no"}},
        "default_args['email_on_failure']: expected bool, got str",
        "False",
        id="bool-str",
    ),
    pytest.param(
        {"default_args": {"priority_weight": True}},
        "default_args['priority_weight']: expected int, got bool",
        "10",
        id="int-bool",
    ),
    pytest.param(
        {"default_args": {"email": ["a@b.c", 3]}},
        "default_args['email']: every address must be a string",
        "oncall@example.com",
        id="email-list-int",
    ),
    pytest.param(
        {"default_args": {"pols": "etl"}},
        "default_args['pols']: not an Airflow operator argument",
        "Did you mean 'pool'?",
        id="unknown-key",
    ),
    pytest.param(
        {"default_args": {"retries": 2}},
        "default_args['retries']: not allowed",
        "Stage(retries=...)",
        id="retries-owned",
    ),
    pytest.param(
        {"default_args": {"sla": 60}},
        "default_args['sla']: not allowed: SLAs were removed",
        "deadline alerts",
        id="sla",
    ),
    pytest.param(
        {"default_args": {"execution_timeout": float("nan")}},
        "default_args['execution_timeout']: seconds must be a finite number > 0",
        "timedelta(hours=1)",
        id="timeout-nan",
    ),
    pytest.param(
        {"default_args": {"execution_timeout": "1h"}},
        "default_args['execution_timeout']: expected a timedelta or seconds, got str",
        "3600",
        id="timeout-str",
    ),
    pytest.param(
        {"default_args": {"executor_config": {"k": {1, 2}}}},
        "default_args['executor_config']: must be plain JSON data",
        "KubernetesExecutor",
        id="config-set",
    ),
    pytest.param(
        {"default_args": {"weight_rule": "sideways"}},
        "default_args['weight_rule']: expected one of absolute, downstream, upstream",
        "",
        id="weight-rule",
    ),
    pytest.param(
        {"default_args": {"pool_slots": 0}},
        "default_args['pool_slots']: must be >= 1",
        "pool_slots",
        id="pool-slots-zero",
    ),
    pytest.param(
        {"default_args": ["pool"]},
        "default_args: expected a dict, got list",
        '{"pool": "etl"}',
        id="default-args-list",
    ),
]


@pytest.mark.parametrize(("options", "problem", "example"), BAD)
def test_a_bad_option_is_refused_naming_it_and_an_example(
    tmp_path: Path, options: dict[str, Any], problem: str, example: str
) -> None:
    with pytest.raises(ExportError) as raised:
        export_airflow(SEED, tmp_path / "dags", options=AirflowOptions(**options))
    message = str(raised.value)
    assert problem in message
    assert example in message
    assert not (tmp_path / "dags").exists()


def test_every_problem_is_reported_at_once() -> None:
    options = AirflowOptions(schedule="every day", tags="abc", max_active_runs="3")
    problems = airflow_option_problems(options)
    assert [p.partition(":")[0] for p in problems] == ["schedule", "tags", "max_active_runs"]


GOOD = [
    pytest.param(None, "None", id="no-schedule"),
    pytest.param("0 6 * * 1-5", "'0 6 * * 1-5'", id="cron"),
    pytest.param("*/15 * * * *", "'*/15 * * * *'", id="cron-step"),
    pytest.param("@daily", "'@daily'", id="preset"),
    pytest.param("@once", "'@once'", id="once"),
    pytest.param(dt.timedelta(days=1), "datetime.timedelta(days=1)", id="timedelta-days"),
    pytest.param(
        dt.timedelta(minutes=90), "datetime.timedelta(minutes=90)", id="timedelta-minutes"
    ),
    pytest.param(
        dt.timedelta(seconds=1.5),
        "datetime.timedelta(seconds=1, microseconds=500000)",
        id="timedelta-fraction",
    ),
]


@pytest.mark.parametrize(("schedule", "source"), GOOD)
def test_supported_schedules_are_written(tmp_path: Path, schedule: Any, source: str) -> None:
    [result] = export_airflow(SEED, tmp_path, options=AirflowOptions(schedule=schedule))
    assert ast.unparse(_dag_keywords(result.path)["schedule"]) == source


def test_continuous_with_one_run_is_fine(tmp_path: Path) -> None:
    options = AirflowOptions(schedule="@continuous", max_active_runs=1)
    [result] = export_airflow(SEED, tmp_path, options=options)
    assert ast.unparse(_dag_keywords(result.path)["schedule"]) == "'@continuous'"


def test_a_schedule_needs_defaults_for_every_param(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="Airflow refuses a schedule on a DAG whose params"):
        export_airflow(resources.scheduled_required, tmp_path)


def test_timedelta_default_args_take_seconds_or_timedeltas(tmp_path: Path) -> None:
    options = AirflowOptions(
        default_args={"execution_timeout": 3600, "max_retry_delay": dt.timedelta(minutes=10)}
    )
    [result] = export_airflow(SEED, tmp_path, options=options)
    default_args = ast.unparse(_dag_keywords(result.path)["default_args"])
    assert "'execution_timeout': datetime.timedelta(hours=1)" in default_args
    assert "'max_retry_delay': datetime.timedelta(minutes=10)" in default_args


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_a_naive_start_date_is_utc_on_every_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        [result] = export_airflow(f"{OPTIONS}:naive_start", tmp_path)
    finally:
        monkeypatch.undo()
        time.tzset()
    start = ast.unparse(_dag_keywords(result.path)["start_date"])
    assert start == "datetime.datetime(2024, 3, 1, 6, 30, 0, tzinfo=datetime.timezone.utc)"


def test_a_pipeline_description_must_be_text(tmp_path: Path) -> None:
    with pytest.raises(
        ExportError, match=r"description: Pipeline\(description=...\) must be a string"
    ):
        export_airflow(resources.int_description, tmp_path)


CLI_CASES = [
    pytest.param([f"{OPTIONS}:every_day"], "schedule: 'every day' is not a cron", id="schedule"),
    pytest.param([f"{OPTIONS}:int_tags"], "tags: every tag must be a string", id="tags-ints"),
    pytest.param([f"{OPTIONS}:str_tags"], "tags: expected a list of strings", id="tags-str"),
    pytest.param(
        [f"{OPTIONS}:int_description"], "description: Pipeline(description=...)", id="description"
    ),
    pytest.param(
        [f"{OPTIONS}:str_runs"], "max_active_runs: expected a whole number", id="max-runs"
    ),
    pytest.param(
        [SEED, "--default-arg", 'pool={"x": 1}'], "default_args['pool']: expected str", id="pool"
    ),
    pytest.param(
        [SEED, "--schedule", "every day"], "schedule: 'every day' is not a cron", id="schedule-flag"
    ),
    pytest.param(
        [SEED, "--default-arg", "nope=1"],
        "default_args['nope']: not an Airflow operator",
        id="unknown-flag",
    ),
    pytest.param(
        ["tests.export.resources.nan_delay:pipeline"],
        "retry_delay must be >= 0 and finite, got nan",
        id="nan-retry-delay",
    ),
]


@pytest.mark.parametrize(("argv", "message"), CLI_CASES)
def test_the_cli_exits_2_names_the_option_and_writes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.setattr(sys, "path", [str(REPO_ROOT), *sys.path])
    code = main(["export-airflow", argv[0], "-o", str(tmp_path / "dags"), *argv[1:]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("Error: ")
    assert message in err
    assert "e.g." in err
    assert not (tmp_path / "dags").exists()


def test_a_timedelta_schedule_from_the_pipeline_is_written(tmp_path: Path) -> None:
    [result] = export_airflow(f"{OPTIONS}:daily_delta", tmp_path)
    assert ast.unparse(_dag_keywords(result.path)["schedule"]) == "datetime.timedelta(days=1)"


def test_a_cron_check_without_croniter_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "croniter", None)  # `import croniter` raises ImportError
    with pytest.raises(ExportError, match=r"needs croniter.*pypedream\[export\]"):
        export_airflow(SEED, tmp_path, options=AirflowOptions(schedule="0 6 * * *"))
    assert list(tmp_path.iterdir()) == []
