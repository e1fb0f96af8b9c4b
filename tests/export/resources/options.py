"""Pipelines whose Airflow options a new user might get wrong (the cases of issue 12).

Importable by reference (`tests.export.resources.options:<name>`) for the CLI tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pypedream import Parameter, Parameters, Pipeline, Stage
from pypedream.definition.airflow_options import AirflowOptions
from pypedream.input import dependency


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


def second(value: int) -> int:
    return value + 1


def _stages(**retry_settings: dict[str, Any]) -> dict[str, Stage[Any]]:
    return {
        "a": Stage(first, **retry_settings.get("a", {})),
        "b": Stage(second, [dependency("a", "value")], **retry_settings.get("b", {})),
        "c": Stage(second, [dependency("b", "value")], **retry_settings.get("c", {})),
    }


no_retries = Pipeline("no_retries", stages=_stages(), log_settings=None)
same_retries = Pipeline(
    "same_retries",
    stages=_stages(**{key: {"retries": 2, "retry_delay": 30} for key in "abc"}),
    log_settings=None,
)
mixed_retries = Pipeline(
    "mixed_retries",
    stages=_stages(a={"retries": 2}, c={"retries": 0, "retry_delay": dt.timedelta(minutes=5)}),
    log_settings=None,
)
documented = Pipeline(
    "documented",
    Parameters.define("region", min_amount=Parameter(25.0, description="Smallest amount")),
    stages={
        "a": Stage(first),
        "b": Stage(second, [dependency("a", "value")], description="Adds one.\n\nSee `a`."),
    },
    log_settings=None,
    description="Counts to two.",
)
