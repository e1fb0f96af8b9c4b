"""Run one stage: resolve its inputs, call its function (with retries), map its outputs.

This is the code both the native executor and the Airflow task entry point call, so a stage
binds and behaves the same wherever it runs. The caller sets the context variables
(`stage_context.enter_run` and `enter_stage`: PIPELINE, PARAMETERS, RUN, RUN_OUTPUTS, STAGES,
STAGE, STAGE_KEY); LOG and VARIABLES are set here, per attempt.
"""

from __future__ import annotations

import operator
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pypedream.ctx import LOG, VARIABLES
from pypedream.definition.binding import DEFAULT_OUTPUT_KEY, Input
from pypedream.definition.mapping import map_length
from pypedream.definition.outputs import default_output_mapper, map_outputs
from pypedream.definition.stage import Stage
from pypedream.definition.variables import _NO_WRITES, Variables
from pypedream.errors import InputBindingError, OutputMappingError, SkipStage, StageExitError
from pypedream.execution.result import StageResult, StageStatus

__all__ = ["execute_stage", "mapped_lists", "resolve_inputs"]

_RESERVED_FIELDS = frozenset(
    {"event", "level", "timestamp", "pipeline", "run_id", "stage", "attempt", "exc_info"}
)
_perf = time.perf_counter
_new_object = object.__new__
_writes_of = operator.attrgetter("_writes")  # Variables.writes, without the property's frame
_SUCCEEDED = StageStatus.SUCCEEDED  # a module global: an enum member lookup costs more
_set_variables = VARIABLES.set
_new_tuple = tuple.__new__  # builds a StageResult without the NamedTuple's Python __new__


def _binding_error(key: str, name: str, problem: Exception) -> InputBindingError:
    """A binding's failure, naming the stage and the input."""
    if isinstance(problem, InputBindingError):
        error = type(problem)(f"stage {key!r} input {name!r}: {problem}")
    else:
        error = InputBindingError(
            f"stage {key!r} input {name!r}: its binding raised {type(problem).__name__}: {problem}"
        )
    error.__cause__ = problem
    return error


def _logged_values(inputs: Sequence[Input[Any]], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The `logged=True` inputs' values, as log fields."""
    logged = {}
    for item in inputs:
        if item.logged:
            name = item.as_arg
            logged[f"input.{name}" if name in _RESERVED_FIELDS else name] = kwargs[name]
    return logged


def resolve_inputs(key: str, inputs: Sequence[Input[Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Resolve every input: (keyword arguments, the logged ones). Errors name stage and input."""
    kwargs: dict[str, Any] = {}
    for item in inputs:
        try:
            kwargs[item.as_arg] = item.bind.resolve()
        except SkipStage:
            raise
        except Exception as problem:
            raise _binding_error(key, item.as_arg, problem) from problem
    return kwargs, _logged_values(inputs, kwargs)


def mapped_lists(
    key: str, stage: Stage[Any], max_map_length: int
) -> tuple[tuple[Sequence[Any], ...], int]:
    """A mapped stage's lists (in `map_over` order) and its instance count, natively and in
    Airflow alike. Raises what makes the map fail: a MapError, an input that cannot resolve."""
    mapped = [item for item in stage.inputs if item.as_arg in stage.map_over]
    values, _ = resolve_inputs(key, mapped)
    lists = tuple(values[name] for name in stage.map_over)
    return lists, map_length(key, stage.map_over, lists, max_map_length)


def _map(key: str, stage: Stage[Any], value: Any) -> dict[str, Any]:
    try:
        return map_outputs(stage.output_mapper, value)
    except OutputMappingError as problem:
        raise OutputMappingError(f"stage {key!r}: {problem}") from problem
    except Exception as problem:
        raise OutputMappingError(
            f"stage {key!r}: output mapper raised {type(problem).__name__}: {problem}"
        ) from problem


def _exit_error(key: str, caught: BaseException) -> StageExitError:
    """`sys.exit()` and other non-Exception BaseExceptions fail the stage, on both sides."""
    error = StageExitError(
        f"stage {key!r} raised {type(caught).__name__}({', '.join(map(repr, caught.args))}); "
        "a stage must return or raise an Exception (this would end the whole process)"
    )
    error.__cause__ = caught
    return error


def execute_stage(
    key: str,
    stage: Stage[Any],
    log: Any,
    variables_base: Mapping[str, Any],
    clock: float | None = None,
    first_attempt: int = 1,
    last_attempt: int | None = None,
    sleep: Callable[[float], None] | None = None,
) -> StageResult:
    """Run attempts `first_attempt..last_attempt` (default: all of 1 + retries) until one works.

    `log` is the run's logger (None: no logging); `clock` is the run's `perf_counter()` start,
    which the result's `started` is measured from (None: `started` is 0); `sleep` waits
    `retry_delay` between attempts (default `time.sleep`, looked up when needed). Never raises
    for a stage's own failure: the returned StageResult says what happened.
    """
    total = stage.retry_count + 1
    last = total if last_attempt is None else last_attempt
    begin = _perf()
    started = 0.0 if clock is None else begin - clock
    attempt = first_attempt
    while True:
        # Variables.over(variables_base), inlined: one fresh view per attempt, on the hot path.
        variables = _new_object(Variables)
        variables._base = variables_base
        variables._writes = _NO_WRITES
        _set_variables(variables)
        attempt_log = None
        if log is not None:
            attempt_log = log.bind(stage=key, attempt=attempt)
            LOG.set(attempt_log)
            attempt_begin = _perf()
        try:
            kwargs = {}
            name = ""
            try:  # resolve_inputs, inlined: this runs for every stage of every run
                for name, resolve in stage.resolvers:
                    kwargs[name] = resolve()
            except SkipStage:
                raise
            except Exception as failure:
                raise _binding_error(key, name, failure) from failure
            if attempt_log is not None:
                if stage.logs_inputs:
                    attempt_log = attempt_log.bind(**_logged_values(stage.inputs, kwargs))
                    LOG.set(attempt_log)
                attempt_log.info("stage_started")
            value = stage.function(**kwargs)
            if stage.output_mapper is default_output_mapper:
                outputs = {DEFAULT_OUTPUT_KEY: value}
            else:
                outputs = _map(key, stage, value)
        except SkipStage as skip:
            if attempt_log is not None:
                attempt_log.info("stage_skipped", reason=str(skip) or "SkipStage raised")
            return StageResult(
                key,
                StageStatus.SKIPPED,
                attempts=attempt - first_attempt + 1,
                duration=_perf() - begin,
                started=started,
                reason=str(skip) or "SkipStage raised",
            )
        except KeyboardInterrupt:
            raise
        except BaseException as caught:
            problem = caught if isinstance(caught, Exception) else _exit_error(key, caught)
            if attempt < last:
                delay = stage.retry_delay_seconds
                if attempt_log is not None:
                    attempt_log.warning(
                        "stage_retrying",
                        duration_s=round(_perf() - attempt_begin, 6),
                        retry_in_s=delay,
                        error=f"{type(problem).__name__}: {problem}",
                        exc_info=problem,
                    )
                if delay:
                    (sleep or time.sleep)(delay)
                attempt += 1
                continue
            if attempt_log is not None:
                attempt_log.error(
                    "stage_failed",
                    duration_s=round(_perf() - attempt_begin, 6),
                    attempts=attempt,
                    error=f"{type(problem).__name__}: {problem}",
                    exc_info=problem,
                )
            return StageResult(
                key,
                StageStatus.FAILED,
                error=problem,
                traceback="".join(traceback.format_exception(problem)),
                attempts=attempt - first_attempt + 1,
                duration=_perf() - begin,
                started=started,
            )
        if attempt_log is not None:
            attempt_log.info(
                "stage_succeeded",
                duration_s=round(_perf() - attempt_begin, 6),
                outputs=list(outputs),
            )
        # Every StageResult field, in order (the hot path: one per stage of every run).
        return _new_tuple(
            StageResult,
            (
                key,
                _SUCCEEDED,
                value,
                outputs,
                None,
                None,
                attempt - first_attempt + 1,
                _perf() - begin,
                started,
                None,
                _writes_of(variables),
                None,
            ),
        )
