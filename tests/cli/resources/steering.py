"""Pipelines for the console-option, graph and typed-parameter CLI tests."""

from __future__ import annotations

import datetime as dt

from pypedream import Parameters, Pipeline, Stage
from pypedream import logging as plog
from pypedream.input import dependency, param


def flaky(n: int) -> int:
    raise ValueError(f"flaky failed for {n}")


def talk(n: int) -> int:
    plog.debug("a debug detail", n=n)
    plog.info("an info line", n=n)
    plog.warning("a warning line", n=n)
    return n


def weekday(day: dt.date) -> int:
    return day.isoweekday()


def label(number: int, prefix: str) -> str:
    return f"{prefix}{number}"


retried = Pipeline(
    "retried",
    Parameters.define(n=1),
    stages={"flaky": Stage(flaky, inputs=[param("n", "n")], retries=2)},
)

chatty = Pipeline(
    "chatty",
    Parameters.define(n=1),
    stages={"talk": Stage(talk, inputs=[param("n", "n")])},
)

dated = Pipeline(
    "dated",
    Parameters.define("day", prefix="day "),
    stages={
        "weekday": Stage(weekday, inputs=[param("day", "day")]),
        "label": Stage(label, inputs=[dependency("weekday", "number"), param("prefix", "prefix")]),
    },
)
