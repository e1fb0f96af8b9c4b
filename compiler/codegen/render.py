"""The one Jinja2 environment factory, and rendering a DagSpec to source text."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import jinja2
from pypedream_compiler.codegen.literal import call_arguments, py_literal
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
        operator_arguments=lambda task: _operator_arguments(spec, task),
        expand_arguments=lambda task: _expand_arguments(spec, task),
        mapped_arguments=lambda task: _mapped_arguments(spec, task),
    )


def _operator_arguments(spec: DagSpec, task: TaskSpec) -> str:
    """The operator's arguments; retry settings only where they differ from the DAG's, flow
    settings only where they differ from Airflow's defaults."""
    task_id = task.task_id.split(".", 1)[1] if task.group_var else task.task_id
    arguments = [f"task_id={py_literal(task_id)}", "python_callable=run_stage"]
    if task.retries != spec.retries:
        arguments.append(f"retries={py_literal(task.retries)}")
    if task.retry_delay_seconds != spec.retry_delay_seconds:
        seconds = py_literal(task.retry_delay_seconds)
        arguments.append(f"retry_delay=datetime.timedelta(seconds={seconds})")
    if task.trigger_rule != "all_success":
        arguments.append(f"trigger_rule={py_literal(task.trigger_rule)}")
    if task.operator == "ShortCircuitOperator" and not task.ignore_downstream_trigger_rules:
        arguments.append("ignore_downstream_trigger_rules=False")
    if task.group_var:
        arguments.append(f"task_group={task.group_var}")
    before = len(task.var) + len(f" = {task.operator}(")
    return call_arguments(arguments, 4, before, len(")"))


def _expand_arguments(spec: DagSpec, task: TaskSpec) -> str:
    """The expand task of a mapped stage: it takes the stage's trigger rule and group."""
    task_id = task.expand_task_id.split(".", 1)[1] if task.group_var else task.expand_task_id
    arguments = [f"task_id={py_literal(task_id)}", "python_callable=run_stage"]
    if task.trigger_rule != "all_success":
        arguments.append(f"trigger_rule={py_literal(task.trigger_rule)}")
    if task.group_var:
        arguments.append(f"task_group={task.group_var}")
    assert task.expand_var is not None
    before = len(task.expand_var) + len(" = PythonOperator(")
    return call_arguments(arguments, 4, before, len(")"))


def _mapped_arguments(spec: DagSpec, task: TaskSpec) -> str:
    """`PythonOperator.partial(...)` of a mapped stage: one instance per item."""
    task_id = task.task_id.split(".", 1)[1] if task.group_var else task.task_id
    arguments = [f"task_id={py_literal(task_id)}", "python_callable=run_stage"]
    if task.retries != spec.retries:
        arguments.append(f"retries={py_literal(task.retries)}")
    if task.retry_delay_seconds != spec.retry_delay_seconds:
        seconds = py_literal(task.retry_delay_seconds)
        arguments.append(f"retry_delay=datetime.timedelta(seconds={seconds})")
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
    if param.description:
        arguments.append(f"description={py_literal(param.description)}")
    before = len(py_literal(param.name)) + len(": Param(")
    return call_arguments(arguments, 8, before, len("),"))
