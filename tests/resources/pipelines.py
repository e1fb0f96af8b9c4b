"""Example pipelines the runtime tests run: importable, built fresh by small factories.

Every factory takes a `Calls` recorder so a test can assert which stage functions ran, and
builds its pipeline with logging off unless the test passes `log_settings`.
"""

from __future__ import annotations

import threading
from typing import Any

from pypedream import LoggerSettings, Parameters, Pipeline, SkipStage, Stage
from pypedream.input import dependency, known, param


class Calls:
    """A thread-safe record of which stage functions ran, in call order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.order: list[str] = []

    def add(self, name: str) -> None:
        with self._lock:
            self.order.append(name)

    def __contains__(self, name: object) -> bool:
        return name in self.order

    def __len__(self) -> int:
        return len(self.order)


def recorded(calls: Calls, name: str, value: Any = None) -> Any:
    """A stage function that records `name` and returns `value` (or `name`)."""

    def function(**kwargs: Any) -> Any:
        calls.add(name)
        return name if value is None else value

    function.__qualname__ = name
    return function


def failing(calls: Calls, name: str, error: Exception | None = None) -> Any:
    """A stage function that records `name` and raises."""

    def function(**kwargs: Any) -> Any:
        calls.add(name)
        raise error or RuntimeError(f"{name} broke")

    function.__qualname__ = name
    return function


def skipping(calls: Calls, name: str) -> Any:
    def function(**kwargs: Any) -> Any:
        calls.add(name)
        raise SkipStage(f"{name} has nothing to do")

    function.__qualname__ = name
    return function


def add(a: int, b: int) -> int:
    return a + b


def double(x: int) -> int:
    return 2 * x


def diamond(calls: Calls, log_settings: LoggerSettings | None = None) -> Pipeline:
    """load -> (left, right) -> join, with a `base` parameter."""

    def load(base: int) -> int:
        calls.add("load")
        return base

    def left(x: int) -> int:
        calls.add("left")
        return x + 1

    def right(x: int) -> int:
        calls.add("right")
        return x * 10

    def join(a: int, b: int) -> int:
        calls.add("join")
        return a + b

    return Pipeline(
        "diamond",
        Parameters.define(base=1),
        stages={
            "load": Stage(load, inputs=[param("base", as_arg="base")]),
            "left": Stage(left, inputs=[dependency("load", as_arg="x")]),
            "right": Stage(right, inputs=[dependency("load", as_arg="x")]),
            "join": Stage(
                join, inputs=[dependency("left", as_arg="a"), dependency("right", as_arg="b")]
            ),
        },
        log_settings=log_settings,
    )


def failing_branch(calls: Calls, **stage_options: Any) -> Pipeline:
    """root -> bad -> after_bad -> last; root -> good -> after_good (independent of bad).

    `stage_options` go to the `bad` stage (e.g. retries).
    """
    return Pipeline(
        "failing_branch",
        stages={
            "root": Stage(recorded(calls, "root", 1)),
            "bad": Stage(
                failing(calls, "bad", ValueError("bad input")),
                inputs=[dependency("root", as_arg="x")],
                **stage_options,
            ),
            "good": Stage(recorded(calls, "good", 2), inputs=[dependency("root", as_arg="x")]),
            "after_bad": Stage(
                recorded(calls, "after_bad"), inputs=[dependency("bad", as_arg="x")]
            ),
            "after_good": Stage(
                recorded(calls, "after_good", 3), inputs=[dependency("good", as_arg="x")]
            ),
            "last": Stage(recorded(calls, "last"), after=["after_bad"]),
        },
        log_settings=None,
    )


def independent(calls: Calls, count: int, log_settings: LoggerSettings | None = None) -> Pipeline:
    """`count` stages with no edges, `s0`..`s{count-1}`, each returning its index squared."""
    return Pipeline(
        "independent",
        stages={
            f"s{i}": Stage(recorded(calls, f"s{i}", i * i), inputs=[known(i, as_arg="i")])
            for i in range(count)
        },
        log_settings=log_settings,
    )
