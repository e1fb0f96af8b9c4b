"""The seed README example (its two typos fixed), with neutral parameter values.

Run it with `pypedream run pypedream.examples.seed:pipeline`; draw it with
`pypedream graph pypedream.examples.seed:pipeline`. The seed as first written is kept in the
tests (`tests/resources/seed_as_written.py`).
"""

from datetime import date
from pathlib import Path
from typing import Any

from pypedream import (
    Input,
    InputBinding,
    KeyedInputMapper,  # noqa: F401 - imported by the seed example
    LoggerSettings,
    Parameters,
    Pipeline,
    Stage,
    ctx,
)
from pypedream.input import dependency, known, param
from pypedream.logging import info


def get_data(source: Any, for_day: date) -> Any:
    info(f"Getting data from {source} for day {for_day}")
    return f"{source} for day {for_day}"


def combine_data(data1: str, data2: str) -> str:
    info(f"Combining data {data1} and {data2}")
    return f"{data1} and {data2}"


def validate_data(new_data: str, sources: list[str]) -> bool:
    info("Validating data against sources", data=new_data, sources=sources)
    return all(source in new_data for source in sources)


log_dir = Path.cwd() / "logs"
log_dir.mkdir(exist_ok=True)
pipeline = Pipeline(
    "ok enough",
    Parameters.define(source1="orders_db", source2="billing_api"),
    stages={
        **{
            f"get_data{i}": Stage(
                get_data,
                inputs=[
                    param(f"source{i}", as_arg="source"),
                    known(date.today(), as_arg="for_day"),
                ],
            )
            for i in (1, 2)
        },
        "combine_data": Stage(
            combine_data,
            inputs=[dependency(f"get_data{i}", as_arg=f"data{i}") for i in (1, 2)],
        ),
        "validate_data": Stage(
            validate_data,
            inputs=[
                dependency("combine_data", as_arg="new_data"),
                Input(
                    as_arg="sources",
                    bind=InputBinding.deferred(
                        ctx.PARAMETERS,
                        mapper=lambda params: [params["source1"], params["source2"]],
                    ),
                    logged=True,
                ),
            ],
        ),
    },
    log_settings=LoggerSettings(
        "ok_enough",
        log_dir=log_dir,
    ),
)
