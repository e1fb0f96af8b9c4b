"""Pipelines for the export-airflow tests: one with its own Airflow options."""

from __future__ import annotations

from pypedream import Parameters, Pipeline, Stage
from pypedream.definition.airflow_options import AirflowOptions
from pypedream.input import dependency, param


def double(x: int) -> int:
    return 2 * x


# its own options; the CLI's override them (default_args key by key)
pipeline = Pipeline(
    "scheduled",
    Parameters.define(a=1),
    stages={
        "first": Stage(double, inputs=[param("a", as_arg="x")]),
        "second": Stage(double, inputs=[dependency("first", as_arg="x")]),
    },
    airflow=AirflowOptions(
        schedule="@hourly",
        tags=("own",),
        owner="team",
        default_args={"email_on_retry": True, "queue": "slow"},
    ),
)

other = Pipeline(
    "other",
    stages={"one": Stage(double, inputs=[param("a", as_arg="x")])},
    parameters=Parameters.define(a=2),
)

# the same dag_id as `other`
other_again = Pipeline(
    "other",
    stages={"one": Stage(double, inputs=[param("a", as_arg="x")])},
    parameters=Parameters.define(a=3),
)

# a set default cannot be an Airflow Param
set_default = Pipeline(
    "set_default",
    Parameters.define(ids={1, 2}),
    stages={"one": Stage(double, inputs=[param("ids", as_arg="x")])},
)
