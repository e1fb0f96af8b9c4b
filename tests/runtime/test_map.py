"""Mapped stages natively: one instance per item, broadcast, zip, chains, empty maps, failures,
per-instance retries, the map index in every log event, threads and max_map_length."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from pypedream import (
    MapError,
    Parameters,
    Pipeline,
    PipelineDefinitionError,
    SkipStage,
    Stage,
    StageStatus,
    ctx,
)
from pypedream.input import dependency, known, param
from tests.resources.capture import CapturedLog

WORKERS = [pytest.param(None, id="sequential"), pytest.param(4, id="threads")]


def files() -> list[str]:
    return ["a.csv", "b.csv", "c.csv"]


def size(name: str, unit: int = 1) -> int:
    return len(name) * unit


def total(sizes: list[int]) -> int:
    return sum(sizes)


def mapped_pipeline(**each: Any) -> Pipeline:
    return Pipeline(
        "mapped",
        parameters=Parameters.define(unit=1),
        stages={
            "files": Stage(files),
            "size": Stage(
                size,
                [dependency("files", as_arg="name"), param("unit", as_arg="unit")],
                map_over="name",
                **each,
            ),
            "total": Stage(total, [dependency("size", as_arg="sizes")]),
        },
        log_settings=None,
    )


@pytest.mark.parametrize("workers", WORKERS)
def test_a_map_runs_once_per_item_broadcasts_the_rest_and_reduces(workers: int | None) -> None:
    result = mapped_pipeline().run(unit=10, max_workers=workers)

    assert result["size"] == [50, 50, 50]
    assert result["total"] == 150
    instances = result.stages["size"].instances
    assert instances is not None
    assert (instances.size, instances.problems) == (3, ())


@pytest.mark.parametrize("workers", WORKERS)
def test_results_keep_input_order_whatever_finishes_first(workers: int | None) -> None:
    def slow_first(n: int) -> int:
        time.sleep(0.05 if n == 0 else 0)
        return n * n

    pipeline = Pipeline(
        "order",
        stages={"sq": Stage(slow_first, [known([0, 1, 2, 3], as_arg="n")], map_over="n")},
        log_settings=None,
    )

    assert pipeline.run(max_workers=workers)["sq"] == [0, 1, 4, 9]


def test_a_map_over_a_parameter() -> None:
    pipeline = Pipeline(
        "regions",
        parameters=Parameters.define(regions=["eu", "us"]),
        stages={
            "upper": Stage(
                lambda region: region.upper(),
                [param("regions", as_arg="region")],
                map_over="region",
            )
        },
        log_settings=None,
    )

    assert pipeline.run()["upper"] == ["EU", "US"]
    assert pipeline.run(regions=["apac"])["upper"] == ["APAC"]


@pytest.mark.parametrize("workers", WORKERS)
def test_zipped_lists_map_item_by_item(workers: int | None) -> None:
    pipeline = Pipeline(
        "zip",
        stages={
            "pair": Stage(
                lambda a, b: f"{a}{b}",
                [known(["x", "y"], as_arg="a"), known([1, 2], as_arg="b")],
                map_over=["a", "b"],
            )
        },
        log_settings=None,
    )

    assert pipeline.run(max_workers=workers)["pair"] == ["x1", "y2"]


def test_zipped_lists_of_different_lengths_fail_the_stage_naming_both() -> None:
    pipeline = Pipeline(
        "zip",
        stages={
            "pair": Stage(
                lambda a, b: a,
                [known([1, 2, 3], as_arg="a"), known([1], as_arg="b")],
                map_over=("a", "b"),
            )
        },
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False)

    error = result.stages["pair"].error
    assert isinstance(error, MapError)
    assert "'a' has 3, 'b' has 1" in str(error)


@pytest.mark.parametrize("workers", WORKERS)
def test_a_map_over_a_mapped_stage_goes_item_by_item(workers: int | None) -> None:
    pipeline = Pipeline(
        "chain",
        stages={
            "double": Stage(lambda n: n * 2, [known([1, 2, 3], as_arg="n")], map_over="n"),
            "label": Stage(
                lambda n, prefix: f"{prefix}{n}",
                [dependency("double", as_arg="n"), known("#", as_arg="prefix")],
                map_over="n",
            ),
            "joined": Stage(lambda items: ",".join(items), [dependency("label", as_arg="items")]),
        },
        log_settings=None,
    )

    result = pipeline.run(max_workers=workers)

    assert result["label"] == ["#2", "#4", "#6"]
    assert result["joined"] == "#2,#4,#6"


@pytest.mark.parametrize("workers", WORKERS)
def test_an_empty_map_gives_an_empty_list_and_the_reducer_runs(workers: int | None) -> None:
    calls: list[str] = []

    def each(name: str) -> str:
        calls.append(name)
        return name

    pipeline = Pipeline(
        "empty",
        stages={
            "each": Stage(each, [known([], as_arg="name")], map_over="name"),
            "count": Stage(lambda names: len(names), [dependency("each", as_arg="names")]),
        },
        log_settings=None,
    )

    result = pipeline.run(max_workers=workers)

    assert result["each"] == []
    assert result["count"] == 0
    assert calls == []
    assert result.stages["each"].instances.size == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("workers", WORKERS)
def test_a_failing_instance_is_reported_with_its_index_and_item(workers: int | None) -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def check(name: str) -> str:
        with lock:
            seen.append(name)
        if name == "b.csv":
            raise ValueError("bad header")
        return name

    pipeline = Pipeline(
        "failing",
        stages={
            "files": Stage(files),
            "check": Stage(check, [dependency("files", as_arg="name")], map_over="name"),
            "total": Stage(lambda names: len(names), [dependency("check", as_arg="names")]),
        },
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False, max_workers=workers)

    stage = result.stages["check"]
    assert stage.status is StageStatus.FAILED
    assert isinstance(stage.error, ValueError)
    assert stage.reason == "map instance 1 (item 'b.csv') failed: ValueError: bad header"
    assert stage.instances is not None
    assert [p.key for p in stage.instances.problems] == ["check[1]"]
    assert sorted(seen) == ["a.csv", "b.csv", "c.csv"]  # the other instances still ran
    assert result.stages["total"].status is StageStatus.UPSTREAM_FAILED
    assert result.failed == ["check"]


@pytest.mark.parametrize("workers", WORKERS)
def test_retries_are_per_instance(workers: int | None) -> None:
    attempts: dict[str, int] = {}
    lock = threading.Lock()

    def flaky(name: str) -> str:
        with lock:
            attempts[name] = attempts.get(name, 0) + 1
        if name == "b.csv" and attempts[name] == 1:
            raise ConnectionError("try again")
        return name

    pipeline = Pipeline(
        "retries",
        stages={
            "files": Stage(files),
            "fetch": Stage(flaky, [dependency("files", as_arg="name")], map_over="name", retries=1),
        },
        log_settings=None,
    )

    result = pipeline.run(max_workers=workers)

    assert result["fetch"] == ["a.csv", "b.csv", "c.csv"]
    assert attempts == {"a.csv": 1, "b.csv": 2, "c.csv": 1}


def test_every_log_event_of_an_instance_carries_its_map_index(captured: CapturedLog) -> None:
    def work(name: str) -> int:
        ctx.logger().info("working", index=ctx.map_index())
        return len(name)

    pipeline = Pipeline(
        "logged",
        stages={
            "files": Stage(files),
            "work": Stage(work, [dependency("files", as_arg="name")], map_over="name"),
        },
        log_settings=captured.settings,
    )

    pipeline.run()

    instance_events = [
        e for e in captured.entries if e.get("stage") == "work" and e["event"] != "map_expanded"
    ]
    assert len(instance_events) == 9  # started, working, succeeded per instance
    assert all("map_index" in e for e in instance_events)
    assert [e["index"] for e in captured.events("working")] == [0, 1, 2]
    assert [e["map_index"] for e in captured.events("working")] == [0, 1, 2]
    assert captured.events("map_expanded", stage="work")[0]["instances"] == 3


def test_a_failing_instance_logs_its_index_and_item(captured: CapturedLog) -> None:
    def check(name: str) -> str:
        raise ValueError(name)

    pipeline = Pipeline(
        "failing",
        stages={"check": Stage(check, [known(["x", "y"], as_arg="name")], map_over="name")},
        log_settings=captured.settings,
    )

    pipeline.run(raise_on_failure=False)

    assert [e["map_index"] for e in captured.events("stage_failed", stage="check")] == [0, 1]
    summary = captured.events("map_failed", stage="check")[0]
    assert (summary["failed_instances"], summary["map_index"], summary["map_item"]) == (
        [0, 1],
        0,
        "'x'",
    )


def test_instances_run_concurrently_under_max_workers() -> None:
    active = 0
    peak = 0
    lock = threading.Lock()
    barrier = threading.Barrier(2, timeout=5)

    def work(n: int) -> int:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        if n < 2:
            barrier.wait()  # only passes when two instances run at the same time
        time.sleep(0.01)
        with lock:
            active -= 1
        return n

    pipeline = Pipeline(
        "concurrent",
        stages={"work": Stage(work, [known(list(range(8)), as_arg="n")], map_over="n")},
        log_settings=None,
    )

    assert pipeline.run(max_workers=2)["work"] == list(range(8))
    assert peak == 2


def test_a_list_longer_than_max_map_length_fails_naming_the_setting() -> None:
    pipeline = Pipeline(
        "long",
        stages={"each": Stage(str, [known(list(range(5)), as_arg="object")], map_over="object")},
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False, max_map_length=4)

    error = result.stages["each"].error
    assert isinstance(error, MapError)
    assert "maps over 5 items, more than max_map_length=4" in str(error)
    assert pipeline.run(max_map_length=5)["each"] == ["0", "1", "2", "3", "4"]
    with pytest.raises(ValueError, match="max_map_length must be an int >= 0"):
        pipeline.run(max_map_length=-1)


def test_the_default_max_map_length_is_airflows_1024() -> None:
    pipeline = Pipeline(
        "long",
        stages={"each": Stage(str, [known(list(range(1025)), as_arg="object")], map_over="object")},
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False)

    assert "more than max_map_length=1024" in str(result.stages["each"].error)


def test_mapping_over_something_not_a_list_fails_the_stage() -> None:
    pipeline = Pipeline(
        "scalar",
        stages={"each": Stage(str, [known(3, as_arg="object")], map_over="object")},
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False)

    assert str(result.stages["each"].error) == (
        "stage 'each' maps over input 'object': expected a list, got int"
    )


def test_skipped_instances_leave_the_list_and_skip_an_all_success_reducer() -> None:
    def keep_even(n: int) -> int:
        if n % 2:
            raise SkipStage("odd")
        return n

    pipeline = Pipeline(
        "skips",
        stages={
            "even": Stage(keep_even, [known([0, 1, 2], as_arg="n")], map_over="n"),
            "strict": Stage(lambda values: values, [dependency("even", as_arg="values")]),
            "lenient": Stage(
                lambda values: values,
                [dependency("even", as_arg="values")],
                trigger_rule="none_failed",
            ),
        },
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False)

    assert result["even"] == [0, 2]
    assert result.stages["strict"].status is StageStatus.SKIPPED
    assert result["lenient"] == [0, 2]


def test_a_mapped_instance_cannot_write_variables() -> None:
    def write(n: int) -> int:
        vars_ = ctx.variables()
        assert vars_ is not None
        vars_["last"] = n
        return n

    pipeline = Pipeline(
        "writes",
        stages={"w": Stage(write, [known([1], as_arg="n")], map_over="n")},
        variables={"last": 0},
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False)

    assert "cannot write variables" in str(result.stages["w"].error)


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        pytest.param(
            Stage(str, [known([1], as_arg="object")], map_over="objects"),
            "stage 's' map_over 'objects': no input named 'objects' (its inputs: object)",
            id="unknown-input",
        ),
        pytest.param(
            Stage(str, [known([1], as_arg="object")], map_over="object", branch=True),
            "a mapped stage cannot branch or short-circuit",
            id="mapped-branch",
        ),
        pytest.param(
            Stage(lambda: 1, branch=True, short_circuit=True),
            "choose branch=True or short_circuit=True, not both",
            id="branch-and-short-circuit",
        ),
    ],
)
def test_impossible_flows_are_definition_errors(stage: Stage[Any], message: str) -> None:
    with pytest.raises(PipelineDefinitionError, match="nothing was run") as raised:
        Pipeline("p", stages={"s": stage}, log_settings=None).validate()
    assert message in str(raised.value)


def test_a_stage_that_runs_after_a_failed_map_gets_the_succeeded_values() -> None:
    def check(name: str) -> str:
        if name == "bad":
            raise ValueError(name)
        return name

    pipeline = Pipeline(
        "partial",
        stages={
            "check": Stage(check, [known(["a", "bad", "c"], as_arg="name")], map_over="name"),
            "count": Stage(
                lambda values: values,
                [dependency("check", as_arg="values")],
                trigger_rule="all_done",
            ),
        },
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False)

    assert result.stages["check"].status is StageStatus.FAILED
    assert result["count"] == ["a", "c"]


def test_the_summary_shows_instances_and_the_failing_item() -> None:
    def check(name: str) -> str:
        if name == "bad":
            raise ValueError("unreadable")
        return name

    pipeline = Pipeline(
        "summary",
        stages={
            "ok": Stage(check, [known(["a", "b"], as_arg="name")], map_over="name"),
            "broken": Stage(check, [known(["a", "bad"], as_arg="name")], map_over="name"),
        },
        log_settings=None,
    )

    summary = pipeline.run(raise_on_failure=False).summary()

    assert "2 instances" in summary
    assert "map instance 1 (item 'bad') failed: ValueError: unreadable" in summary


def test_a_map_with_airflow_fidelity_hands_on_the_list_through_the_airflow_encoding() -> None:
    result = mapped_pipeline().run(unit=2, airflow_fidelity=True)

    assert result["size"] == [10, 10, 10]
    assert result["total"] == 30


def test_a_stage_repr_shows_its_flow_settings() -> None:
    stage = Stage(size, [known(["a"], as_arg="name")], map_over="name", trigger_rule="all_done")
    shown = repr(stage)

    assert "map_over='name'" in shown
    assert "trigger_rule='all_done'" in shown
    assert "group=" not in repr(Stage(files))
