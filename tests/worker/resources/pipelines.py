"""A pipeline the run_task tests call by reference, as exported DAG files do."""

from __future__ import annotations

from typing import Any

from pypedream import Pipeline, Stage, ctx
from pypedream.input import dependency
from tests.worker.resources.types import Color, Perm, Point

RAN: list[str] = []


def make() -> dict[str, Any]:
    RAN.append("make")
    ctx.variables()["mood"] = Color.GREEN
    return {"point": Point(1, 2.0), "perm": Perm.R | Perm.W}


def use(got: dict[str, Any]) -> list[Any]:
    RAN.append("use")
    return [got, ctx.variables()["mood"]]


def last(got: list[Any]) -> int:
    RAN.append("last")
    return len(got)


chain = Pipeline(
    "chain",
    stages={
        "make": Stage(make),
        "use": Stage(use, inputs=[dependency("make", "got")]),
        "last": Stage(last, inputs=[dependency("use", "got")]),
    },
    log_settings=None,
)
