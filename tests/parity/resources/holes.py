"""Pipelines a hostile user would write: each must behave the same natively and in Airflow.

Importable by reference (`tests.parity.resources.holes:<name>`), so the Airflow tasks import
them too.
"""

from __future__ import annotations

import pathlib
import sys

from pypedream import KeyedOutputMapper, Parameters, Pipeline, SkipStage, Stage, Variables, ctx
from pypedream.input import dependency, known, param

# --- SystemExit and other BaseExceptions: a failed stage on both sides -----------------------


class Halt(BaseException):
    """A BaseException that is neither an Exception nor KeyboardInterrupt."""


def exit_zero() -> int:
    sys.exit(0)


def raise_halt() -> int:
    raise Halt("stop everything")


def after(value: int) -> int:
    return value + 1


exits = Pipeline(
    "holes_exits",
    stages={
        "leave": Stage(exit_zero),
        "next": Stage(after, inputs=[dependency("leave", "value")]),
    },
    log_settings=None,
)
halts = Pipeline(
    "holes_halts",
    stages={
        "halt": Stage(raise_halt),
        "next": Stage(after, inputs=[dependency("halt", "value")]),
    },
    log_settings=None,
)

# --- A mutable known() value: every stage and run gets its own copy ---------------------------

SEEN: list[str] = []


def append_one(seen: list[str]) -> int:
    seen.append("x")
    return len(seen)


known_list = Pipeline(
    "holes_known_list",
    stages={
        "first": Stage(append_one, inputs=[known(SEEN, as_arg="seen")]),
        "second": Stage(append_one, inputs=[known(SEEN, as_arg="seen")], after=["first"]),
    },
    log_settings=None,
)

# --- async and generator stage functions: refused at validation -------------------------------


async def fetch() -> int:
    return 1


def numbers() -> object:
    yield 1


async_stage = Pipeline("holes_async", stages={"fetch": Stage(fetch)}, log_settings=None)
generator_stage = Pipeline("holes_generator", stages={"numbers": Stage(numbers)}, log_settings=None)

# --- The module-global side channel: a value reaches `use` outside its declared inputs -------

CACHE: dict[str, int] = {}


def load() -> int:
    CACHE["total"] = 42
    return 1


def use(ready: int) -> int:
    return CACHE.get("total", -1) + ready


side_channel = Pipeline(
    "holes_side_channel",
    stages={"load": Stage(load), "use": Stage(use, inputs=[dependency("load", "ready")])},
    log_settings=None,
)

# --- Trigger conf checks: an int parameter -----------------------------------------------------


def double(n: int) -> int:
    return 2 * n


typed = Pipeline(
    "holes_typed",
    parameters=Parameters.define(n=3),
    stages={"double": Stage(double, inputs=[param("n", "n")])},
    log_settings=None,
)

# --- Final variables, attempts and skip reasons: parity compares them ------------------------


def flaky(marker: str) -> str:
    """Fails on its first attempt on each side: `marker` is a fresh path per parity run."""
    path = pathlib.Path(f"{marker}.{'airflow' if 'airflow' in sys.modules else 'native'}")
    if not path.exists():
        path.write_text("tried")
        raise RuntimeError("first attempt fails")
    ctx.variables()["mood"] = "recovered"  # type: ignore[index]
    return "ok"


def maybe_skip(flag: bool) -> str:
    if flag:
        raise SkipStage("flag was set")
    return "ran"


def record(value: str) -> dict[str, str]:
    ctx.variables()["last"] = value  # type: ignore[index]
    return {"value": value}


observed = Pipeline(
    "holes_observed",
    parameters=Parameters.define("marker", flag=False),
    stages={
        "flaky": Stage(flaky, inputs=[param("marker", "marker")], retries=1, retry_delay=0),
        "maybe": Stage(maybe_skip, inputs=[param("flag", "flag")]),
        "record": Stage(
            record,
            inputs=[dependency("flaky", "value")],
            output_mapper=KeyedOutputMapper(["value"]),
        ),
    },
    variables=Variables({"mood": "calm", "last": None}),
    log_settings=None,
)


# --- ...and reports them when they differ -------------------------------------------------------


def _side() -> str:
    return "airflow" if "airflow" in sys.modules else "native"


def note_side() -> str:
    ctx.variables()["where"] = _side()  # type: ignore[index]
    return "same"


def skip_with_side() -> str:
    raise SkipStage(f"skipped on the {_side()} side")


def retry_natively(marker: str) -> str:
    """Fails on its first attempt natively only."""
    path = pathlib.Path(marker)
    if _side() == "native" and not path.exists():
        path.write_text("tried")
        raise RuntimeError("first attempt fails")
    return "done"


observed_differs = Pipeline(
    "holes_observed_differs",
    parameters=Parameters.define("marker"),
    stages={
        "vary": Stage(note_side),
        "skip": Stage(skip_with_side),
        "retry": Stage(
            retry_natively, inputs=[param("marker", "marker")], retries=1, retry_delay=0
        ),
    },
    variables=Variables({"where": "nowhere"}),
    log_settings=None,
)
