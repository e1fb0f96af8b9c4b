"""The one Jinja2 environment factory, and rendering a DagSpec to source text."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import jinja2
from pypedream_compiler.codegen.literal import call_arguments, py_literal, py_text, py_value
from pypedream_compiler.codegen.spec import DagSpec, ParamSpec, TaskSpec

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
    )


def _operator_arguments(task: TaskSpec) -> str:
    """`PythonOperator(...)` arguments: retry settings only where the task sets its own.

    The task_id is a literal when the variable has the same name, else it is looked up in
    TASK_IDS by stage key (a task_id that is no Python name cannot match its variable).
    """
    task_id = (
        py_literal(task.task_id)
        if task.var == task.task_id
        else f"TASK_IDS[{py_literal(task.stage_key)}]"
    )
    arguments = [f"task_id={task_id}", "python_callable=run_stage"]
    if task.retries is not None:
        arguments.append(f"retries={py_literal(task.retries)}")
    if task.retry_delay is not None:
        arguments.append(f"retry_delay={py_value(task.retry_delay)}")
    if task.doc_md is not None:
        arguments.append(f"doc_md={py_text(task.doc_md, 8, len('doc_md='), 1)}")
    before = len(task.var) + len(" = PythonOperator(")
    return call_arguments(arguments, 4, before, len(")"))


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
