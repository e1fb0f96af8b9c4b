"""Check a pipeline definition before anything runs, collecting every problem at once."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from pypedream._sentinel import MISSING
from pypedream._suggest import did_you_mean
from pypedream.ctx import PARAMETERS
from pypedream.definition.binding import DependencyInputMapper, Input, KeyedInputMapper
from pypedream.definition.graph import find_cycle
from pypedream.definition.outputs import declared_output_keys, default_output_mapper
from pypedream.definition.parameters import Parameters
from pypedream.definition.stage import Stage

__all__ = ["find_problems"]


def find_problems(
    pipeline: str, stages: Mapping[str, Stage[Any]], parameters: Parameters
) -> list[str]:
    """Every problem with the definition, as one message each (empty when it is valid)."""
    problems: list[str] = []
    for key, stage in stages.items():
        if not isinstance(key, str) or not key:
            problems.append(f"stage keys must be non-empty strings, got {key!r}")
            continue
        if not isinstance(stage, Stage):
            problems.append(f"stage {key!r} must be a Stage, got {type(stage).__name__}")
            continue
        problems.extend(_reference_problems(pipeline, key, stage, stages))
        problems.extend(_function_problems(key, stage))
        problems.extend(_argument_problems(key, stage))
        problems.extend(_parameter_problems(key, stage, parameters))
        problems.extend(_flow_problems(key, stage))
        if stage.reads_stages_opaquely and not stage.after:
            problems.append(
                f"stage {key!r}: an input reads ctx.STAGES through a custom mapper, so the stages "
                "it needs are unknown; list them in after=[...] (or use dependency())"
            )
    valid = {k: s.upstream for k, s in stages.items() if isinstance(s, Stage)}
    cycle = find_cycle({k: [u for u in ups if u in valid] for k, ups in valid.items()})
    if cycle:
        problems.append(f"stages {' -> '.join(repr(k) for k in cycle)} form a cycle")
    return problems


def _reference_problems(
    pipeline: str, key: str, stage: Stage[Any], stages: Mapping[str, Stage[Any]]
) -> list[str]:
    found = []
    for item in stage.inputs:
        mapper = item.bind.mapper
        if not isinstance(mapper, DependencyInputMapper):
            continue
        upstream = stages.get(mapper.from_stage)
        if upstream is None:
            found.append(
                f"stage {key!r} input {item.as_arg!r}: no stage named {mapper.from_stage!r} in "
                f"pipeline {pipeline!r}{did_you_mean(mapper.from_stage, stages)}"
            )
            continue
        if not isinstance(upstream, Stage) or mapper.default is not MISSING or not mapper.required:
            continue
        outputs = declared_output_keys(upstream.output_mapper)
        if outputs is not None and mapper.from_output not in outputs:
            listed = ", ".join(repr(o) for o in sorted(outputs))
            found.append(
                f"stage {key!r} input {item.as_arg!r}: stage {mapper.from_stage!r} has no output "
                f"{mapper.from_output!r} (its outputs: {listed})"
                f"{did_you_mean(mapper.from_output, outputs)}"
            )
    for name in stage.after:
        if name not in stages:
            found.append(
                f"stage {key!r} after: no stage named {name!r} in pipeline {pipeline!r}"
                f"{did_you_mean(name, stages)}"
            )
    return found


def _function_problems(key: str, stage: Stage[Any]) -> list[str]:
    """Stage functions are called synchronously, natively and in Airflow alike: an async or
    generator function would "succeed" with an unrun coroutine or generator as its value."""
    function = stage.function
    call = type(function).__call__  # callable objects with an async or generator __call__
    label = f"stage {key!r}: function {stage.name}()"
    if inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(call):
        return [
            f"{label} is `async def`, so calling it only creates a coroutine; make it a plain "
            "`def` (e.g. one that returns `asyncio.run(...)`)"
        ]
    if inspect.isasyncgenfunction(function) or inspect.isasyncgenfunction(call):
        return [f"{label} is an async generator; make it a plain `def` that returns a list"]
    if inspect.isgeneratorfunction(function) or inspect.isgeneratorfunction(call):
        return [
            f"{label} is a generator (it uses `yield`), so calling it would not run it; "
            "return a list instead (e.g. `return list(...)`)"
        ]
    return []


def _argument_problems(key: str, stage: Stage[Any]) -> list[str]:
    try:
        signature = inspect.signature(stage.function)
    except (TypeError, ValueError):
        return []  # builtins without a signature: checked when called
    params = signature.parameters
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
    bindable = {
        name: p for name, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    label = f"function {stage.name}()"
    found = []
    seen: dict[str, Input[Any]] = {}
    for item in stage.inputs:
        name = item.as_arg
        if name in seen:
            found.append(f"stage {key!r}: argument {name!r} is bound twice")
            continue
        seen[name] = item
        if name in bindable or (takes_kwargs and name not in params):
            continue
        takes = ", ".join(bindable) or "no keyword arguments"
        found.append(
            f"stage {key!r}: {label} has no argument {name!r} (it takes: {takes})"
            f"{did_you_mean(name, bindable)}"
        )
    for name, p in params.items():
        if p.default is not p.empty or name in seen:
            continue
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            found.append(
                f"stage {key!r}: {label} argument {name!r} is not bound; add an input for it, "
                f"e.g. known(value, as_arg={name!r})"
            )
        elif p.kind is p.POSITIONAL_ONLY:
            found.append(
                f"stage {key!r}: {label} argument {name!r} is positional-only and has no "
                "default, so it cannot be bound; wrap the function"
            )
    return found


def _parameter_problems(key: str, stage: Stage[Any], parameters: Parameters) -> list[str]:
    found = []
    for item in stage.inputs:
        mapper = item.bind.mapper
        reads_parameter = item.bind.source is PARAMETERS and isinstance(mapper, KeyedInputMapper)
        if not reads_parameter or not isinstance(mapper, KeyedInputMapper):
            continue
        if mapper.from_key not in parameters.specs:
            found.append(
                f"stage {key!r} input {item.as_arg!r}: no parameter named "
                f"{mapper.from_key!r}{did_you_mean(mapper.from_key, parameters.specs)}; "
                "declare it in Parameters.define(...)"
            )
    return found


def _flow_problems(key: str, stage: Stage[Any]) -> list[str]:
    """Maps, branches and short-circuits that cannot work as declared."""
    found = []
    names = [item.as_arg for item in stage.inputs]
    for name in stage.map_over:
        if name not in names:
            found.append(
                f"stage {key!r} map_over {name!r}: no input named {name!r} "
                f"(its inputs: {', '.join(names) or 'none'}){did_you_mean(name, names)}"
            )
    if len(set(stage.map_over)) != len(stage.map_over):
        found.append(f"stage {key!r}: map_over names an input twice")
    if stage.mapped and stage.output_mapper is not default_output_mapper:
        found.append(
            f"stage {key!r}: a mapped stage's result is the list of its instances' results; "
            "remove output_mapper (map the list in a downstream stage)"
        )
    if stage.branch and stage.short_circuit:
        found.append(f"stage {key!r}: choose branch=True or short_circuit=True, not both")
    if stage.mapped and (stage.branch or stage.short_circuit):
        found.append(
            f"stage {key!r}: a mapped stage cannot branch or short-circuit; "
            "do it in a stage downstream of the map"
        )
    return found
