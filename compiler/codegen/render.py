"""The one Jinja2 environment factory, and rendering a DagSpec to source text."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import jinja2
from pypedream_compiler.codegen.literal import (
    LINE_LENGTH,
    call_arguments,
    py_literal,
    py_text,
    py_value,
)
from pypedream_compiler.codegen.spec import DagSpec, ParamSpec, TaskSpec

from pypedream.worker.mapped import MAP_LABEL_KEY

__all__ = ["DAG_TEMPLATE", "environment", "render_dag"]

DAG_TEMPLATE = "dag.py.j2"


def _builtin_templates() -> str:
    return str(importlib.resources.files("pypedream_compiler.templates"))


def environment(template_dir: Path | None = None) -> jinja2.Environment:
    """StrictUndefined, no autoescape (this is Python, not HTML), a `py` literal filter.

    A user `template_dir` is searched first, so it can replace or extend `dag.py.j2`.
    """
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(template_dir)))
    loaders.append(jinja2.FileSystemLoader(_builtin_templates()))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py"] = py_literal  # {{ value | py(indent, before, after) }}
    env.filters["pyvalue"] = py_value  # also timedeltas
    env.filters["pytext"] = py_text  # long or multi-line strings
    return env


def render_dag(spec: DagSpec, template_dir: Path | None = None) -> str:
    """The DAG file's source text."""
    template = environment(template_dir).get_template(DAG_TEMPLATE)
    data_flow = {
        task.task_id: {flow.arg: (flow.from_task, flow.output) for flow in task.flows}
        for task in spec.tasks
        if task.flows
    }
    return template.render(
        spec=spec,
        data_flow=data_flow,
        param_arguments=_param_arguments,
        operator_arguments=_operator_arguments,
        expand_arguments=_expand_arguments,
        mapped_arguments=_mapped_arguments,
        operator_import=lambda module, indent: _operator_import(spec, module, indent),
        sdk_names=lambda: _sdk_names(spec),
    )


def _operator_import(spec: DagSpec, module: str, indent: int) -> str:
    """`from <module> import <the operators the tasks use>`, wrapped as ruff formats it."""
    pad = " " * indent
    line = f"{pad}from {module} import {', '.join(spec.operators)}"
    if len(line) <= LINE_LENGTH:
        return line
    names = "".join(f"{pad}    {name},\n" for name in spec.operators)
    return f"{pad}from {module} import (\n{names}{pad})"


def _sdk_names(spec: DagSpec) -> str:
    """What a DAG file imports from `airflow.sdk` on Airflow 3."""
    names = ["DAG", *(["Param"] if spec.params else []), *(["TaskGroup"] if spec.groups else [])]
    return ", ".join(names)


def _task_id(task: TaskSpec, task_id: str) -> str:
    """The task_id argument: within its group (Airflow prefixes the group id), else the
    literal when the variable has the same name, else looked up in TASK_IDS."""
    if task.group_var:
        return py_literal(task_id.split(".", 1)[1])
    if task.var == task_id or task.expand_var == task_id:
        return py_literal(task_id)
    if task_id == task.task_id:
        return f"TASK_IDS[{py_literal(task.stage_key)}]"
    return py_literal(task_id)


def _flow_arguments(task: TaskSpec) -> list[str]:
    arguments = []
    if task.trigger_rule != "all_success":
        arguments.append(f"trigger_rule={py_literal(task.trigger_rule)}")
    if task.operator == "ShortCircuitOperator" and not task.ignore_downstream_trigger_rules:
        arguments.append("ignore_downstream_trigger_rules=False")
    if task.group_var:
        arguments.append(f"task_group={task.group_var}")
    return arguments


def _task_settings(task: TaskSpec) -> list[str]:
    """The retry settings the task sets itself, and its documentation, as arguments."""
    arguments = []
    if task.retries is not None:
        arguments.append(f"retries={py_literal(task.retries)}")
    if task.retry_delay is not None:
        arguments.append(f"retry_delay={py_value(task.retry_delay)}")
    if task.doc_md is not None:
        arguments.append(f"doc_md={py_text(task.doc_md, 8, len('doc_md='), 1)}")
    return arguments


def _operator_arguments(task: TaskSpec) -> str:
    """`PythonOperator(...)` arguments: retry settings only where the task sets its own.

    The task_id is a literal when the variable has the same name, else it is looked up in
    TASK_IDS by stage key (a task_id that is no Python name cannot match its variable).
    """
    arguments = [f"task_id={_task_id(task, task.task_id)}", "python_callable=run_stage"]
    arguments += _task_settings(task)
    arguments += _flow_arguments(task)
    before = len(task.var) + len(f" = {task.operator}(")
    return call_arguments(arguments, 4, before, len(")"))


def _expand_arguments(task: TaskSpec) -> str:
    """The expand task of a mapped stage: it takes the stage's trigger rule and group."""
    assert task.expand_var is not None
    task_id = _task_id(task, task.expand_task_id)
    arguments = [f"task_id={task_id}", "python_callable=run_stage"]
    arguments += [a for a in _flow_arguments(task) if not a.startswith("ignore_")]
    before = len(task.expand_var) + len(" = PythonOperator(")
    return call_arguments(arguments, 4, before, len(")"))


def _mapped_arguments(task: TaskSpec) -> str:
    """`PythonOperator.partial(...)` of a mapped stage: one instance per item, labelled."""
    arguments = [f"task_id={_task_id(task, task.task_id)}", "python_callable=run_stage"]
    arguments += _task_settings(task)
    if task.group_var:
        arguments.append(f"task_group={task.group_var}")
    label = "{{ task.op_kwargs[" + repr(MAP_LABEL_KEY) + "] }}"
    arguments.append(f"map_index_template={py_literal(label)}")
    return "\n" + "".join(f"        {argument},\n" for argument in arguments) + "    "


def _param_arguments(param: ParamSpec) -> str:
    """`Param(...)` arguments as literals (default first), laid out for an 8-space line."""
    arguments = [py_literal(param.default, 12)] if param.has_default else []
    if param.schema_type is not None:
        arguments.append(f"type={py_literal(param.schema_type, 12, 5)}")
    if param.schema_format:
        arguments.append(f"format={py_literal(param.schema_format)}")
    if param.title:
        arguments.append(f"title={py_literal(param.title)}")
    if param.description:
        arguments.append(f"description={py_text(param.description, 12, len('description='), 1)}")
    before = len(py_literal(param.name)) + len(": Param(")
    return call_arguments(arguments, 8, before, len("),"))
