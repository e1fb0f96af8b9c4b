"""The native executor: order, Airflow's failure semantics, retries, fail_fast and threads."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest

from pypedream import (
    Parameters,
    Pipeline,
    PipelineFailed,
    SkipStage,
    Stage,
    StageResult,
    StageStatus,
    ctx,
)
from pypedream.input import dependency, known, param
from tests.resources.pipelines import (
    Calls,
    diamond,
    failing,
    failing_branch,
    independent,
    recorded,
)

WORKERS = [pytest.param(None, id="sequential"), pytest.param(4, id="threads")]


def test_sequential_order_is_topological_with_definition_order_among_ready(
    calls: Calls,
) -> None:
    pipeline = Pipeline(
        "order",
        stages={
            "d": Stage(recorded(calls, "d"), after=["b", "c"]),
            "c": Stage(recorded(calls, "c")),
            "b": Stage(recorded(calls, "b"), after=["a"]),
            "a": Stage(recorded(calls, "a")),
            "e": Stage(recorded(calls, "e")),
        },
        log_settings=None,
    )

    pipeline.run()

    assert calls.order == ["c", "a", "b", "d", "e"]
    assert pipeline.graph.order == ("c", "a", "b", "d", "e")
    pipeline.run()
    assert calls.order[5:] == calls.order[:5]


@pytest.mark.parametrize("workers", WORKERS)
def test_a_run_returns_every_stage_value(calls: Calls, workers: int | None) -> None:
    result = diamond(calls).run(base=2, max_workers=workers)

    assert result == {"load": 2, "left": 3, "right": 20, "join": 23}
    assert result.ok
    assert set(calls.order) == {"load", "left", "right", "join"}


@pytest.mark.parametrize("workers", WORKERS)
def test_a_failing_stage_fails_its_downstream_and_spares_independent_branches(
    calls: Calls, workers: int | None
) -> None:
    with pytest.raises(PipelineFailed) as raised:
        failing_branch(calls).run(max_workers=workers)

    result = raised.value.result
    statuses = {key: r.status for key, r in result.stages.items()}
    assert statuses == {
        "root": StageStatus.SUCCEEDED,
        "bad": StageStatus.FAILED,
        "good": StageStatus.SUCCEEDED,
        "after_bad": StageStatus.UPSTREAM_FAILED,
        "after_good": StageStatus.SUCCEEDED,
        "last": StageStatus.UPSTREAM_FAILED,
    }
    assert "after_bad" not in calls
    assert "last" not in calls
    assert result == {"root": 1, "good": 2, "after_good": 3}
    assert result.failed == ["bad"]
    assert not result.ok
    assert result.stages["after_bad"].reason == "upstream 'bad' failed"
    assert result.stages["last"].reason == "upstream 'after_bad' upstream_failed"
    assert result.stages["after_bad"].attempts == 0


def test_pipeline_failed_chains_the_first_error_and_names_every_failed_stage(
    calls: Calls,
) -> None:
    first = KeyError("first")
    pipeline = Pipeline(
        "two_failures",
        stages={
            "ok": Stage(recorded(calls, "ok", 1)),
            "f1": Stage(failing(calls, "f1", first)),
            "f2": Stage(failing(calls, "f2", TypeError("second"))),
        },
        log_settings=None,
    )

    with pytest.raises(PipelineFailed) as raised:
        pipeline.run()

    error = raised.value
    assert error.__cause__ is first
    assert "2 stages failed ('f1', 'f2')" in str(error)
    assert "pipeline 'two_failures'" in str(error)
    assert error.result.run_id in str(error)
    assert error.result == {"ok": 1}
    assert error.result.stages["f2"].error.args == ("second",)
    assert "TypeError: second" in error.result.stages["f2"].traceback
    assert isinstance(error, RuntimeError)


def test_raise_on_failure_false_returns_the_result(calls: Calls) -> None:
    result = failing_branch(calls).run(raise_on_failure=False)

    assert not result.ok
    assert result.failed == ["bad"]
    assert isinstance(result.stages["bad"].error, ValueError)


@pytest.mark.parametrize(
    "workers", [pytest.param(None, id="sequential"), pytest.param(1, id="one")]
)
def test_fail_fast_stops_scheduling_after_the_first_failure(
    calls: Calls, workers: int | None
) -> None:
    result = failing_branch(calls).run(fail_fast=True, raise_on_failure=False, max_workers=workers)

    # Sequential order: root, bad, good, after_bad, after_good, last.
    assert calls.order == ["root", "bad"]
    statuses = {key: r.status.value for key, r in result.stages.items()}
    assert statuses == {
        "root": "succeeded",
        "bad": "failed",
        "good": "skipped",
        "after_bad": "upstream_failed",
        "after_good": "skipped",
        "last": "upstream_failed",
    }
    assert result.stages["good"].reason == "not started: fail_fast stopped the run"


def test_fail_fast_with_threads_starts_nothing_after_the_failure(calls: Calls) -> None:
    bad_recorded = threading.Event()

    class Observer:
        def stage_started(self, key: str) -> None:
            pass

        def stage_finished(self, result: Any) -> None:
            if result.key == "bad":
                bad_recorded.set()

    def slow() -> str:
        calls.add("slow")
        assert bad_recorded.wait(5)
        return "slow"

    pipeline = Pipeline(
        "ff",
        stages={
            "slow": Stage(slow),
            "bad": Stage(failing(calls, "bad")),
            "later": Stage(recorded(calls, "later"), after=["slow"]),
        },
        log_settings=None,
    )

    result = pipeline.run(
        fail_fast=True, max_workers=2, raise_on_failure=False, observer=Observer()
    )

    assert result["slow"] == "slow"
    assert result.stages["later"].status is StageStatus.SKIPPED
    assert result.stages["later"].reason == "not started: fail_fast stopped the run"
    assert "later" not in calls


def test_without_fail_fast_everything_runnable_runs(calls: Calls) -> None:
    failing_branch(calls).run(raise_on_failure=False)

    assert calls.order == ["root", "bad", "good", "after_good"]


def _flaky(calls: Calls, failures: int) -> Any:
    def flaky() -> str:
        calls.add("flaky")
        if len(calls) <= failures:
            raise ConnectionError(f"attempt {len(calls)} failed")
        return "done"

    return flaky


@pytest.mark.parametrize("workers", WORKERS)
def test_retries_run_the_stage_again_until_it_succeeds(calls: Calls, workers: int | None) -> None:
    pipeline = Pipeline(
        "retry", stages={"flaky": Stage(_flaky(calls, 2), retries=3)}, log_settings=None
    )

    result = pipeline.run(max_workers=workers)

    assert result == {"flaky": "done"}
    assert result.stages["flaky"].attempts == 3
    assert len(calls) == 3


def test_retries_give_up_after_the_last_attempt(calls: Calls) -> None:
    pipeline = Pipeline(
        "retry", stages={"flaky": Stage(_flaky(calls, 10), retries=2)}, log_settings=None
    )

    result = pipeline.run(raise_on_failure=False)

    assert result.stages["flaky"].status is StageStatus.FAILED
    assert result.stages["flaky"].attempts == 3
    assert str(result.stages["flaky"].error) == "attempt 3 failed"


@pytest.mark.parametrize(
    "delay",
    [pytest.param(7.5, id="seconds"), pytest.param(dt.timedelta(seconds=7.5), id="timedelta")],
)
def test_retry_delay_is_waited_between_attempts(
    calls: Calls, monkeypatch: pytest.MonkeyPatch, delay: float | dt.timedelta
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    pipeline = Pipeline(
        "retry",
        stages={"flaky": Stage(_flaky(calls, 2), retries=2, retry_delay=delay)},
        log_settings=None,
    )

    assert pipeline.run() == {"flaky": "done"}
    assert slept == [7.5, 7.5]


def test_retry_delay_really_waits(calls: Calls) -> None:
    pipeline = Pipeline(
        "retry",
        stages={"flaky": Stage(_flaky(calls, 1), retries=1, retry_delay=0.05)},
        log_settings=None,
    )

    began = time.perf_counter()
    pipeline.run()

    assert time.perf_counter() - began >= 0.05


def test_no_delay_means_no_sleep(calls: Calls, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    pipeline = Pipeline(
        "retry", stages={"flaky": Stage(_flaky(calls, 1), retries=1)}, log_settings=None
    )

    pipeline.run()

    assert slept == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"retries": -1}, "retries must be an int >= 0", id="negative-retries"),
        pytest.param({"retries": True}, "retries must be an int >= 0", id="bool-retries"),
        pytest.param({"retry_delay": -1}, "retry_delay must be >= 0", id="negative-delay"),
        pytest.param({"retry_delay": float("nan")}, "and finite", id="nan-delay"),
        pytest.param({"retry_delay": float("inf")}, "and finite", id="infinite-delay"),
        pytest.param({"retry_delay": "5"}, "seconds or a timedelta", id="str-delay"),
    ],
)
def test_bad_retry_settings_are_rejected(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Stage(lambda: 1, **options)


@pytest.mark.parametrize("workers", WORKERS)
def test_skip_stage_skips_the_stage_and_its_downstream(calls: Calls, workers: int | None) -> None:
    def maybe() -> None:
        calls.add("maybe")
        raise SkipStage("no new data")

    pipeline = Pipeline(
        "skip",
        stages={
            "maybe": Stage(maybe),
            "then": Stage(recorded(calls, "then"), inputs=[dependency("maybe", "x")]),
            "other": Stage(recorded(calls, "other", 5)),
        },
        log_settings=None,
    )

    result = pipeline.run(max_workers=workers)

    assert result.ok
    assert result == {"other": 5}
    assert result.stages["maybe"].status is StageStatus.SKIPPED
    assert result.stages["maybe"].reason == "no new data"
    assert result.stages["then"].status is StageStatus.SKIPPED
    assert result.stages["then"].reason == "upstream 'maybe' skipped"
    assert "then" not in calls


def test_skip_stage_raised_by_an_input_binding_skips_the_stage(calls: Calls) -> None:
    from pypedream import Input, InputBinding

    def nothing_new() -> None:
        raise SkipStage("nothing new")

    pipeline = Pipeline(
        "skip",
        stages={
            "a": Stage(
                recorded(calls, "a"), inputs=[Input("x", InputBinding.callback(nothing_new))]
            )
        },
        log_settings=None,
    )

    result = pipeline.run()

    assert result.stages["a"].status is StageStatus.SKIPPED
    assert result.stages["a"].reason == "nothing new"
    assert "a" not in calls


def test_threads_run_independent_stages_at_the_same_time() -> None:
    barrier = threading.Barrier(4, timeout=5)

    def meet(i: int) -> int:
        barrier.wait()  # raises BrokenBarrierError unless 4 stages run at once
        return i

    pipeline = Pipeline(
        "parallel",
        stages={f"s{i}": Stage(meet, inputs=[known(i, "i")]) for i in range(4)},
        log_settings=None,
    )

    result = pipeline.run(max_workers=4)

    assert result == {f"s{i}": i for i in range(4)}


@pytest.mark.parametrize("workers", [pytest.param(2, id="2"), pytest.param(8, id="8")])
def test_threads_give_the_same_results_as_sequential(calls: Calls, workers: int) -> None:
    sequential = independent(calls, 20).run()
    threaded = independent(calls, 20).run(max_workers=workers)

    assert threaded == sequential
    assert list(threaded.stages) == list(sequential.stages)


def _context_probe(calls: Calls) -> Pipeline:
    def probe(x: int) -> dict[str, Any]:
        return {
            "pipeline": ctx.pipeline().name,
            "parameters": dict(ctx.parameters()),
            "stage_key": ctx.stage_key(),
            "stage": ctx.stage().function.__name__,
            "stages": sorted(ctx.stages()),
            "run_id": ctx.run_info().run_id,
            "x": x,
        }

    return Pipeline(
        "probe",
        Parameters.define(n=1),
        stages={
            "first": Stage(probe, inputs=[param("n", "x")]),
            "second": Stage(probe, inputs=[dependency("first", "x", from_output="return")]),
        },
        log_settings=None,
    )


@pytest.mark.parametrize("workers", WORKERS)
def test_context_variables_are_set_for_every_stage(calls: Calls, workers: int | None) -> None:
    result = _context_probe(calls).run(n=3, max_workers=workers, run_id="run-1")

    assert result["first"] == {
        "pipeline": "probe",
        "parameters": {"n": 3},
        "stage_key": "first",
        "stage": "probe",
        "stages": [],
        "run_id": "run-1",
        "x": 3,
    }
    assert result["second"]["stage_key"] == "second"
    assert result["second"]["stages"] == ["first"]
    assert result["second"]["x"] == result["first"]


def _stages_reader(*names: str) -> Any:
    """A stage function reading each of `names` from ctx.STAGES: its outputs or the error."""

    def read() -> dict[str, Any]:
        view, found = ctx.stages(), {}
        for name in names:
            try:
                found[name] = dict(view[name])
            except KeyError as missing:
                found[name] = str(missing)
        return {"listed": sorted(view), "len": len(view), "read": found}

    return read


@pytest.mark.parametrize("workers", WORKERS)
def test_ctx_stages_shows_the_reading_stage_its_ancestors_and_nothing_else(
    workers: int | None,
) -> None:
    pipeline = Pipeline(
        "view",
        stages={
            "a": Stage(lambda: 1),
            "b": Stage(lambda x: x + 1, [dependency("a", "x")]),
            "unrelated": Stage(lambda: 3),
            "c": Stage(_stages_reader("a", "unrelated", "nope"), after=["b"]),
            "d": Stage(_stages_reader("a", "b", "c"), after=["c"]),
        },
        log_settings=None,
    )

    result = pipeline.run(max_workers=workers)

    assert result["c"] == {
        "listed": ["a", "b"],
        "len": 2,
        "read": {
            "a": {"return": 1},
            "unrelated": "\"stage 'unrelated' is not upstream of 'c'; add it to after=[...] or "
            'read it with dependency()"',
            "nope": "\"no stage named 'nope'\"",
        },
    }
    assert result["d"]["listed"] == ["a", "b", "c"]
    assert result["d"]["read"]["b"] == {"return": 2}


def test_ctx_stages_kept_past_its_stage_answers_for_the_stage_that_reads_it() -> None:
    kept: list[Any] = []

    def keep() -> int:
        kept.append(ctx.stages())
        return 1

    def later() -> list[str]:
        return sorted(kept[0])  # the view `first` kept, read while `later` runs

    pipeline = Pipeline(
        "kept",
        stages={"first": Stage(keep), "later": Stage(later, after=["first"])},
        log_settings=None,
    )

    assert pipeline.run()["later"] == ["first"]
    with pytest.raises(LookupError, match="outside a stage"):
        len(kept[0])


def test_context_variables_are_unset_outside_a_run(calls: Calls) -> None:
    _context_probe(calls).run()

    assert ctx.pipeline() is None
    assert ctx.parameters() is None
    assert ctx.stage() is None
    assert ctx.stages() is None
    assert ctx.variables() is None
    assert ctx.run_info() is None


def test_the_same_pipeline_runs_twice_with_fresh_state(calls: Calls) -> None:
    pipeline = diamond(calls)

    first = pipeline.run(base=1)
    second = pipeline.run(base=5)

    assert first == {"load": 1, "left": 2, "right": 10, "join": 12}
    assert second == {"load": 5, "left": 6, "right": 50, "join": 56}
    assert first.run_id != second.run_id


def test_the_same_pipeline_runs_in_two_threads_without_leaking() -> None:
    barrier = threading.Barrier(2, timeout=5)

    def tagged(tag: str) -> list[Any]:
        seen = [ctx.parameters()["tag"], ctx.run_info().run_id]
        barrier.wait()  # both runs are inside a stage now
        seen += [ctx.parameters()["tag"], ctx.run_info().run_id, tag]
        return seen

    def after(previous: list[Any]) -> list[Any]:
        return [*previous, ctx.parameters()["tag"], ctx.run_info().run_id]

    pipeline = Pipeline(
        "shared",
        Parameters.define("tag"),
        stages={
            "tagged": Stage(tagged, inputs=[param("tag", "tag")]),
            "after": Stage(after, inputs=[dependency("tagged", "previous")]),
        },
        log_settings=None,
    )
    results: dict[str, Any] = {}

    def run(tag: str, workers: int | None) -> None:
        results[tag] = pipeline.run(tag=tag, run_id=f"run-{tag}", max_workers=workers)

    threads = [
        threading.Thread(target=run, args=("A", None)),
        threading.Thread(target=run, args=("B", 2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    for tag in "AB":
        assert results[tag]["after"] == [tag, f"run-{tag}"] * 2 + [tag, tag, f"run-{tag}"]


@pytest.mark.parametrize("workers", [pytest.param(0, id="zero"), pytest.param(True, id="bool")])
def test_max_workers_must_be_a_positive_int(calls: Calls, workers: Any) -> None:
    with pytest.raises(ValueError, match="max_workers must be a positive int"):
        diamond(calls).run(max_workers=workers)
    assert len(calls) == 0


class _Observer:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def stage_started(self, key: str) -> None:
        self.events.append(("started", key))

    def stage_finished(self, result: Any) -> None:
        self.events.append((result.status.value, result.key))


def test_an_observer_sees_every_stage_start_and_finish(calls: Calls) -> None:
    observer = _Observer()

    failing_branch(calls).run(observer=observer, raise_on_failure=False)

    assert observer.events == [
        ("started", "root"),
        ("succeeded", "root"),
        ("started", "bad"),
        ("failed", "bad"),
        ("started", "good"),
        ("succeeded", "good"),
        ("upstream_failed", "after_bad"),
        ("started", "after_good"),
        ("succeeded", "after_good"),
        ("upstream_failed", "last"),
    ]


def test_mutable_defaults_do_not_leak_between_runs() -> None:
    def grow(items: list[int], extra: list[int]) -> tuple[list[int], list[int], list[int]]:
        seen = ctx.variables()["seen"]
        items.append(1)
        seen.append(1)
        extra.append(1)
        return list(items), list(seen), list(extra)

    pipeline = Pipeline(
        "leak",
        Parameters.define(items=[]),
        stages={"grow": Stage(grow, inputs=[param("items", "items"), param("items", "extra")])},
        variables={"seen": []},
        log_settings=None,
    )

    first = pipeline.run()
    second = pipeline.run()

    assert first["grow"] == second["grow"]
    assert pipeline.parameters["items"] == []
    assert pipeline.variables["seen"] == []


def test_a_succeeded_result_has_every_field_of_stage_result() -> None:
    """The executor's hot path builds StageResult tuples directly: they must stay complete."""
    result = Pipeline("one", stages={"s": Stage(lambda: 1)}, log_settings=None).run()

    stage = result.stages["s"]
    assert len(stage) == len(StageResult._fields)
    assert (stage.status, stage.return_value, stage.instances) == (StageStatus.SUCCEEDED, 1, None)


@pytest.mark.parametrize("workers", WORKERS)
def test_a_stage_interrupted_while_running_reports_how_long_it_ran(workers: int | None) -> None:
    from pypedream import RunInterrupted

    def slow_then_ctrl_c() -> None:
        time.sleep(0.05)
        raise KeyboardInterrupt

    pipeline = Pipeline(
        "interrupted",
        stages={
            "quick": Stage(lambda: 1),
            "slow": Stage(slow_then_ctrl_c, after=["quick"]),
            "never": Stage(lambda: 3, after=["slow"]),
        },
        log_settings=None,
    )

    with pytest.raises(RunInterrupted) as stopped:
        pipeline.run(max_workers=workers)

    slow = stopped.value.result.stages["slow"]
    assert slow.shown_status == "interrupted"
    assert 0.05 <= slow.duration < 5
    quick = stopped.value.result.stages["quick"]
    assert slow.started >= quick.started + quick.duration
    assert stopped.value.result.stages["never"].reason.startswith("not started")
