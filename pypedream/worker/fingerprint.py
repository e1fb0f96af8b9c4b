"""A short hash of what a pipeline's graph is: stages, edges, bindings, parameters.

An exported DAG file records it; its tasks refuse to run a pipeline whose fingerprint changed.
Known values (e.g. `known(date.today(), ...)`) are left out on purpose: they may differ between
processes without the graph changing.
"""

from __future__ import annotations

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

__all__ = ["describe_graph", "fingerprint"]


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


def describe_graph(pipeline: Pipeline) -> dict[str, Any]:
    """The JSON-able description the fingerprint hashes."""
    graph = pipeline.graph
    return {
        "pipeline": pipeline.name,
        "parameters": [
            [name, spec.value_type.__name__ if spec.value_type else None, spec.required]
            for name, spec in pipeline.parameters.specs.items()
        ],
        "stages": [
            [
                key,
                _callable_name(stage.function),
                [_input(item) for item in stage.inputs],
                _mapper(stage.output_mapper),
                list(stage.after),
                stage.retries,
                *_flow(stage),
            ]
            for key, stage in ((k, graph.stages[k]) for k in graph.order)
        ],
    }


def fingerprint(pipeline: Pipeline) -> str:
    """16 hex digits identifying the pipeline's graph."""
    text = json.dumps(describe_graph(pipeline), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
