"""Pipelines for the console-option, graph and typed-parameter CLI tests."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from pypedream import Parameters, Pipeline, Stage
from pypedream import logging as plog
from pypedream.input import dependency, known, param


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


def sleep_then_return(marker_dir: str, name: str, seconds: float) -> str:
    """Leave a marker file (the test waits for it), then work for `seconds`."""
    (Path(marker_dir) / name).write_text("started")
    plog.info("working", name=name)
    time.sleep(seconds)
    plog.info("still logging at the end", name=name)
    return name


def _sleeper(name: str, seconds: float, after: tuple[str, ...] = ()) -> Stage[str]:
    return Stage(
        sleep_then_return,
        inputs=[param("marker_dir", "marker_dir"), known(name, "name"), known(seconds, "seconds")],
        after=list(after),
    )


sleepy = Pipeline(
    "sleepy",
    Parameters.define(marker_dir="."),
    stages={
        "first": _sleeper("first", 2.0),
        "side": _sleeper("side", 2.0),
        "last": _sleeper("last", 0.1, after=("first", "side")),
    },
)
