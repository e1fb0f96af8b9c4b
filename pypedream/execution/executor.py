"""The native executor: run a validated pipeline in-process, in order or on a thread pool.

Failure semantics follow Airflow: a failed stage makes its downstream `upstream_failed`,
independent branches still run; a skipped stage skips its downstream.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import heapq
import secrets
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Protocol

from pypedream import ctx
from pypedream.errors import PipelineFailed, RunInterrupted
from pypedream.execution.result import RunResult, StageResult, StageStatus
from pypedream.execution.stage_context import enter_run, enter_stage
from pypedream.execution.stage_execution import execute_stage
from pypedream.execution.variable_merge import apply_writes, find_conflict, starting_values

if TYPE_CHECKING:
    from pypedream.definition.graph import StageGraph
    from pypedream.definition.parameters import Parameters
    from pypedream.definition.pipeline import Pipeline

__all__ = ["Carry", "RunObserver", "new_run_id", "run_pipeline"]


Carry = Callable[[StageResult, bool, Any], StageResult]
"""Hands a finished stage's values on (e.g. through the Airflow encoding): (result, whether the
stage has an output mapper, the run's logger) -> the result downstream stages see."""


class RunObserver(Protocol):
    """Receives progress while a run goes (the CLI's live display is one).

    An observer may also have `bind_stop(stop)`: the run hands it `stop(reason)`, which makes
    the run start no new stage and wait for the running ones (the CLI calls it on Ctrl-C).
    """

    def stage_started(self, key: str) -> None: ...

    def stage_finished(self, result: StageResult) -> None: ...


_INTERRUPTED = "the run was interrupted"


def new_run_id(now: dt.datetime | None = None) -> str:
    """A sortable, file-name-safe run id such as `20261125T141600Z-3f9a1c`."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class _Run:
    """State of one native run. Only the scheduling thread mutates it."""

    def __init__(
        self,
        pipeline: Pipeline,
        graph: StageGraph,
        parameters: Parameters,
        run_info: ctx.RunInfo,
        log: Any,
        observer: RunObserver | None,
        fail_fast: bool,
        carry: Carry | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.graph = graph
        self.log = log
        self.observer = observer
        self.fail_fast = fail_fast
        self.stopped = False
        self.stop_reason: str | None = None  # set when the run was asked to stop (Ctrl-C)
        self.stages = dict(graph.stages)
        self.troubled = False  # set once any stage did not succeed: only then check upstreams
        self.results: dict[str, StageResult] = {}
        self.outputs: dict[str, Mapping[str, Any]] = {}
        # Copied per run: a stage mutating a default in place must not change the next run.
        self.defaults: Mapping[str, Any] = starting_values(pipeline.variables)
        self.writers: list[str] = []  # stages that wrote variables, in completion order
        self.clock = time.perf_counter()
        self.context = contextvars.copy_context()
        self.context.run(enter_run, pipeline, parameters, run_info, log)
        self.carry = carry
        if carry is not None:  # an instance attribute: the default path stays untouched
            self.execute = self._execute_and_carry  # type: ignore[method-assign]
        bind_stop = getattr(observer, "bind_stop", None)
        if bind_stop is not None:
            bind_stop(self.request_stop)

    def request_stop(self, reason: str = _INTERRUPTED) -> None:
        """Start no new stage; the running ones finish (safe to call from a signal handler)."""
        self.stop_reason = reason
        self.stopped = True
        self.troubled = True

    # -- deciding -------------------------------------------------------------------------
    def blocked(self, key: str) -> StageResult | None:
        """The result for a stage that must not run (upstream failed/skipped, or stopped)."""
        if not self.troubled:
            return None
        if self.stop_reason is not None:
            return StageResult(key, StageStatus.SKIPPED, reason=f"not started: {self.stop_reason}")
        skipped_by = None
        for up in self.graph.upstream[key]:
            status = self.results[up].status
            if status is StageStatus.FAILED or status is StageStatus.UPSTREAM_FAILED:
                return StageResult(
                    key, StageStatus.UPSTREAM_FAILED, reason=f"upstream {up!r} {status}"
                )
            if status is StageStatus.SKIPPED and skipped_by is None:
                skipped_by = up
        if skipped_by is not None:
            return StageResult(key, StageStatus.SKIPPED, reason=f"upstream {skipped_by!r} skipped")
        if self.stopped:
            return StageResult(
                key, StageStatus.SKIPPED, reason="not started: fail_fast stopped the run"
            )
        return None

    def variables_base(self, key: str) -> Mapping[str, Any]:
        """Defaults plus the writes of `key`'s ancestors, applied in topological order."""
        if not self.writers:
            return self.defaults
        index = self.graph.index
        mask = self.graph.ancestor_masks[index[key]]
        return self._apply_writes([w for w in self.writers if mask >> index[w] & 1])

    def _apply_writes(self, writers: list[str]) -> dict[str, Any]:
        """Defaults plus the variable writes of `writers`, applied in topological order."""
        index = self.graph.index
        return apply_writes(
            self.defaults, [(index[w], self.results[w].variable_writes) for w in writers]
        )

    # -- running --------------------------------------------------------------------------
    def execute(self, key: str) -> StageResult:
        """Run in a fresh copy of the run's context."""
        stage = self.stages[key]
        enter_stage(self.graph, key, stage, self.outputs)
        return execute_stage(
            key, stage, self.log, self.variables_base(key), time.perf_counter() - self.clock
        )

    def _execute_and_carry(self, key: str) -> StageResult:
        """`execute`, then hand the stage's values on through `carry`."""
        from pypedream.definition.outputs import default_output_mapper

        assert self.carry is not None
        custom = self.stages[key].output_mapper is not default_output_mapper
        return self.carry(_Run.execute(self, key), custom, self.log)

    def record(self, result: StageResult) -> None:
        key = result.key
        if result.variable_writes:
            result = self._check_conflicts(result)
        self.results[key] = result
        status = result.status
        if status is not StageStatus.SUCCEEDED:
            self.troubled = True
        if status is StageStatus.SUCCEEDED:
            self.outputs[key] = result.outputs
            if result.variable_writes:
                self.writers.append(key)
        elif status is StageStatus.FAILED:
            if self.fail_fast:
                self.stopped = True
        elif self.log is not None and result.reason and result.attempts == 0:
            event = (
                "stage_upstream_failed"
                if status is StageStatus.UPSTREAM_FAILED
                else "stage_skipped"
            )
            self.log.bind(stage=key).warning(event, reason=result.reason)
        if self.observer is not None:
            self.observer.stage_finished(result)

    def _check_conflicts(self, result: StageResult) -> StageResult:
        key = result.key
        for writer in self.writers:
            problem = find_conflict(
                self.graph,
                writer,
                key,
                set(self.results[writer].variable_writes) & set(result.variable_writes),
            )
            if problem is not None:
                if self.log is not None:
                    self.log.bind(stage=key).error("stage_failed", error=str(problem))
                return StageResult(
                    key,
                    StageStatus.FAILED,
                    error=problem,
                    attempts=result.attempts,
                    duration=result.duration,
                    started=result.started,
                )
        return result

    def start(self, key: str) -> None:
        if self.observer is not None:
            self.observer.stage_started(key)

    def run_sequentially(self) -> None:
        context = self.context
        for key in self.graph.order:
            stopped = self.blocked(key)
            if stopped is not None:
                self.record(stopped)
                continue
            self.start(key)
            try:
                result = context.copy().run(self.execute, key)
            except KeyboardInterrupt as stop:  # raised inside the stage's own code
                self.request_stop()
                self.record(_interrupted(key, stop))
                raise
            self.record(result)

    def run_threaded(self, max_workers: int) -> None:
        graph = self.graph
        waiting = {key: len(graph.upstream[key]) for key in graph.order}
        ready = [graph.index[key] for key, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        running: dict[Future[StageResult], str] = {}

        def settle(result: StageResult) -> None:
            self.record(result)
            for child in graph.downstream[result.key]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, graph.index[child])

        pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pypedream")
        try:
            while ready or running:
                while ready and len(running) < max_workers:
                    key = graph.order[heapq.heappop(ready)]
                    stopped = self.blocked(key)
                    if stopped is not None:
                        settle(stopped)
                        continue
                    self.start(key)
                    running[pool.submit(self.context.copy().run, self.execute, key)] = key
                if not running:
                    continue
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: graph.index[running[f]]):
                    running.pop(future)
                    settle(future.result())
        except KeyboardInterrupt as stop:  # a hard stop: keep what finished, abandon the rest
            self.request_stop()
            pool.shutdown(wait=False, cancel_futures=True)
            for future, key in running.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    self.record(future.result())
                else:
                    self.record(_interrupted(key, stop))
            raise
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

    def final_variables(self) -> dict[str, Any]:
        return self._apply_writes(self.writers)

    def settle_interrupted(self) -> None:
        """After a hard stop: every stage without a result did not start."""
        for key in self.graph.order:
            if key not in self.results:
                reason = f"not started: {self.stop_reason or _INTERRUPTED}"
                self.results[key] = StageResult(key, StageStatus.SKIPPED, reason=reason)


def _interrupted(key: str, stop: KeyboardInterrupt) -> StageResult:
    """A stage that was running when the run was stopped hard (a second Ctrl-C)."""
    return StageResult(
        key, StageStatus.FAILED, error=stop, reason="interrupted while running", attempts=1
    )


def run_pipeline(
    pipeline: Pipeline,
    overrides: Mapping[str, Any],
    *,
    max_workers: int | None = None,
    fail_fast: bool = False,
    raise_on_failure: bool = True,
    run_id: str | None = None,
    logical_date: dt.datetime | None = None,
    observer: RunObserver | None = None,
    carry: Carry | None = None,
) -> RunResult:
    """Validate, resolve parameters, run every stage, and return (or raise) the result."""
    graph = pipeline.graph
    parameters = pipeline.parameters.resolve(overrides, pipeline.name)
    if max_workers is not None and (isinstance(max_workers, bool) or max_workers < 1):
        raise ValueError(f"max_workers must be a positive int or None, got {max_workers!r}")
    started_at = dt.datetime.now(dt.timezone.utc)
    run_id = run_id or new_run_id(started_at)
    run_info = ctx.RunInfo(run_id, pipeline.name, logical_date or started_at)
    run_log = None
    log = None
    if pipeline.log_settings is not None:
        from pypedream.execution.log_setup import create_run_log

        run_log = create_run_log(
            pipeline.log_settings,
            pipeline=pipeline.name,
            run_id=run_id,
            secrets=parameters.secret_values(),
        )
        log = run_log.logger
    run = _Run(pipeline, graph, parameters, run_info, log, observer, fail_fast, carry)
    try:
        if log is not None:
            log.info(
                "run_started",
                stages=len(graph),
                parameters=parameters.masked(),
                max_workers=max_workers or 1,
            )
        hard_stop = None
        try:
            if max_workers is None or max_workers == 1:
                run.run_sequentially()
            else:
                run.run_threaded(max_workers)
        except KeyboardInterrupt as stop:
            hard_stop = stop
            run.settle_interrupted()
        result = RunResult(
            pipeline=pipeline.name,
            run_id=run_id,
            stages={key: run.results[key] for key in graph.order},
            parameters=dict(parameters),
            variables=run.final_variables(),
            duration=time.perf_counter() - run.clock,
            log_file=run_log.file_path if run_log else None,
            secret_names=parameters.secret_names,
            secrets=parameters.secret_values(),
            definition=pipeline,
        )
        result.interrupted = run.stop_reason is not None
        if log is not None and result.interrupted:
            log.warning(
                "run_interrupted",
                reason=run.stop_reason,
                duration_s=round(result.duration, 6),
                counts=result.counts(),
                failed=result.failed,
                not_started=[
                    key
                    for key, stage in result.stages.items()
                    if (stage.reason or "").startswith("not started: ")
                ],
            )
        elif log is not None:
            log.log(
                20 if result.ok else 40,
                "run_finished",
                ok=result.ok,
                duration_s=round(result.duration, 6),
                counts=result.counts(),
                failed=result.failed,
            )
    finally:
        if run_log is not None:
            run_log.close()
    if run_log is not None and run_log.problem:
        result.log_problem = run_log.problem  # the run's values are kept; the log is not whole
    if hard_stop is not None or (raise_on_failure and result.interrupted):
        raise RunInterrupted(result) from hard_stop
    if raise_on_failure and not result.ok:
        first = result.stages[result.failed[0]].error
        raise PipelineFailed(result) from first
    return result
