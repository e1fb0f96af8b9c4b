"""Pipelines for the CLI tests. Logs go to `logs/` under the test's working directory."""

from __future__ import annotations

import datetime as dt
import enum

from pypedream import Parameter, Parameters, Pipeline, Stage
from pypedream.input import dependency, param


def add(a: int, b: int) -> int:
    return a + b


def double(x: int) -> int:
    return 2 * x


def fail(x: int) -> int:
    raise ValueError(f"cannot handle {x}")


def echo(value: object) -> object:
    return value


def noisy(a: int) -> int:
    print("printed by a stage")
    return a


def interrupt() -> None:
    raise KeyboardInterrupt


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


# a -> b: sum of two int parameters, then doubled
pipeline = Pipeline(
    "arith",
    Parameters.define(a=1, b=2),
    stages={
        "total": Stage(add, inputs=[param("a", as_arg="a"), param("b", as_arg="b")]),
        "doubled": Stage(double, inputs=[dependency("total", as_arg="x")]),
    },
)

# 'boom' fails; 'after_boom' is upstream_failed; 'independent' still succeeds
failing = Pipeline(
    "failing",
    Parameters.define(a=1),
    stages={
        "boom": Stage(fail, inputs=[param("a", as_arg="x")]),
        "after_boom": Stage(double, inputs=[dependency("boom", as_arg="x")]),
        "independent": Stage(double, inputs=[param("a", as_arg="x")]),
    },
)

# stage 'b' depends on a stage that does not exist: a PipelineDefinitionError at validate()
broken = Pipeline(
    "broken",
    stages={"b": Stage(double, inputs=[dependency("missing_stage", as_arg="x")])},
)

required = Pipeline(
    "required",
    Parameters.define("a"),
    stages={"echo": Stage(echo, inputs=[param("a", as_arg="value")])},
)

printing = Pipeline(
    "printing",
    Parameters.define(a=1),
    stages={"noisy": Stage(noisy, inputs=[param("a", as_arg="a")])},
)

interrupted = Pipeline("interrupted", stages={"stop": Stage(interrupt)})

# one stage per parameter type, each returning its parameter's value
TYPED_DEFAULTS = {
    "text": "x",
    "count": 1,
    "ratio": 0.5,
    "flag": False,
    "items": [1],
    "mapping": {"k": 1},
    "day": dt.date(2024, 1, 1),
    "moment": dt.datetime(2024, 1, 1, 12, 0),
    "anything": None,
    "colour": Parameter(Colour.RED, type=Colour),
}
typed = Pipeline(
    "typed",
    Parameters.define(**TYPED_DEFAULTS),
    stages={name: Stage(echo, inputs=[param(name, as_arg="value")]) for name in TYPED_DEFAULTS},
)


def make_pipeline() -> Pipeline:
    """A zero-argument factory."""
    return Pipeline(
        "made",
        stages={"one": Stage(double, inputs=[param("a", as_arg="x")])},
        parameters=Parameters.define(a=21),
    )


def needs_arguments(size: int) -> Pipeline:
    return make_pipeline()


def returns_number() -> int:
    return 42


def raises_on_call() -> Pipeline:
    raise RuntimeError("factory exploded")


def returns_broken() -> Pipeline:
    return broken


not_a_pipeline = 42
