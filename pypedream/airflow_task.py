"""The one entry point every exported Airflow task calls.

It imports the pipeline by reference, checks the DAG file is not stale, rebuilds the stage's
context from XCom (parameters from the task context, upstream outputs and variables from the
upstream tasks' pypedream XCom) and runs the stage with the same code as a native run
(`stage_execution.execute_stage`). Nothing of Airflow is imported: `context` is duck-typed.

Each task pushes one XCom under key "pypedream" (exact values, see `value_codec`) plus, for
other Airflow tasks, its return value as `return_value` and each named output under its key.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Any

from pypedream import ctx
from pypedream._iso import parse_datetime
from pypedream.errors import (
    PypedreamError,
    SkipStage,
    ValueTransportError,
    VariableConflictError,
)
from pypedream.executor import AncestorOutputs
from pypedream.fingerprint import fingerprint
from pypedream.outputs import default_output_mapper
from pypedream.parameters import Parameters
from pypedream.pipeline import Pipeline
from pypedream.reference import load_pipeline
from pypedream.result import StageResult, StageStatus
from pypedream.stage_execution import execute_stage
from pypedream.value_codec import PREFIX, from_tree
from pypedream.value_transport import encode_outputs, encode_variable
from pypedream.variables import DELETED

__all__ = [
    "ENVELOPE_KEY",
    "StaleDagError",
    "ValueTransportError",
    "envelope_outputs",
    "read_envelope",
    "run_task",
]

ENVELOPE_KEY = "pypedream"
_RESERVED_XCOM_KEYS = frozenset({"return_value", ENVELOPE_KEY})
_pipelines: dict[str, tuple[Pipeline, str]] = {}


class StaleDagError(PypedreamError, RuntimeError):
    """The DAG file was exported from a different version of the pipeline."""


def _write_envelope(outputs: Mapping[str, Any], variables: Mapping[str, Any]) -> str:
    """The "pypedream" XCom: output value trees and the variable writes visible downstream."""
    envelope = {"outputs": outputs, "variables": variables}
    return PREFIX + json.dumps(envelope, separators=(",", ":"))


def read_envelope(text: str) -> dict[str, Any]:
    """Inverse of the envelope a task pushes (values still as `value_codec` trees)."""
    return json.loads(text[len(PREFIX) :])


def envelope_outputs(text: str) -> dict[str, Any]:
    """The stage outputs a task handed on, decoded to exact values."""
    return {name: from_tree(tree) for name, tree in read_envelope(text)["outputs"].items()}


def _pipeline(reference: str) -> tuple[Pipeline, str]:
    cached = _pipelines.get(reference)
    if cached is None:
        pipeline = load_pipeline(reference)
        cached = _pipelines[reference] = (pipeline, fingerprint(pipeline))
    return cached


def _parameters(pipeline: Pipeline, params: Mapping[str, Any]) -> Parameters:
    """Declared parameters from the task context, dates turned back from ISO strings."""
    values: dict[str, Any] = {}
    for name, spec in pipeline.parameters.specs.items():
        if name not in params:
            continue
        value = params[name]
        wanted = spec.value_type
        if isinstance(value, str) and wanted is dt.datetime:
            value = parse_datetime(value)
        elif isinstance(value, str) and wanted is dt.date:
            value = dt.date.fromisoformat(value)
        values[name] = value
    return pipeline.parameters.resolve(values, pipeline.name)


class _Envelopes:
    """Decoded "pypedream" XComs of upstream tasks, pulled on first use."""

    def __init__(self, ti: Any, task_ids: Mapping[str, str]) -> None:
        self._ti = ti
        self._task_ids = task_ids
        self._cache: dict[str, dict[str, Any]] = {}

    def get(self, stage_key: str) -> dict[str, Any] | None:
        if stage_key not in self._cache:
            raw = self._ti.xcom_pull(task_ids=self._task_ids[stage_key], key=ENVELOPE_KEY)
            self._cache[stage_key] = None if raw is None else read_envelope(raw)
        return self._cache[stage_key]


class _UpstreamOutputs(Mapping[str, Mapping[str, Any]]):
    """Outputs of upstream stages, decoded from their envelopes on first access."""

    def __init__(self, envelopes: _Envelopes, keys: tuple[str, ...]) -> None:
        self._envelopes = envelopes
        self._keys = keys
        self._decoded: dict[str, Mapping[str, Any]] = {}

    def __getitem__(self, key: str) -> Mapping[str, Any]:
        if key not in self._decoded:
            envelope = self._envelopes.get(key) if key in self._keys else None
            if envelope is None:
                raise KeyError(key)
            self._decoded[key] = {k: from_tree(v) for k, v in envelope["outputs"].items()}
        return self._decoded[key]

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._keys if key in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _variable_writes(pipeline: Pipeline, key: str, envelopes: _Envelopes) -> dict[str, list[Any]]:
    """Writes visible to `key`: name -> [writer stage index] (deleted) or [index, value tree]."""
    graph = pipeline.graph
    merged: dict[str, list[Any]] = {}
    for parent in graph.upstream[key]:
        envelope = envelopes.get(parent) or {}
        for name, entry in envelope.get("variables", {}).items():
            current = merged.get(name)
            if current is None or entry[0] > current[0]:
                if current is not None and entry[0] != current[0]:
                    _check_ordered(graph, name, current[0], entry[0])
                merged[name] = entry
            elif entry[0] != current[0]:
                _check_ordered(graph, name, entry[0], current[0])
    return merged


def _check_ordered(graph: Any, name: str, first: int, second: int) -> None:
    a, b = graph.order[first], graph.order[second]
    if not graph.is_ancestor(a, b):
        raise VariableConflictError(
            f"stages {a!r} and {b!r} both write variable {name!r} but neither depends on the "
            "other; order them with after=[...] or use distinct names"
        )


def _base_variables(pipeline: Pipeline, writes: Mapping[str, list[Any]]) -> dict[str, Any]:
    base = dict(pipeline.variables)
    for name, entry in sorted(writes.items(), key=lambda item: item[1][0]):
        if len(entry) == 1:
            base.pop(name, None)
        else:
            base[name] = from_tree(entry[1])
    return base


def _plain_datetime(value: Any) -> Any:
    """Airflow's pendulum DateTime as the stdlib datetime a native run has (same instant)."""
    if not isinstance(value, dt.datetime) or type(value) is dt.datetime:
        return value
    offset = value.utcoffset()
    zone = None if offset is None else dt.timezone(offset)
    return dt.datetime(*value.timetuple()[:6], value.microsecond, tzinfo=zone, fold=value.fold)


def _task_logger(pipeline: Pipeline, run_id: str) -> Any:
    from pypedream.log_setup import create_task_log

    return create_task_log(pipeline.log_settings, pipeline=pipeline.name, run_id=run_id)


def _push_for_airflow(ti: Any, stage_result: StageResult, custom: bool, log: Any) -> None:
    """Best effort: idiomatic XComs for non-pypedream consumers."""
    pushes = [("return_value", stage_result.return_value)]
    if custom:
        pushes += [(k, v) for k, v in stage_result.outputs.items() if k not in _RESERVED_XCOM_KEYS]
    for xcom_key, value in pushes:
        if xcom_key == "return_value" and value is None:
            continue
        try:
            ti.xcom_push(key=xcom_key, value=value)
        except Exception as problem:  # Airflow's serializer refused it
            log.warning(
                "xcom_not_stored",
                xcom_key=xcom_key,
                type=type(value).__name__,
                error=f"{type(problem).__name__}: {problem}",
                note="downstream pypedream stages still receive the exact value",
            )


def run_task(
    reference: str,
    expected_fingerprint: str,
    context: Mapping[str, Any],
    *,
    task_ids: Mapping[str, str],
    skip_exception: type[BaseException] | None = None,
) -> None:
    """Run the stage of the current task (`context["ti"].task_id`, via `task_ids`).

    Raises the stage's own error when it fails, so Airflow records and retries it.
    """
    pipeline, actual = _pipeline(reference)
    if actual != expected_fingerprint:
        raise StaleDagError(
            f"DAG file is stale: pipeline {reference!r} changed since the DAG was exported "
            f"(fingerprint {actual}, file has {expected_fingerprint}); re-run "
            f"`pypedream export-airflow {reference} -o <dags folder>`"
        )
    graph = pipeline.graph
    ti = context["ti"]
    stage_key = next(key for key, task_id in task_ids.items() if task_id == ti.task_id)
    stage = graph.stages[stage_key]
    run_id = str(context["run_id"])
    parameters = _parameters(pipeline, context.get("params") or {})
    run_info = ctx.RunInfo(run_id, pipeline.name, _plain_datetime(context.get("logical_date")))
    log = _task_logger(pipeline, run_id)
    envelopes = _Envelopes(ti, task_ids)
    writes = _variable_writes(pipeline, stage_key, envelopes)
    ancestors = graph.ancestors(stage_key)
    attempt = int(getattr(ti, "try_number", 1) or 1)

    def execute() -> StageResult:
        ctx.PIPELINE.set(pipeline)
        ctx.PARAMETERS.set(parameters)
        ctx.RUN.set(run_info)
        ctx.STAGE.set(stage)
        ctx.STAGE_KEY.set(stage_key)
        outputs = _UpstreamOutputs(envelopes, ancestors)
        ctx.STAGES.set(AncestorOutputs(graph, stage_key, outputs))
        return execute_stage(
            stage_key,
            stage,
            log,
            _base_variables(pipeline, writes),
            0.0,
            first_attempt=attempt,
            last_attempt=attempt,
        )

    result = contextvars.copy_context().run(execute)
    if result.status is StageStatus.SKIPPED:
        raise (skip_exception or SkipStage)(result.reason or "skipped")
    if result.status is StageStatus.FAILED:
        assert result.error is not None
        raise result.error
    index = graph.index[stage_key]
    for name, value in result.variable_writes.items():
        if value is DELETED:
            writes[name] = [index]
        else:
            writes[name] = [index, encode_variable(stage_key, name, value)]
    envelope = _write_envelope(encode_outputs(stage_key, result.outputs), writes)
    ti.xcom_push(key=ENVELOPE_KEY, value=envelope)
    custom = stage.output_mapper is not default_output_mapper
    _push_for_airflow(ti, result, custom, log)
