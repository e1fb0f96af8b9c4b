"""Run one stage: resolve its inputs, call its function (with retries), map its outputs.

This is the code both the native executor and the Airflow task entry point call, so a stage
binds and behaves the same wherever it runs. The caller sets the run's context variables
(PIPELINE, PARAMETERS, RUN, STAGES, STAGE, STAGE_KEY); LOG and VARIABLES are set per attempt.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pypedream.ctx import LOG, VARIABLES
from pypedream.definition.binding import DEFAULT_OUTPUT_KEY, Input
from pypedream.definition.outputs import default_output_mapper, map_outputs
from pypedream.definition.stage import Stage
from pypedream.definition.variables import Variables
from pypedream.errors import InputBindingError, OutputMappingError, SkipStage, StageExitError
from pypedream.execution.result import StageResult, StageStatus

__all__ = ["execute_stage", "resolve_inputs"]

_RESERVED_FIELDS = frozenset(
    {"event", "level", "timestamp", "pipeline", "run_id", "stage", "attempt", "exc_info"}
)
_perf = time.perf_counter
_variables_over = Variables.over
_set_variables = VARIABLES.set
_NOTHING_LOGGED: dict[str, Any] = {}  # shared and never written: most stages log no input
_new_tuple = tuple.__new__  # builds a StageResult without the NamedTuple's Python __new__


def resolve_inputs(key: str, inputs: Sequence[Input[Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Resolve every input: (keyword arguments, the logged ones). Errors name stage and input."""
    kwargs: dict[str, Any] = {}
    logged: dict[str, Any] = _NOTHING_LOGGED
    for item in inputs:
        try:
            value = item.bind.resolve()
        except SkipStage:
            raise
        except InputBindingError as problem:
            raise type(problem)(f"stage {key!r} input {item.as_arg!r}: {problem}") from problem
        except Exception as problem:
            raise InputBindingError(
                f"stage {key!r} input {item.as_arg!r}: its binding raised "
                f"{type(problem).__name__}: {problem}"
            ) from problem
        kwargs[item.as_arg] = value
        if item.logged:
            if logged is _NOTHING_LOGGED:
                logged = {}
            name = item.as_arg
            logged[f"input.{name}" if name in _RESERVED_FIELDS else name] = value
    return kwargs, logged


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
    started: float = 0.0,
    first_attempt: int = 1,
    last_attempt: int | None = None,
    sleep: Callable[[float], None] | None = None,
) -> StageResult:
    """Run attempts `first_attempt..last_attempt` (default: all of 1 + retries) until one works.

    `log` is the run's logger (None: no logging); `sleep` waits `retry_delay` between attempts
    (default `time.sleep`, looked up when needed). Never raises for a stage's own failure: the
    returned StageResult says what happened.
    """
    total = stage.retry_count + 1
    last = total if last_attempt is None else last_attempt
    begin = _perf()
    attempt = first_attempt
    while True:
        variables = _variables_over(variables_base)
        _set_variables(variables)
        attempt_log = None
        if log is not None:
            attempt_log = log.bind(stage=key, attempt=attempt)
            LOG.set(attempt_log)
            attempt_begin = _perf()
        try:
            kwargs, logged = resolve_inputs(key, stage.inputs)
            if attempt_log is not None:
                if logged:
                    attempt_log = attempt_log.bind(**logged)
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
                StageStatus.SUCCEEDED,
                value,
                outputs,
                None,
                None,
                attempt - first_attempt + 1,
                _perf() - begin,
                started,
                None,
                variables.writes,
                None,
            ),
        )
