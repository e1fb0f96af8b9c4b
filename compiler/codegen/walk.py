"""Walk a validated pipeline into a DagSpec: ids made safe, params typed, data flow listed."""

from __future__ import annotations

import datetime as dt
import inspect
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pypedream_compiler.codegen.ids import airflow_id, is_airflow_id, python_names
from pypedream_compiler.codegen.literal import py_literal
from pypedream_compiler.codegen.spec import DagSpec, EdgeSpec, FlowSpec, ParamSpec, TaskSpec
from pypedream_compiler.errors import ExportError

import pypedream
from pypedream import Pipeline
from pypedream.definition.airflow_options import (
    AIRFLOW_VERSIONS,
    AirflowOptions,
    airflow_option_problems,
    utc_start_date,
)
from pypedream.definition.binding import DependencyInputMapper
from pypedream.definition.parameters import Parameter
from pypedream.definition.stage import Stage
from pypedream.worker.fingerprint import fingerprint

__all__ = ["build_dag_spec"]

# Names the template defines at module level or inside the DAG block.
RESERVED_NAMES = frozenset(
    {
        "DAG",
        "Param",
        "PythonOperator",
        "AirflowSkipException",
        "PIPELINE",
        "FINGERPRINT",
        "TASK_IDS",
        "DATA_FLOW",
        "annotations",
        "datetime",
        "dag",
        "run_stage",
    }
)
_SCHEMA_TYPES: dict[type, tuple[str, str | None]] = {
    bool: ("boolean", None),
    int: ("integer", None),
    float: ("number", None),
    str: ("string", None),
    list: ("array", None),
    dict: ("object", None),
    dt.date: ("string", "date"),
    dt.datetime: ("string", "date-time"),
}
_TIMEDELTA_ARGS = frozenset({"execution_timeout", "max_retry_delay"})
_SAFE_COMMAND = re.compile(r"[ -~]{1,300}")  # printable ASCII on one line


def _literal_problem(value: Any) -> str | None:
    try:
        py_literal(value)
    except TypeError as problem:
        return str(problem)
    return None


def _param_spec(name: str, spec: Parameter, problems: list[str]) -> ParamSpec:
    wanted = spec.value_type
    schema: Any = None
    schema_format = None
    if wanted is not None and wanted not in _SCHEMA_TYPES:
        problems.append(
            f"parameter {name!r}: type {wanted.__name__} has no Airflow Param equivalent; "
            "use str, int, float, bool, list, dict, date or datetime"
        )
        return ParamSpec(name, None, False, None, None, spec.description)
    if wanted is not None:
        schema, schema_format = _SCHEMA_TYPES[wanted]
    if spec.secret:  # a password field in the trigger form; its default stays out of the file
        if spec.required:
            return ParamSpec(name, schema, False, None, "password", spec.description, secret=True)
        nullable = [schema, "null"] if schema is not None else None
        return ParamSpec(name, nullable, True, None, "password", spec.description, secret=True)
    default = spec.default
    if spec.required:
        return ParamSpec(name, schema, False, None, schema_format, spec.description)
    if isinstance(default, (dt.date, dt.datetime)):
        default = default.isoformat()
    elif isinstance(default, tuple):
        default = list(default)
    elif isinstance(default, float) and not math.isfinite(default):
        problems.append(f"parameter {name!r}: default {default!r} is not valid JSON")
        return ParamSpec(name, schema, False, None, schema_format, spec.description)
    if default is None and schema is not None:
        schema = [schema, "null"]
    problem = _literal_problem(default)
    if problem:
        problems.append(
            f"parameter {name!r}: default of type {type(spec.default).__name__} cannot be an "
            f"Airflow Param ({problem}); use plain JSON data, a date or a datetime"
        )
        default = None
    return ParamSpec(name, schema, True, default, schema_format, spec.description)


def _title(name: str) -> str:
    """The trigger form's label for a parameter: "min_amount" -> "Min amount"."""
    words = re.sub(r"[_\s]+", " ", name).strip()
    return (words[:1].upper() + words[1:]) if words else name


def _task_ids(keys: Sequence[str], problems: list[str]) -> dict[str, str]:
    ids: dict[str, str] = {}
    owners: dict[str, str] = {}
    for key in keys:
        task_id = airflow_id(key)
        if task_id in owners:
            problems.append(
                f"stages {owners[task_id]!r} and {key!r} both become Airflow task_id "
                f"{task_id!r}; rename one of them"
            )
        owners[task_id] = key
        ids[key] = task_id
    return ids


def _common(values: list[Any]) -> Any:
    """The value every stage shares (it goes into default_args once), else None."""
    first = values[0] if values else None
    return first if all(value == first for value in values) else None


def _retry_settings(
    stages: list[Stage[Any]],
) -> tuple[dict[str, Any], list[tuple[int | None, dt.timedelta | None]]]:
    """default_args entries for settings all stages share, and what each task states itself.

    Only settings a stage sets are written, so an unset one keeps the deployment's default.
    """
    retries = [stage.retries for stage in stages]
    delays = [
        None if stage.retry_delay is None else dt.timedelta(seconds=stage.retry_delay_seconds)
        for stage in stages
    ]
    shared: dict[str, Any] = {}
    common_retries, common_delay = _common(retries), _common(delays)
    if common_retries is not None:
        shared["retries"] = common_retries
    if common_delay is not None:
        shared["retry_delay"] = common_delay
    own = [
        (None if common_retries is not None else r, None if common_delay is not None else d)
        for r, d in zip(retries, delays, strict=True)
    ]
    return shared, own


def _stage_doc(stage: Stage[Any], flows: tuple[FlowSpec, ...]) -> str | None:
    """The task's doc_md: the stage's description (else its docstring), then its data flow."""
    text = stage.description
    if text is None:
        doc = getattr(stage.function, "__doc__", None)
        text = inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None
    parts = [text.strip()] if text and text.strip() else []
    if flows:
        lines = [
            f"- `{flow.arg}` ← output `{flow.output}` of task `{flow.from_task}`" for flow in flows
        ]
        parts.append("**Inputs from upstream tasks**\n\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n" if parts else None


def _dag_doc(pipeline: Pipeline, description: str | None, reference: str, tasks: int) -> str:
    """The DAG's doc_md. It always ends in a newline: a doc_md ending in ".md" is read as a
    file path by Airflow."""
    parts = [f"# {pipeline.name}"]
    if description and description.strip():
        parts.append(description.strip())
    about = (
        f"Generated by pypedream from the pipeline `{reference}`: one task per stage "
        f"({tasks} tasks). Each task runs its stage through pypedream, which binds "
        "parameters and upstream outputs exactly as a native run does."
    )
    parts.append(textwrap.fill(about, 72, break_long_words=False, break_on_hyphens=False))
    return "\n\n".join(parts) + "\n"


def build_dag_spec(
    pipeline: Pipeline,
    reference: str,
    options: AirflowOptions,
    regenerate_command: str,
    airflow_version: str = "both",
) -> DagSpec:
    """The DagSpec of `pipeline`; raises ExportError listing every problem."""
    graph = pipeline.validate()
    problems = airflow_option_problems(options)
    if pipeline.description is not None and not isinstance(pipeline.description, str):
        problems.append(
            f"description: Pipeline(description=...) must be a string, got "
            f"{type(pipeline.description).__name__} ({pipeline.description!r:.60}); "
            'e.g. Pipeline("daily", description="Daily sales report")'
        )
    if airflow_version not in AIRFLOW_VERSIONS:
        problems.append(
            f"airflow_version: expected one of {', '.join(AIRFLOW_VERSIONS)}, "
            f"got {airflow_version!r}; e.g. --airflow-version 3"
        )
    dag_id = options.dag_id or airflow_id(pipeline.name)
    if isinstance(dag_id, str) and not is_airflow_id(dag_id):
        problems.append(
            f"dag_id {dag_id!r} is not a valid Airflow id (at most 250 of A-Z a-z 0-9 _ . -)"
        )
    task_ids = _task_ids(graph.order, problems)
    params = tuple(
        replace(
            _param_spec(name, spec, problems),
            title=_title(name),
            description=spec.description
            or f"Parameter {name!r} of pipeline {pipeline.name!r}"
            + (" (required)." if spec.required else "."),
        )
        for name, spec in pipeline.parameters.specs.items()
    )
    required = [name for name, spec in pipeline.parameters.specs.items() if spec.required]
    if options.schedule is not None and required:
        problems.append(
            f"schedule: Airflow refuses a schedule on a DAG whose params have no default "
            f"(parameters {', '.join(map(repr, required))}); give them defaults or use "
            "schedule=None"
        )
    if problems:
        raise ExportError(f"cannot export pipeline {pipeline.name!r}", problems)
    names = python_names(list(graph.order), RESERVED_NAMES, preferred=task_ids)
    stages = [graph.stages[key] for key in graph.order]
    shared_retries, own_retries = _retry_settings(stages)
    tasks = []
    edges = []
    for key, stage, (retries, retry_delay) in zip(graph.order, stages, own_retries, strict=True):
        flows = tuple(
            FlowSpec(
                item.as_arg, task_ids[item.bind.mapper.from_stage], item.bind.mapper.from_output
            )
            for item in stage.inputs
            if isinstance(item.bind.mapper, DependencyInputMapper)
        )
        upstream_vars = tuple(names[up] for up in graph.upstream[key])
        tasks.append(
            TaskSpec(
                task_id=task_ids[key],
                stage_key=key,
                var=names[key],
                retries=retries,
                retry_delay=retry_delay,
                upstream_vars=upstream_vars,
                flows=flows,
                doc_md=_stage_doc(stage, flows),
            )
        )
        if upstream_vars:
            edges.append(EdgeSpec(upstream_vars, names[key]))
    default_args: dict[str, Any] = {}
    for name, value in options.default_args.items():
        if value is not None and name in _TIMEDELTA_ARGS and not isinstance(value, dt.timedelta):
            value = dt.timedelta(seconds=value)
        default_args[name] = value
    if options.owner is not None:
        default_args["owner"] = options.owner
    default_args.update(shared_retries)
    start = utc_start_date(options.start_date)
    command = (
        regenerate_command
        if _SAFE_COMMAND.fullmatch(regenerate_command)
        else (f"pypedream export-airflow {reference} -o <dags folder>")
    )
    description = options.description or pipeline.description
    return DagSpec(
        dag_id=dag_id,
        pipeline_name=pipeline.name,
        reference=reference,
        fingerprint=fingerprint(pipeline),
        pypedream_version=pypedream.__version__,
        regenerate_command=command,
        description=description,
        doc_md=_dag_doc(pipeline, description, reference, len(tasks)),
        schedule=options.schedule,
        start_date=(start.year, start.month, start.day, start.hour, start.minute, start.second),
        catchup=options.catchup,
        tags=tuple(options.tags),
        default_args=default_args,
        max_active_runs=options.max_active_runs,
        params=params,
        tasks=tuple(tasks),
        edges=tuple(edges),
        airflow_version=airflow_version,
        airflow_xcoms=options.airflow_xcoms,
    )
