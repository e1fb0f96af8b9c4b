"""Pipelines the export tests compile, golden-file and run in real Airflow.

Importable by reference (`tests.export.resources.pipelines:<name>`), as Airflow workers need.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pypedream import Parameter, Parameters, Pipeline, SkipStage, Stage, ctx
from pypedream.definition.airflow_options import AirflowOptions
from pypedream.input import dependency, known, param

HOSTILE = 'x"); import os; os.system("echo pwned") #'
TEMPLATE_LIKE = "{{ ti.xcom_pull(task_ids='a') }}"


def identity(value):
    return value


def explode(value):
    raise ValueError(f"boom: cannot use {value!r}")


def describe(value):
    return {"type": type(value).__name__, "value": value}


def add(left, right):
    return left + right


def integral_float():
    return 25.0


def trap_values():
    return {
        "neg_zero": -0.0,
        "big_float": 1e16,
        "big_int": 2**70,
        "order": {"b": 1, "a": 2},
        "nested_tuples": [(1, 2), (3.0,)],
        "day": dt.date(2026, 11, 25),
        "moment": dt.datetime(2026, 11, 25, 14, 30, 5, 123456, tzinfo=dt.timezone.utc),
        "span": dt.timedelta(hours=1, microseconds=7),
    }


def frame():
    import pandas as pd

    return pd.DataFrame(
        {"amount": [1.5, 2.0, None], "region": ["n", "s", "n"], "count": [1, 2, 3]},
        index=pd.Index([10, 20, 30], name="order_id"),
    )


def frame_total(table):
    return float(table["amount"].sum())


def flaky(marker_dir: str):
    """Fails on its first attempt in a run, succeeds on the second."""
    marker = Path(marker_dir) / f"flaky-{ctx.run_info().run_id}".replace(":", "_")
    if not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("failed once")
        raise RuntimeError("first attempt fails")
    return "second attempt worked"


def maybe_skip(flag: bool):
    if flag:
        raise SkipStage("nothing to do today")
    return "ran"


values = Pipeline(
    "values",
    stages={
        "integral_float": Stage(integral_float),
        "sees_float": Stage(describe, inputs=[dependency("integral_float", "value")]),
        "traps": Stage(trap_values),
        "echo_traps": Stage(identity, inputs=[dependency("traps", "value")]),
        "frame": Stage(frame),
        "frame_total": Stage(frame_total, inputs=[dependency("frame", "table")]),
        "tuple_out": Stage(lambda: (1, [2.0, (3,)])),
        "sum": Stage(add, inputs=[dependency("integral_float", "left"), known(0.5, "right")]),
    },
    log_settings=None,
)

failing = Pipeline(
    "failing",
    Parameters.define(word="boom"),
    stages={
        "start": Stage(identity, inputs=[param("word", "value")]),
        "explode": Stage(explode, inputs=[dependency("start", "value")]),
        "after_explode": Stage(identity, inputs=[dependency("explode", "value")]),
        "way_after": Stage(identity, inputs=[dependency("after_explode", "value")]),
        "independent": Stage(identity, inputs=[dependency("start", "value")]),
    },
    log_settings=None,
)

control = Pipeline(
    "control flow",
    Parameters.define(
        marker_dir=Parameter(os.environ.get("PYPEDREAM_TEST_MARKERS", "/tmp/pypedream-markers")),
        skip=False,
    ),
    stages={
        # retry_delay=0 so real Airflow retries at once (unset, its default is 300 s)
        "flaky": Stage(flaky, inputs=[param("marker_dir", "marker_dir")], retries=1, retry_delay=0),
        "maybe_skip": Stage(maybe_skip, inputs=[param("skip", "flag")]),
        "after_skip": Stage(identity, inputs=[dependency("maybe_skip", "value")]),
    },
    log_settings=None,
)

hostile = Pipeline(
    'ok enough"); import os #',
    Parameters.define(
        **{HOSTILE: HOSTILE, "template": Parameter(TEMPLATE_LIKE, description=HOSTILE)}
    ),
    stages={
        HOSTILE: Stage(identity, inputs=[param(HOSTILE, "value")]),
        TEMPLATE_LIKE: Stage(identity, inputs=[param("template", "value")]),
        "joined": Stage(
            add, inputs=[dependency(HOSTILE, "left"), dependency(TEMPLATE_LIKE, "right")]
        ),
    },
    log_settings=None,
)


def chain(length: int = 200) -> Pipeline:
    """A chain of `length` stages, each adding 1."""
    stages = {"s000": Stage(identity, inputs=[known(0, "value")])}
    for index in range(1, length):
        stages[f"s{index:03d}"] = Stage(
            add, inputs=[dependency(f"s{index - 1:03d}", "left"), known(1, "right")]
        )
    return Pipeline(f"chain {length}", stages=stages, log_settings=None)


chain200 = chain(200)


unsupported = Pipeline(
    "unsupported value",
    stages={
        "makes_object": Stage(lambda: {"handle": object()}),
        "uses_object": Stage(identity, inputs=[dependency("makes_object", "value")]),
    },
    log_settings=None,
)


with_options = Pipeline(
    "with options",
    stages={"only": Stage(lambda: 1)},
    log_settings=None,
    airflow=AirflowOptions(schedule="@hourly", owner="analytics"),
)
