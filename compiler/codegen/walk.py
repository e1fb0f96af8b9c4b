"""Walk a validated pipeline into a DagSpec: ids made safe, params typed, data flow listed."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pypedream_compiler.codegen.ids import airflow_id, is_airflow_id, python_names
from pypedream_compiler.codegen.literal import py_literal
from pypedream_compiler.codegen.spec import DagSpec, EdgeSpec, FlowSpec, ParamSpec, TaskSpec
from pypedream_compiler.errors import ExportError

import pypedream
from pypedream import Pipeline
from pypedream.definition.airflow_options import AirflowOptions
from pypedream.definition.binding import DependencyInputMapper
from pypedream.definition.parameters import Parameter
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


def build_dag_spec(
    pipeline: Pipeline,
    reference: str,
    options: AirflowOptions,
    regenerate_command: str,
) -> DagSpec:
    """The DagSpec of `pipeline`; raises ExportError listing every problem."""
    graph = pipeline.validate()
    problems: list[str] = []
    dag_id = options.dag_id or airflow_id(pipeline.name)
    if not is_airflow_id(dag_id):
        problems.append(
            f"dag_id {dag_id!r} is not a valid Airflow id (at most 250 of A-Z a-z 0-9 _ . -)"
        )
    task_ids = _task_ids(graph.order, problems)
    params = tuple(
        _param_spec(name, spec, problems) for name, spec in pipeline.parameters.specs.items()
    )
    problem = _literal_problem(dict(options.default_args))
    if problem:
        problems.append(f"airflow default_args must be plain literals: {problem}")
    for owned in ("retries", "retry_delay"):
        if owned in options.default_args:
            problems.append(
                f"airflow default_args {owned!r}: pypedream sets it from each stage; "
                f"use Stage({owned}=...) instead"
            )
    if problems:
        raise ExportError(f"cannot export pipeline {pipeline.name!r}", problems)
    names = python_names(list(graph.order), RESERVED_NAMES)
    tasks = []
    edges = []
    for key in graph.order:
        stage = graph.stages[key]
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
                retries=stage.retries,
                retry_delay_seconds=stage.retry_delay_seconds,
                upstream_vars=upstream_vars,
                flows=flows,
                doc=stage.description,
            )
        )
        if upstream_vars:
            edges.append(EdgeSpec(upstream_vars, names[key]))
    default_args = dict(options.default_args)
    if options.owner is not None:
        default_args["owner"] = options.owner
    settings = Counter(
        (graph.stages[key].retries, graph.stages[key].retry_delay_seconds) for key in graph.order
    )
    retries, retry_delay = settings.most_common(1)[0][0] if settings else (0, 0.0)
    start = options.start_date.astimezone(dt.timezone.utc)
    command = (
        regenerate_command
        if _SAFE_COMMAND.fullmatch(regenerate_command)
        else (f"pypedream export-airflow {reference} -o <dags folder>")
    )
    return DagSpec(
        dag_id=dag_id,
        pipeline_name=pipeline.name,
        reference=reference,
        fingerprint=fingerprint(pipeline),
        pypedream_version=pypedream.__version__,
        regenerate_command=command,
        description=options.description or pipeline.description,
        schedule=options.schedule,
        start_date=(start.year, start.month, start.day, start.hour, start.minute, start.second),
        catchup=options.catchup,
        tags=tuple(options.tags),
        default_args=default_args,
        retries=retries,
        retry_delay_seconds=retry_delay,
        max_active_runs=options.max_active_runs,
        params=params,
        tasks=tuple(tasks),
        edges=tuple(edges),
        airflow_xcoms=options.airflow_xcoms,
    )
