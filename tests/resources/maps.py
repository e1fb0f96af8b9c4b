"""Mapped pipelines the Airflow tests export (importable by reference)."""

from __future__ import annotations

from pypedream import LoggerSettings, Parameters, Pipeline, Stage
from pypedream.input import dependency, param


def names(count: int) -> list[str]:
    return [f"file{i:03d}.csv" for i in range(count)]


def size(name: str, unit: int) -> int:
    if name == "bad.csv":
        raise ValueError(f"cannot read {name}")
    return len(name) * unit


def total(sizes: list[int]) -> dict[str, int]:
    return {"files": len(sizes), "bytes": sum(sizes)}


sizes = Pipeline(
    "map_sizes",
    parameters=Parameters.define(count=3, unit=10, extra=[]),
    stages={
        "files": Stage(names, [param("count", as_arg="count")]),
        "size": Stage(
            size,
            [dependency("files", as_arg="name"), param("unit", as_arg="unit")],
            map_over="name",
            group="work",
        ),
        "total": Stage(total, [dependency("size", as_arg="sizes")]),
    },
    log_settings=None,
)


def double(n: int) -> int:
    return 2 * n


def label(n: int, prefix: str) -> str:
    return f"{prefix}{n}"


def joined(labels: list[str]) -> str:
    return ",".join(labels)


def pair(letter: str, number: int) -> str:
    return f"{letter}{number}"


def check(name: str) -> str:
    if name.startswith("bad"):
        raise ValueError(f"cannot read {name}")
    return name.upper()


def count(values: list[str]) -> int:
    return len(values)


chained = Pipeline(
    "map_chained",
    parameters=Parameters.define(numbers=[1, 2, 3], prefix="#"),
    stages={
        "double": Stage(double, [param("numbers", as_arg="n")], map_over="n"),
        "label": Stage(
            label,
            [dependency("double", as_arg="n"), param("prefix", as_arg="prefix")],
            map_over="n",
        ),
        "joined": Stage(joined, [dependency("label", as_arg="labels")]),
        "pairs": Stage(
            pair,
            [param("letters", as_arg="letter"), param("numbers", as_arg="number")],
            map_over=("letter", "number"),
        ),
        "checked": Stage(check, [param("files", as_arg="name")], map_over="name"),
        "checked_count": Stage(count, [dependency("checked", as_arg="values")]),
        "always_count": Stage(
            count, [dependency("checked", as_arg="values")], trigger_rule="all_done"
        ),
    },
    log_settings=None,
)
chained = Pipeline(
    "map_chained",
    parameters=Parameters.define(
        numbers=[1, 2, 3], prefix="#", letters=["x", "y", "z"], files=["a.csv", "bad.csv"]
    ),
    stages=dict(chained.stages),
    log_settings=None,
)


def flaky(name: str, marker_dir: str) -> str:
    """Fails the first attempt for "b" (a marker file remembers the attempt)."""
    from pathlib import Path

    marker = Path(marker_dir) / f"{name}.tried"
    if name == "b" and not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("tried")
        raise ConnectionError(f"{name}: try again")
    return name.upper()


retried = Pipeline(
    "map_retried",
    parameters=Parameters.define(names=["a", "b", "c"], marker_dir=""),
    stages={
        "fetch": Stage(
            flaky,
            [param("names", as_arg="name"), param("marker_dir", as_arg="marker_dir")],
            map_over="name",
            retries=1,
            retry_delay=0,  # unset would be Airflow's default, 300 s between attempts
        ),
    },
    # Events only where Airflow runs it (its task log): no console, no file natively.
    log_settings=LoggerSettings("map_retried", stream=False, file=False),
)
