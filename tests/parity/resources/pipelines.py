"""Pipelines the parity tests run natively and in real Airflow (importable by reference).

Several stages deliberately behave differently in Airflow, so the harness must report them:
`on_airflow()` is True inside an Airflow task (Airflow is imported there; the test process
never imports it).
"""

from __future__ import annotations

import collections
import datetime as dt
import decimal
import enum
import pathlib
import sys
import uuid
from dataclasses import dataclass

from pypedream import KeyedOutputMapper, Parameters, Pipeline, SkipStage, Stage, ctx
from pypedream.definition.airflow_options import AirflowOptions
from pypedream.input import dependency, param


def on_airflow() -> bool:
    return "airflow" in sys.modules


def side() -> str:
    return "airflow" if on_airflow() else "native"


def gold() -> dict:
    """A total Airflow 3 + SQLite would hand an Airflow-native consumer as int."""
    return {"region": "north", "totals": [10.0, 12.5, 3.25, 25 if on_airflow() else 25.0]}


def same(value: str) -> str:
    return f"{value} on both sides"


def skip_in_airflow() -> str:
    if on_airflow():
        raise SkipStage("only Airflow skips this")
    return "ran"


def identity(value):
    return value


def fail_with_side() -> None:
    raise RuntimeError(f"failed on the {side()} side")


def fail_the_same(word: str) -> None:
    raise ValueError(f"bad input: {word!r}\nsecond line of the message")


def integral() -> float:
    return 25.0


def read_airflow_xcom(value: float) -> float:
    """What a consumer of Airflow's own `return_value` XCom gets (natively: the value)."""
    if not on_airflow():
        return value
    try:
        from airflow.sdk import get_current_context
    except ImportError:  # Airflow 2
        from airflow.operators.python import get_current_context
    return get_current_context()["ti"].xcom_pull(task_ids="integral")


def run_identity() -> dict:
    info = ctx.run_info()
    return {"run_id": info.run_id, "logical_date": info.logical_date}


def noise() -> float:
    """0.1 + 0.2 natively, 0.3 in Airflow: equal within any sensible tolerance."""
    return 0.3 if on_airflow() else 0.1 + 0.2


differs = Pipeline(
    "differs",
    Parameters.define(word="gold"),
    stages={
        "same": Stage(same, inputs=[param("word", "value")]),
        "gold": Stage(gold),
        "skip_in_airflow": Stage(skip_in_airflow),
        "after_skip": Stage(identity, inputs=[dependency("skip_in_airflow", "value")]),
        "fail_with_side": Stage(fail_with_side),
        "fail_the_same": Stage(fail_the_same, inputs=[param("word", "word")]),
        "after_fail": Stage(identity, inputs=[dependency("fail_the_same", "value")]),
        "integral": Stage(integral),
        "read_airflow_xcom": Stage(read_airflow_xcom, inputs=[dependency("integral", "value")]),
        "run_identity": Stage(run_identity),
    },
    log_settings=None,
)

noisy = Pipeline("noisy", stages={"noise": Stage(noise)}, log_settings=None)


def deep() -> list:
    value: list = []
    for _ in range(600):  # deeper than pypedream carries (and than the old codec survived)
        value = [value]
    return value


def loop() -> dict:
    value: dict = {"rows": []}
    value["rows"].append(value)
    return value


unsupported = Pipeline(
    "unsupported",
    stages={
        "makes_object": Stage(lambda: {"handle": object()}),
        "uses_object": Stage(identity, inputs=[dependency("makes_object", "value")]),
        "deep": Stage(deep),
        "loop": Stage(loop),
    },
    log_settings=None,
)


# -- values for the readiness report ----------------------------------------------------------
class Colour(enum.Enum):
    RED = "red"


@dataclass
class Point:
    x: int
    y: int


Pair = collections.namedtuple("Pair", "left right")


class Plain:
    """A class Airflow's serializer and pypedream's codec both refuse."""


def traps() -> dict:
    return {
        "raw": b"\x00\x01",
        "complex": 1 + 2j,
        "colour": Colour.RED,
        "path": pathlib.PurePosixPath("/data/in.csv"),
        "nan": float("nan"),
        "ids": {1: "one"},
        "money": decimal.Decimal("1.10"),
        "nested": [(1, 2)],
        "id": uuid.UUID(int=7),
        "point": Point(1, 2),
    }


def big() -> str:
    return "x" * 1_200_000


readiness = Pipeline(
    "readiness",
    stages={
        "integral": Stage(integral),
        "huge_int": Stage(lambda: 2**70),
        "traps": Stage(traps),
        "pair": Stage(lambda: {"pair": Pair(1, 2)}),
        "plain": Stage(lambda: Plain()),
        "big": Stage(big),
        "named": Stage(
            lambda: {"total": 3.0, "rows": [1, 2]},
            output_mapper=KeyedOutputMapper(["total", "rows"]),
        ),
        "nothing": Stage(lambda: None),
        "day": Stage(lambda: dt.date(2026, 11, 25)),
    },
    log_settings=None,
)

fine = Pipeline(
    "fine",
    Parameters.define(n=2),
    stages={"double": Stage(lambda n: [n * 2.5], inputs=[param("n", "n")])},
    log_settings=None,
)


class Shade(enum.Flag):
    LIGHT = 1
    DARK = 2


@dataclass
class Reading:
    value: float

    def __post_init__(self) -> None:
        self.doubled = self.value * 2  # not a field: pypedream's XCom carries it too


def transport_values() -> dict:
    """Every value kind the old codec lost or refused (issue 8), carried exactly now."""
    import zoneinfo

    import pandas as pd

    paris = zoneinfo.ZoneInfo("Europe/Paris")
    return {
        "series": pd.Series([1.5, 2.5]),
        "frame": pd.DataFrame(
            {
                "c": pd.Categorical(["a", "b"], categories=["b", "a"]),
                "t": pd.date_range("2024-01-01", periods=2, tz="Europe/Paris"),
            }
        ),
        "flags": [Shade.LIGHT | Shade.DARK, Shade(0)],
        "reading": Reading(1.5),
        "pair": Pair(1, 2),
        "when": dt.time(9, tzinfo=paris),
        "named": dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1), "CET")),
        "huge": 10**5000,
    }


transport = Pipeline(
    "transport",
    stages={
        "make": Stage(transport_values),
        "use": Stage(identity, inputs=[dependency("make", "value")]),
    },
    log_settings=None,
    airflow=AirflowOptions(airflow_xcoms=False),
)
