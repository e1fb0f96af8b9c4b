"""Branch, short-circuit and group pipelines the Airflow tests export (importable by reference)."""

from __future__ import annotations

from pypedream import Parameters, Pipeline, Stage
from pypedream.input import dependency, param


def choose(mode: str) -> str:
    return mode


def fast() -> str:
    return "fast result"


def full() -> str:
    return "full result"


def join(fast: str | None, full: str | None) -> str:
    return f"joined {fast or full}"


branching = Pipeline(
    "branching",
    parameters=Parameters.define(mode="fast"),
    stages={
        "pick": Stage(choose, [param("mode", as_arg="mode")], branch=True),
        "fast": Stage(fast, after=["pick"]),
        "full": Stage(full, after=["pick"]),
        "join": Stage(
            join,
            [
                dependency("fast", as_arg="fast", default=None),
                dependency("full", as_arg="full", default=None),
            ],
            trigger_rule="none_failed_min_one_success",
        ),
        "strict_join": Stage(fast, after=["fast", "full"]),
    },
    log_settings=None,
)


def rows(count: int) -> list[int]:
    return list(range(count))


def step() -> str:
    return "stepped"


def cleanup() -> str:
    return "cleaned"


def _short_circuit(name: str, ignore: bool) -> Pipeline:
    return Pipeline(
        name,
        parameters=Parameters.define(count=0),
        stages={
            "check": Stage(
                rows,
                [param("count", as_arg="count")],
                short_circuit=True,
                ignore_downstream_trigger_rules=ignore,
            ),
            "step": Stage(step, after=["check"]),
            "cleanup": Stage(cleanup, after=["step"], trigger_rule="all_done"),
        },
        log_settings=None,
    )


short_circuit_all = _short_circuit("short_circuit_all", True)
short_circuit_direct = _short_circuit("short_circuit_direct", False)


def region_total(region: str) -> str:
    return f"total {region}"


def report(eu: str, us: str) -> str:
    return f"{eu}; {us}"


grouped = Pipeline(
    "grouped",
    stages={
        "eu": Stage(region_total, [param("eu", as_arg="region")], group="regions"),
        "us": Stage(region_total, [param("us", as_arg="region")], group="regions"),
        "report": Stage(report, [dependency("eu", as_arg="eu"), dependency("us", as_arg="us")]),
    },
    parameters=Parameters.define(eu="EU", us="US"),
    log_settings=None,
)


def ok() -> int:
    return 1


newer = Pipeline(
    "newer",
    stages={
        "a": Stage(ok),
        "b": Stage(ok, after=["a"], trigger_rule="all_done_min_one_success"),
    },
    log_settings=None,
)

everything = Pipeline(
    "flows",
    parameters=Parameters.define(mode="fast", count=0),
    stages={
        **{f"b_{key}": stage for key, stage in branching.stages.items() if key == "pick"},
        "fast": Stage(fast, after=["b_pick"], group="paths", retries=2, retry_delay=0),
        "full": Stage(full, after=["b_pick"], group="paths"),
        "join": Stage(
            join,
            [
                dependency("fast", as_arg="fast", default=None),
                dependency("full", as_arg="full", default=None),
            ],
            trigger_rule="none_failed_min_one_success",
        ),
        "check": Stage(
            rows,
            [param("count", as_arg="count")],
            short_circuit=True,
            ignore_downstream_trigger_rules=False,
            after=["join"],
        ),
        "cleanup": Stage(cleanup, after=["check"], trigger_rule="all_done"),
    },
    log_settings=None,
)


def double(n: int) -> int:
    return 2 * n


mapped = Pipeline(
    "mapped",
    parameters=Parameters.define(numbers=[1, 2]),
    stages={"each": Stage(double, [param("numbers", as_arg="n")], map_over="n")},
    log_settings=None,
)

clashing = Pipeline(
    "clashing",
    parameters=Parameters.define(numbers=[1, 2]),
    stages={
        "each": Stage(double, [param("numbers", as_arg="n")], map_over="n"),
        "each__expand": Stage(ok),
    },
    log_settings=None,
)
