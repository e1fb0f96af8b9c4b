"""The native executor: run a validated pipeline in-process, in order or on a thread pool.

Failure semantics follow Airflow: a failed stage makes its downstream `upstream_failed`,
independent branches still run; a skipped stage skips its downstream.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import secrets
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pypedream import ctx
from pypedream.ctx import MAP_INDEX, MAP_ITEM
from pypedream.definition.flow import branch_choice, branch_skips, short_circuit_skips
from pypedream.definition.mapping import (
    DEFAULT_MAX_MAP_LENGTH,
    instance_stage,
    instance_write_error,
    item_label,
)
from pypedream.definition.outputs import default_output_mapper
from pypedream.definition.trigger_rule import Decision, TriggerRule, decide
from pypedream.errors import BranchError, PipelineFailed, RunInterrupted, SkipStage
from pypedream.execution.map_progress import MapProgress
from pypedream.execution.result import RunResult, StageResult, StageStatus
from pypedream.execution.stage_context import enter_run, enter_stage
from pypedream.execution.stage_execution import execute_stage, mapped_lists
from pypedream.execution.threaded import run_threaded
from pypedream.execution.variable_merge import apply_writes, find_conflict, starting_values

if TYPE_CHECKING:
    from pypedream.definition.graph import StageGraph
    from pypedream.definition.parameters import Parameters
    from pypedream.definition.pipeline import Pipeline
    from pypedream.definition.stage import Stage

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


_STATUS_DECISION = {
    Decision.SKIPPED: StageStatus.SKIPPED,
    Decision.UPSTREAM_FAILED: StageStatus.UPSTREAM_FAILED,
}


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
        max_map_length: int = DEFAULT_MAX_MAP_LENGTH,
    ) -> None:
        self.pipeline = pipeline
        self.graph = graph
        self.log = log
        self.observer = observer
        self.fail_fast = fail_fast
        self.max_map_length = max_map_length
        self.stopped = False
        self.stop_reason: str | None = None  # set when the run was asked to stop (Ctrl-C)
        self.stages = dict(graph.stages)
        # Stages that need more than "all upstream succeeded, so run": maps, branches,
        # short-circuits, and trigger rules that do not run on all successes.
        self.careful = graph.flow_stages
        self.troubled = False  # set once anything but a plain success happened
        self.forced: dict[str, str] = {}  # stages a branch or short-circuit skipped: reason
        self.results: dict[str, StageResult] = {}
        self.outputs: dict[str, Mapping[str, Any]] = {}
        # Copied per run: a stage mutating a default in place must not change the next run.
        self.defaults: Mapping[str, Any] = starting_values(pipeline.variables)
        self.writers: list[str] = []  # stages that wrote variables, in completion order
        self.instance_stages: dict[str, Stage[Any]] = {}
        self.started_at: dict[str, float] = {}  # stages begun through `start`: since `clock`
        self.clock = time.perf_counter()
        self.context = contextvars.copy_context()
        self.context.run(enter_run, pipeline, parameters, run_info, log, self.outputs)
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
        """The result for a stage that must not run (stopped, branch, or trigger rule)."""
        if self.stop_reason is not None:
            return StageResult(key, StageStatus.SKIPPED, reason=f"not started: {self.stop_reason}")
        reason = self.forced.get(key)
        if reason is not None:
            return StageResult(key, StageStatus.SKIPPED, reason=reason)
        upstream = self.graph.upstream[key]
        if upstream:
            decision, reason = self._decide(key, upstream)
            if decision is not Decision.RUN:
                return StageResult(key, _STATUS_DECISION[decision], reason=reason)
        if self.stopped:
            return StageResult(
                key, StageStatus.SKIPPED, reason="not started: fail_fast stopped the run"
            )
        return None

    def _decide(self, key: str, upstream: Sequence[str]) -> tuple[Decision, str]:
        counts = dict.fromkeys(StageStatus, 0)
        first: dict[StageStatus, str] = {}
        for up in upstream:
            result = self.results[up]
            first.setdefault(result.status, up)
            instances = result.instances
            if instances is not None and instances.size:
                for status, number in instances.counts().items():
                    counts[status] += number
            else:
                counts[result.status] += 1
        rule = self.stages[key].rule
        decision = decide(
            rule,
            success=counts[StageStatus.SUCCEEDED],
            failed=counts[StageStatus.FAILED],
            upstream_failed=counts[StageStatus.UPSTREAM_FAILED],
            skipped=counts[StageStatus.SKIPPED],
        )
        if decision is Decision.RUN:
            return decision, ""
        if rule is TriggerRule.ALL_SUCCESS:
            for status in (StageStatus.FAILED, StageStatus.UPSTREAM_FAILED, StageStatus.SKIPPED):
                if status in first and (status is StageStatus.SKIPPED) is (
                    decision is Decision.SKIPPED
                ):
                    return decision, f"upstream {first[status]!r} {status}"
        shown = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        return decision, f"trigger rule {rule}: upstream {shown}"

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
        enter_stage(key, stage)
        return execute_stage(
            key,
            stage,
            self.log,
            self.variables_base(key) if self.writers else self.defaults,
            self.clock,
        )

    def _execute_and_carry(self, key: str) -> StageResult:
        """`execute`, then hand the stage's values on through `carry`."""
        assert self.carry is not None
        custom = self.stages[key].output_mapper is not default_output_mapper
        return self.carry(_Run.execute(self, key), custom, self.log)

    def expand(self, key: str) -> tuple[tuple[Sequence[Any], ...], int] | StageResult:
        """A mapped stage's lists and instance count (in its context), or its failure."""
        stage = self.stages[key]
        enter_stage(key, stage)
        started = time.perf_counter() - self.clock
        try:
            lists, count = mapped_lists(key, stage, self.max_map_length)
        except SkipStage as skip:
            reason = str(skip) or "SkipStage raised"
            return StageResult(key, StageStatus.SKIPPED, attempts=1, started=started, reason=reason)
        except Exception as problem:
            if self.log is not None:
                self.log.bind(stage=key).error(
                    "stage_failed", error=f"{type(problem).__name__}: {problem}"
                )
            return StageResult(
                key,
                StageStatus.FAILED,
                error=problem,
                traceback="".join(traceback.format_exception(problem)),
                attempts=1,
                started=started,
            )
        if self.log is not None:
            self.log.bind(stage=key).info("map_expanded", instances=count)
        return lists, count

    def instance_stage(self, key: str) -> Stage[Any]:
        """The stage an instance runs: mapped inputs read `ctx.MAP_ITEM`."""
        found = self.instance_stages.get(key)
        if found is None:
            found = self.instance_stages[key] = instance_stage(self.stages[key])
        return found

    def execute_instance(
        self,
        key: str,
        stage: Stage[Any],
        base: Mapping[str, Any],
        index: int,
        item: tuple[Any, ...],
    ) -> StageResult:
        """Run instance `index` of mapped stage `key` (in the stage's context)."""
        MAP_INDEX.set(index)
        MAP_ITEM.set(item)
        log = self.log
        result = execute_stage(
            key,
            stage,
            None if log is None else log.bind(map_index=index),
            base,
            self.clock,
        )
        if result.variable_writes:
            problem = instance_write_error(key, index, result.variable_writes)
            return StageResult(key, StageStatus.FAILED, error=problem, attempts=result.attempts)
        return result

    def run_map(self, key: str) -> StageResult:
        """Expand mapped stage `key` and run its instances one after another."""
        begin = time.perf_counter()
        context = self.context.copy()
        expanded = context.run(self.expand, key)
        if isinstance(expanded, StageResult):
            return expanded
        lists, count = expanded
        progress = MapProgress(key, lists, count, begin - self.clock)
        stage = self.instance_stage(key)
        base = self.variables_base(key)
        run, execute, add = context.run, self.execute_instance, progress.add
        if len(lists) == 1:
            for index, item in enumerate(lists[0]):
                add(index, run(execute, key, stage, base, index, (item,)))
        else:
            for index, item in enumerate(zip(*lists, strict=True)):
                add(index, run(execute, key, stage, base, index, item))
        return self.finish_map(progress, begin)

    def finish_map(self, progress: MapProgress, begin: float) -> StageResult:
        result = progress.result(begin, self.log)
        if self.carry is not None and result.status is StageStatus.SUCCEEDED:
            result = self.carry(result, False, self.log)
        return result

    def finish_flow(self, result: StageResult) -> StageResult:
        """After a branch or short-circuit stage: skip what it does not lead to."""
        key = result.key
        stage = self.stages[key]
        if result.status is not StageStatus.SUCCEEDED:
            return result
        if stage.branch:
            try:
                chosen = branch_choice(self.graph, key, result.return_value)
            except BranchError as problem:
                if self.log is not None:
                    self.log.bind(stage=key).error("stage_failed", error=str(problem))
                return result._replace(status=StageStatus.FAILED, error=problem)
            skips = branch_skips(self.graph, key, chosen)
            reason = f"branch {key!r} chose {', '.join(map(repr, chosen)) or 'nothing'}"
        elif stage.short_circuit and not result.return_value:
            skips = short_circuit_skips(self.graph, key, stage.ignore_downstream_trigger_rules)
            reason = f"short-circuit {key!r} returned {item_label((result.return_value,))}"
        else:
            return result
        if self.log is not None:
            self.log.bind(stage=key).info("downstream_skipped", skipped=list(skips), reason=reason)
        for skipped in skips:
            self.forced.setdefault(skipped, reason)
        if skips:
            self.troubled = True
        return result

    def record(self, result: StageResult) -> None:
        key = result.key
        if result.variable_writes:
            result = self._check_conflicts(result)
        self.results[key] = result
        status = result.status
        if status is StageStatus.SUCCEEDED:
            self.outputs[key] = result.outputs
            if result.variable_writes:
                self.writers.append(key)
            if result.instances is not None and result.instances.problems:
                self.troubled = True
        else:
            self.troubled = True
            if result.instances is not None:  # an expanded map: its succeeded values
                self.outputs[key] = result.outputs
            if status is StageStatus.FAILED:
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
        """A stage starts (not called on the sequential hot path: see `interrupted`)."""
        self.started_at[key] = time.perf_counter() - self.clock
        if self.observer is not None:
            self.observer.stage_started(key)

    def interrupted(self, key: str, stop: KeyboardInterrupt) -> StageResult:
        """A stage that was running when the run was stopped hard (a second Ctrl-C), with how
        long it ran: from its start, or (run in order) from the end of the stage before it."""
        started = self.started_at.get(key)
        if started is None:
            started = max((r.started + r.duration for r in self.results.values()), default=0.0)
        return StageResult(
            key,
            StageStatus.FAILED,
            error=stop,
            reason="interrupted while running",
            attempts=1,
            duration=max(0.0, time.perf_counter() - self.clock - started),
            started=started,
        )

    def run_carefully(self, key: str) -> None:
        """Decide, then run a stage that is mapped, flows, or follows trouble (sequential)."""
        stopped = self.blocked(key)
        if stopped is not None:
            self.record(stopped)
            return
        self.start(key)
        try:
            if self.stages[key].map_over:
                result = self.run_map(key)
            else:
                result = self.finish_flow(self.context.copy().run(self.execute, key))
        except KeyboardInterrupt as stop:  # raised inside the stage's own code
            self.request_stop()
            self.record(self.interrupted(key, stop))
            raise
        self.record(result)

    def run_sequentially(self) -> None:
        context, execute, record = self.context, self.execute, self.record
        careful, observer = self.careful, self.observer
        results, outputs = self.results, self.outputs
        succeeded = StageStatus.SUCCEEDED
        for key in self.graph.order:
            if self.troubled or key in careful:
                self.run_carefully(key)
                continue
            if observer is not None:
                observer.stage_started(key)
            try:
                result = context.copy().run(execute, key)
            except KeyboardInterrupt as stop:  # raised inside the stage's own code
                self.request_stop()
                record(self.interrupted(key, stop))
                raise
            if result.status is succeeded and not result.variable_writes and observer is None:
                results[key] = result  # the hot path of `record`
                outputs[key] = result.outputs
            else:
                record(result)

    def final_variables(self) -> dict[str, Any]:
        return self._apply_writes(self.writers)

    def settle_interrupted(self) -> None:
        """After a hard stop: every stage without a result did not start."""
        for key in self.graph.order:
            if key not in self.results:
                reason = f"not started: {self.stop_reason or _INTERRUPTED}"
                self.results[key] = StageResult(key, StageStatus.SKIPPED, reason=reason)


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
    max_map_length: int | None = None,
) -> RunResult:
    """Validate, resolve parameters, run every stage, and return (or raise) the result.

    `max_map_length` caps a mapped stage's instances (None: 1024, Airflow's default
    `[core] max_map_length`).
    """
    if max_map_length is None:
        max_map_length = DEFAULT_MAX_MAP_LENGTH
    graph = pipeline.graph
    parameters = pipeline.parameters.resolve(overrides, pipeline.name)
    if max_workers is not None and (isinstance(max_workers, bool) or max_workers < 1):
        raise ValueError(f"max_workers must be a positive int or None, got {max_workers!r}")
    if (
        isinstance(max_map_length, bool)
        or not isinstance(max_map_length, int)
        or max_map_length < 0
    ):
        raise ValueError(f"max_map_length must be an int >= 0, got {max_map_length!r}")
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
    run = _Run(
        pipeline, graph, parameters, run_info, log, observer, fail_fast, carry, max_map_length
    )
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
                run_threaded(run, max_workers)
        except KeyboardInterrupt as stop:
            hard_stop = stop
            run.settle_interrupted()
        result = RunResult(
            pipeline=pipeline.name,
            run_id=run_id,
            # Sequential runs record in graph order already: no need to sort a copy.
            stages=run.results
            if tuple(run.results) == graph.order
            else {key: run.results[key] for key in graph.order},
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
