"""A short hash of everything an exported DAG file fixes about a pipeline.

An exported DAG file records it; its tasks refuse to run a pipeline whose fingerprint changed,
so a file exported with an old parameter default, retry setting or Airflow option never runs
silently. Every field of `Pipeline`, `Stage`, `Parameter` and `AirflowOptions` is either
covered or listed in `EXCLUDED` with its reason (a test keeps the two complete).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING, Any

from pypedream.definition.binding import DependencyInputMapper, Input, KeyedInputMapper
from pypedream.definition.outputs import (
    KeyedOutputMapper,
    SequentialOutputMapper,
    default_output_mapper,
)

if TYPE_CHECKING:
    from pypedream.definition.pipeline import Pipeline
    from pypedream.definition.stage import Stage

__all__ = ["COVERED", "EXCLUDED", "describe_graph", "fingerprint"]

COVERED: dict[str, tuple[str, ...]] = {
    "Pipeline": ("name", "parameters", "stages", "airflow"),
    "Stage": (
        "function",
        "inputs",
        "output_mapper",
        "after",
        "retries",
        "retry_delay",
        "trigger_rule",
        "map_over",
        "branch",
        "short_circuit",
        "ignore_downstream_trigger_rules",
        "group",
    ),
    "Parameter": ("default", "type", "secret"),
    "AirflowOptions": (
        "dag_id",
        "schedule",
        "start_date",
        "catchup",
        "tags",
        "owner",
        "default_args",
        "max_active_runs",
        "airflow_xcoms",
    ),
}
EXCLUDED: dict[str, dict[str, str]] = {
    "Pipeline": {
        "variables": "read from the imported pipeline by each task, never from the DAG file",
        "log_settings": "read from the imported pipeline by each task, never from the DAG file",
        "description": "documentation only: it does not change what Airflow runs",
    },
    "Stage": {
        "description": "documentation only: it does not change what Airflow runs",
        "dependencies": "derived from `inputs`, which are covered",
        "resolvers": "derived from `inputs`, which are covered",
        "logs_inputs": "derived from `inputs`, which are covered",
    },
    "Parameter": {
        "description": "documentation only: it does not change what Airflow runs",
    },
    "AirflowOptions": {
        "description": "documentation only: it does not change what Airflow runs",
        "allowed_types": "read from the imported pipeline by each task, never from the DAG file",
    },
}
"""Known input values (`known(date.today())`) are left out too: each task reads them from the
imported pipeline, and they may differ between processes without the file changing."""


def _callable_name(value: Any) -> str:
    module = getattr(value, "__module__", None) or type(value).__module__
    name = getattr(value, "__qualname__", None) or type(value).__qualname__
    return f"{module}:{name}"


def _mapper(mapper: Any) -> Any:
    if mapper is None:
        return None
    if isinstance(mapper, DependencyInputMapper):
        return ["dependency", mapper.from_stage, mapper.from_output, mapper.required]
    if isinstance(mapper, KeyedInputMapper):
        return ["keyed", mapper.from_key, mapper.required]
    if isinstance(mapper, (KeyedOutputMapper, SequentialOutputMapper)):
        keys = mapper.keys
        listed = list(keys.items()) if isinstance(keys, dict) else list(keys)
        return [type(mapper).__name__, listed, mapper.behaviour.value]
    if mapper is default_output_mapper:
        return "default"
    return _callable_name(mapper)


def _input(item: Input[Any]) -> list[Any]:
    bind = item.bind
    source = bind.source.name if bind.kind.value == "deferred" else None
    return [item.as_arg, bind.kind.value, source, _mapper(bind.mapper), item.logged]


def _flow(stage: Stage[Any]) -> list[Any]:
    """Trigger rule, map, branch, short-circuit and group; nothing when all are defaults (so
    fingerprints of pipelines that use none of them did not change when they were added)."""
    flow = [
        stage.rule.value,
        list(stage.map_over),
        stage.branch,
        stage.short_circuit,
        stage.ignore_downstream_trigger_rules,
        stage.group,
    ]
    default = ["all_success", [], False, False, True, None]
    return [] if flow == default else [flow]


def _literal(value: Any) -> Any:
    """A value as JSON data with its type, so `25` and `25.0` differ."""
    if isinstance(value, dict):
        return {"dict": [[_literal(k), _literal(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return {type(value).__name__: [_literal(item) for item in items]}
    return [type(value).__name__, repr(value)]


def _airflow_options(options: Any) -> Any:
    if options is None:
        return None
    if not dataclasses.is_dataclass(options):
        return repr(options)
    return {name: _literal(getattr(options, name)) for name in COVERED["AirflowOptions"]}


def describe_graph(pipeline: Pipeline) -> dict[str, Any]:
    """The JSON-able description the fingerprint hashes."""
    graph = pipeline.graph
    return {
        "pipeline": pipeline.name,
        "parameters": [
            [
                name,
                spec.value_type.__name__ if spec.value_type else None,
                spec.required,
                # A secret's default is not in the DAG file (and may come from the environment,
                # differing between processes): only that it is secret is.
                None if spec.required or spec.secret else _literal(spec.default),
                spec.secret,
            ]
            for name, spec in pipeline.parameters.specs.items()
        ],
        "airflow": _airflow_options(getattr(pipeline, "airflow", None)),
        "stages": [
            [
                key,
                _callable_name(stage.function),
                [_input(item) for item in stage.inputs],
                _mapper(stage.output_mapper),
                list(stage.after),
                stage.retries,
                None if stage.retry_delay is None else stage.retry_delay_seconds,
                *_flow(stage),
            ]
            for key, stage in ((k, graph.stages[k]) for k in graph.order)
        ],
    }


def fingerprint(pipeline: Pipeline) -> str:
    """16 hex digits identifying the pipeline's graph."""
    text = json.dumps(describe_graph(pipeline), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
