"""Benchmark pipelines, built by factories; the export benchmark loads them by reference.

`tests.benchmarks.pipelines:CHAIN_1000` and `:FANIN_1000` are module-level so that
`export_airflow` can name them; the export benchmark rebinds them to fresh (not yet
validated) pipelines between repeats so validation is part of every timed export.
"""

from __future__ import annotations

import time
from typing import Any

from pypedream import LoggerSettings, Pipeline, Stage
from pypedream.input import dependency, known

__all__ = [
    "CHAIN_1000",
    "FANIN_1000",
    "chain",
    "fan_in",
    "identity",
    "increment",
    "lattice",
    "lattice_upstream",
    "sleepers",
    "stage_key",
    "total",
]

_NO_LOGS: Any = None


def increment(x: int) -> int:
    return x + 1


def identity(v: int) -> int:
    return v


def total(**values: int) -> int:
    return sum(values.values())


def nap(seconds: float) -> None:
    time.sleep(seconds)


def stage_key(index: int) -> str:
    return f"s{index:04d}"


def chain(n: int, log_settings: LoggerSettings | None = _NO_LOGS) -> Pipeline:
    """n stages; the first gets x=0, each next one `x + 1` of its predecessor."""
    stages = {stage_key(0): Stage(increment, inputs=[known(0, as_arg="x")])}
    for i in range(1, n):
        stages[stage_key(i)] = Stage(increment, inputs=[dependency(stage_key(i - 1), as_arg="x")])
    return Pipeline(f"chain_{n}", stages=stages, log_settings=log_settings)


def fan_in(n: int, log_settings: LoggerSettings | None = _NO_LOGS) -> Pipeline:
    """n independent stages returning their index, and one `sink` summing all n outputs."""
    stages = {stage_key(i): Stage(identity, inputs=[known(i, as_arg="v")]) for i in range(n)}
    stages["sink"] = Stage(
        total, inputs=[dependency(stage_key(i), as_arg=f"v{i}") for i in range(n)]
    )
    return Pipeline(f"fan_in_{n}", stages=stages, log_settings=log_settings)


def lattice_upstream(width: int, depth: int) -> dict[str, list[str]]:
    """Keys of a `width` x `depth` lattice: each stage reads its column and both neighbours
    (wrapping) in the layer above; the first layer reads nothing."""
    upstream: dict[str, list[str]] = {}
    for row in range(depth):
        for col in range(width):
            above = (
                [] if row == 0 else [f"r{row - 1:02d}c{(col + d) % width:02d}" for d in (-1, 0, 1)]
            )
            upstream[f"r{row:02d}c{col:02d}"] = list(dict.fromkeys(above))
    return upstream


def lattice(width: int, depth: int, log_settings: LoggerSettings | None = _NO_LOGS) -> Pipeline:
    """`lattice_upstream(width, depth)` as stages: the first layer returns 1, the others sum."""
    stages = {}
    for key, above in lattice_upstream(width, depth).items():
        if above:
            inputs = [dependency(up, as_arg=f"v{i}") for i, up in enumerate(above)]
            stages[key] = Stage(total, inputs=inputs)
        else:
            stages[key] = Stage(identity, inputs=[known(1, as_arg="v")])
    return Pipeline(f"lattice_{width}x{depth}", stages=stages, log_settings=log_settings)


def sleepers(n: int, seconds: float) -> Pipeline:
    """n independent stages that each sleep `seconds`."""
    stages = {stage_key(i): Stage(nap, inputs=[known(seconds, as_arg="seconds")]) for i in range(n)}
    return Pipeline(f"sleepers_{n}", stages=stages, log_settings=None)


CHAIN_1000 = chain(1000)
FANIN_1000 = fan_in(999)  # 999 sources + 1 sink = 1000 stages, 999 edges
