"""Pipelines whose Airflow options a new user might get wrong (the cases of issue 12).

Importable by reference (`tests.export.resources.options:<name>`) for the CLI tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pypedream import Parameters, Pipeline, Stage
from pypedream.definition.airflow_options import AirflowOptions


def first() -> int:
    """Say one."""
    return 1


def _pipeline(name: str, **options: Any) -> Pipeline:
    return Pipeline(
        name, stages={"first": Stage(first)}, log_settings=None, airflow=AirflowOptions(**options)
    )


every_day = _pipeline("every_day", schedule="every day")
int_tags = _pipeline("int_tags", tags=(1, 2))
str_tags = _pipeline("str_tags", tags="abc")
str_runs = _pipeline("str_runs", max_active_runs="3")
dict_pool = _pipeline("dict_pool", default_args={"pool": {"x": 1}})
int_description = Pipeline(
    "int_description", stages={"first": Stage(first)}, log_settings=None, description=123
)
daily_delta = _pipeline("daily_delta", schedule=dt.timedelta(days=1))
naive_start = _pipeline("naive_start", start_date=dt.datetime(2024, 3, 1, 6, 30))
scheduled_required = Pipeline(
    "scheduled_required",
    parameters=Parameters.define("region"),
    stages={"first": Stage(first)},
    log_settings=None,
    airflow=AirflowOptions(schedule="@daily"),
)
long_238 = Pipeline("n" * 238, stages={"first": Stage(first)}, log_settings=None)
long_250 = Pipeline("n" * 250, stages={"first": Stage(first)}, log_settings=None)
hidden = Pipeline(".hidden", stages={"first": Stage(first)}, log_settings=None)
visible = Pipeline("hidden", stages={"first": Stage(first)}, log_settings=None)
dots = Pipeline("..", stages={"first": Stage(first)}, log_settings=None)
