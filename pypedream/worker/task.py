"""The one entry point every exported Airflow task calls: `run_task`.

It imports the pipeline by reference, checks the DAG file is not stale, rebuilds the stage's
context from XCom (parameters from the task context, upstream outputs and variables from the
upstream tasks' envelopes) and runs the stage with the same code as a native run
(`execution.stage_context` and `execution.stage_execution`). Nothing of Airflow is imported:
`context` is duck-typed. What the task pushes is described in `envelope`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from pypedream import ctx
from pypedream.definition.flow import branch_choice
from pypedream.definition.graph import StageGraph
from pypedream.definition.mapping import instance_stage, instance_write_error
from pypedream.definition.outputs import default_output_mapper
from pypedream.definition.parameters import Parameters
from pypedream.definition.pipeline import Pipeline
from pypedream.definition.reference import load_pipeline
from pypedream.definition.variables import DELETED
from pypedream.errors import PypedreamError, SkipStage, ValueTransportError
from pypedream.execution.result import StageResult, StageStatus
from pypedream.execution.stage_context import enter_run, enter_stage
from pypedream.execution.stage_execution import execute_stage
from pypedream.execution.variable_merge import apply_writes, find_conflict, starting_values
from pypedream.worker.allowlist import TypeAllowlist, pipeline_allowlist
from pypedream.worker.envelope import (
    ENVELOPE_KEY,
    EnvelopeSignatureError,
    airflow_xcom_pushes,
    read_envelope,
    write_envelope,
)
from pypedream.worker.fingerprint import fingerprint
from pypedream.worker.mapped import (
    EXPAND_SUFFIX,
    assembled_envelope,
    expand_labels,
    instance_items,
)
from pypedream.worker.params import decode_airflow_params
from pypedream.worker.transport import encode_outputs, encode_variable
from pypedream.worker.value_codec import UntrustedValueError, from_tree

__all__ = ["StaleDagError", "ValueTransportError", "run_task"]

_pipelines: dict[str, tuple[Pipeline, str]] = {}


class StaleDagError(PypedreamError, RuntimeError):
    """The DAG file was exported from a different version of the pipeline."""


def _pipeline(reference: str) -> tuple[Pipeline, str]:
    cached = _pipelines.get(reference)
    if cached is None:
        pipeline = load_pipeline(reference)
        cached = _pipelines[reference] = (pipeline, fingerprint(pipeline))
    return cached


def _parameters(pipeline: Pipeline, context: Mapping[str, Any]) -> Parameters:
    """Declared parameters from the task context, dates turned back from ISO strings.

    Keys of the trigger conf that are not declared parameters are passed on too, so they are
    refused with the native run's message ("unknown parameter 'nn'. Did you mean 'n'?"):
    Airflow itself ignores them.
    """
    params = context.get("params") or {}
    conf = getattr(context.get("dag_run"), "conf", None) or {}
    specs = pipeline.parameters.specs
    unknown = {k: v for source in (params, conf) for k, v in source.items() if k not in specs}
    overrides = {**unknown, **decode_airflow_params(pipeline.parameters, params)}
    return pipeline.parameters.resolve(overrides, pipeline.name)


def _refused(stage_key: str, what: str, problem: UntrustedValueError) -> UntrustedValueError:
    """`problem` (same class) naming the upstream stage and the part of its envelope."""
    why = f"stage {stage_key!r} {what}: {problem.why}"
    if isinstance(problem, EnvelopeSignatureError):
        refused: UntrustedValueError = EnvelopeSignatureError(why)
    else:
        refused = UntrustedValueError(problem.path, why)
    refused.__cause__ = problem
    return refused


class _Envelopes:
    """Decoded "pypedream" XComs of upstream tasks, pulled on first use (a mapped stage's
    instances assembled into one)."""

    def __init__(
        self, ti: Any, task_ids: Mapping[str, str], scope: Mapping[str, str], graph: StageGraph
    ) -> None:
        self._ti = ti
        self._task_ids = task_ids
        self._scope = scope
        self._graph = graph
        self._cache: dict[str, dict[str, Any] | None] = {}
        self.allow = TypeAllowlist()

    def _read(self, stage_key: str, task_id: str, raw: Any) -> dict[str, Any]:
        """One envelope of `task_id`, checked (signature, shape, and who wrote it)."""
        try:
            envelope = read_envelope(raw)
        except UntrustedValueError as problem:
            raise _refused(stage_key, "envelope", problem) from None
        scope = envelope.get("scope")
        if scope is not None and scope != {**self._scope, "task_id": task_id}:
            misplaced = UntrustedValueError("", f"it was written by {scope!r}")
            raise _refused(stage_key, "envelope", misplaced)
        return envelope

    def get(self, stage_key: str) -> dict[str, Any] | None:
        if stage_key not in self._cache:
            task_id = self._task_ids[stage_key]
            if self._graph.stages[stage_key].map_over:
                self._cache[stage_key] = assembled_envelope(
                    self._ti, task_id, lambda raw: self._read(stage_key, task_id, raw)
                )
            else:
                raw = self._ti.xcom_pull(task_ids=task_id, key=ENVELOPE_KEY)
                envelope = None if raw is None else self._read(stage_key, task_id, raw)
                self._cache[stage_key] = envelope
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
            try:
                self._decoded[key] = {
                    k: from_tree(v, self._envelopes.allow) for k, v in envelope["outputs"].items()
                }
            except UntrustedValueError as problem:
                raise _refused(key, "outputs", problem) from None
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
            if not 0 <= entry[0] < len(graph.order):
                unknown = UntrustedValueError("", f"no stage has index {entry[0]}")
                raise _refused(parent, f"variable {name!r}", unknown)
            current = merged.get(name)
            if current is not None and entry[0] != current[0]:
                first, second = sorted((current[0], entry[0]))
                problem = find_conflict(graph, graph.order[first], graph.order[second], [name])
                if problem is not None:
                    raise problem
            if current is None or entry[0] > current[0]:
                merged[name] = entry
    return merged


def _base_variables(
    pipeline: Pipeline, writes: Mapping[str, list[Any]], allow: TypeAllowlist
) -> dict[str, Any]:
    """The pipeline's starting variables plus the upstream writes, decoded (every one of them:
    a write this task cannot decode is refused here, never handed on)."""
    decoded = []
    for name, entry in writes.items():
        try:
            value = DELETED if len(entry) == 1 else from_tree(entry[1], allow)
        except UntrustedValueError as problem:
            writer = pipeline.graph.order[entry[0]]
            raise _refused(writer, f"variable {name!r}", problem) from None
        decoded.append((entry[0], {name: value}))
    return apply_writes(starting_values(pipeline.variables), decoded)


def _plain_datetime(value: Any) -> Any:
    """Airflow's pendulum DateTime as the stdlib datetime a native run has (same instant)."""
    if not isinstance(value, dt.datetime) or type(value) is dt.datetime:
        return value
    offset = value.utcoffset()
    zone = None if offset is None else dt.timezone(offset)
    return dt.datetime(*value.timetuple()[:6], value.microsecond, tzinfo=zone, fold=value.fold)


def _stage_of(task_id: str, task_ids: Mapping[str, str]) -> tuple[str, bool]:
    """The stage key a task runs, and whether it is the stage's expand task."""
    for key, stage_task_id in task_ids.items():
        if stage_task_id == task_id:
            return key, False
    for key, stage_task_id in task_ids.items():
        if stage_task_id + EXPAND_SUFFIX == task_id:
            return key, True
    raise KeyError(f"task {task_id!r} runs no stage of this pipeline")


def _task_logger(pipeline: Pipeline, run_id: str, secrets: Sequence[Any] = ()) -> Any:
    from pypedream.execution.log_setup import create_task_log

    return create_task_log(
        pipeline.log_settings, pipeline=pipeline.name, run_id=run_id, secrets=secrets
    )


def _push_for_airflow(ti: Any, stage_result: StageResult, custom: bool, log: Any) -> None:
    """Best effort: idiomatic XComs for non-pypedream consumers."""
    for xcom_key, value in airflow_xcom_pushes(
        stage_result.return_value, stage_result.outputs, custom
    ):
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
    airflow_xcoms: bool = True,
    mask_secret: Callable[[Any], object] | None = None,
) -> Any:
    """Run the stage of the current task (`context["ti"].task_id`, via `task_ids`).

    Raises the stage's own error when it fails, so Airflow records and retries it.
    `airflow_xcoms=False` pushes only pypedream's envelope (no `return_value` / named outputs).
    `mask_secret` is Airflow's own masker: the values of secret parameters are registered with
    it, so Airflow hides them everywhere it logs (a stage's exception text included).
    Returns what the task's operator acts on: for a branch stage the task ids it chose (for
    BranchPythonOperator), for a short-circuit stage whether its value is truthy (for
    ShortCircuitOperator), for a map's expand task one label per instance, else None.
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
    stage_key, expanding = _stage_of(ti.task_id, task_ids)
    stage = graph.stages[stage_key]
    map_index = int(getattr(ti, "map_index", -1) or 0) if stage.map_over else -1
    run_id = str(context["run_id"])
    parameters = _parameters(pipeline, context)
    secrets = parameters.secret_values()
    if mask_secret is not None:
        for secret in secrets:
            mask_secret(secret)
    run_info = ctx.RunInfo(run_id, pipeline.name, _plain_datetime(context.get("logical_date")))
    log = _task_logger(pipeline, run_id, secrets)
    scope = {"dag_id": str(getattr(ti, "dag_id", "")), "run_id": run_id}
    envelopes = _Envelopes(ti, task_ids, scope, graph)
    allow = envelopes.allow = pipeline_allowlist(pipeline)
    writes = _variable_writes(pipeline, stage_key, envelopes)
    base_variables = _base_variables(pipeline, writes, allow)
    upstream_outputs = _UpstreamOutputs(envelopes, graph.ancestors(stage_key))
    attempt = int(getattr(ti, "try_number", 1) or 1)

    def enter() -> None:
        enter_run(pipeline, parameters, run_info, log, upstream_outputs)
        enter_stage(stage_key, stage)

    def execute() -> StageResult | None:
        enter()
        runs, stage_log = stage, log
        if map_index >= 0:
            items = instance_items(stage_key, stage, map_index)
            if items is None:  # the placeholder instance of an empty map
                return None
            ctx.MAP_INDEX.set(map_index)
            ctx.MAP_ITEM.set(items)
            runs, stage_log = instance_stage(stage), log.bind(map_index=map_index)
        return execute_stage(
            stage_key,
            runs,
            stage_log,
            base_variables,
            first_attempt=attempt,
            last_attempt=attempt,
        )

    if expanding:

        def expand() -> list[dict[str, str]]:
            enter()
            return expand_labels(stage_key, stage)

        return contextvars.copy_context().run(expand)
    result = contextvars.copy_context().run(execute)
    if result is None:
        placeholder = write_envelope({}, {}, scope={**scope, "task_id": ti.task_id})
        ti.xcom_push(key=ENVELOPE_KEY, value=placeholder)
        return None
    if result.status is StageStatus.SKIPPED:
        raise (skip_exception or SkipStage)(result.reason or "skipped")
    if result.status is StageStatus.FAILED:
        assert result.error is not None
        raise result.error
    if map_index >= 0 and result.variable_writes:
        raise instance_write_error(stage_key, map_index, result.variable_writes)
    index = graph.index[stage_key]
    for name, value in result.variable_writes.items():
        if value is DELETED:
            writes[name] = [index]
        else:
            writes[name] = [index, encode_variable(stage_key, name, value, allow)]
    outputs = encode_outputs(stage_key, result.outputs, allow)
    envelope = write_envelope(outputs, writes, scope={**scope, "task_id": ti.task_id})
    ti.xcom_push(key=ENVELOPE_KEY, value=envelope)
    if airflow_xcoms:
        custom = stage.output_mapper is not default_output_mapper
        _push_for_airflow(ti, result, custom, log)
    if stage.branch:  # the task ids Airflow follows (a mapped stage starts at its expand task)
        return [
            task_ids[key] + (EXPAND_SUFFIX if graph.stages[key].map_over else "")
            for key in branch_choice(graph, stage_key, result.return_value)
        ]
    if stage.short_circuit:
        return bool(result.return_value)
    return None
