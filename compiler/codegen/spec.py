"""The IR between the graph walk and the template: frozen specs, the only thing templates see.

Every string here that came from a user is rendered only through the `py` filter (a Python
literal); identifiers (`var`) were made safe in the walk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pypedream.worker.mapped import EXPAND_SUFFIX

__all__ = ["DagSpec", "EdgeSpec", "FlowSpec", "GroupSpec", "ParamSpec", "TaskSpec"]

OPERATORS = ("BranchPythonOperator", "PythonOperator", "ShortCircuitOperator")


@dataclass(frozen=True)
class ParamSpec:
    """One DAG param: `Param(default, type=..., format=..., title=..., description=...)`."""

    name: str
    schema_type: Any  # a JSON-schema type name, a list of them, or None for any
    has_default: bool
    default: Any = None
    schema_format: str | None = None
    description: str | None = None
    title: str | None = None  # the trigger form's label
    secret: bool = False  # registered with Airflow's secrets masker when a task runs


@dataclass(frozen=True)
class FlowSpec:
    """Argument `arg` of a task receives output `output` of task `from_task`."""

    arg: str
    from_task: str
    output: str


@dataclass(frozen=True)
class GroupSpec:
    """One TaskGroup: `var = TaskGroup(group_id)`; its tasks' ids are `group_id.stage`."""

    group_id: str
    var: str


@dataclass(frozen=True)
class TaskSpec:
    """One operator running one stage (a PythonOperator, or a branch or short-circuit one;
    a mapped stage: an expand task and a mapped PythonOperator). Retry settings are None when
    the DAG's default_args carry them or nobody set them."""

    task_id: str
    stage_key: str
    var: str
    retries: int | None
    retry_delay: dt.timedelta | None
    upstream_vars: tuple[str, ...]
    flows: tuple[FlowSpec, ...]
    doc_md: str | None = None
    operator: str = "PythonOperator"
    trigger_rule: str = "all_success"
    ignore_downstream_trigger_rules: bool = True
    group_var: str | None = None
    expand_var: str | None = None  # a mapped stage: the variable of its expand task

    @property
    def expand_task_id(self) -> str:
        """The expand task of a mapped stage (`k__expand`), as the worker side expects."""
        return self.task_id + EXPAND_SUFFIX


@dataclass(frozen=True)
class EdgeSpec:
    upstream_vars: tuple[str, ...]
    downstream_var: str


@dataclass(frozen=True)
class DagSpec:
    """Everything one DAG file says."""

    dag_id: str
    pipeline_name: str
    reference: str
    fingerprint: str
    pypedream_version: str
    regenerate_command: str
    description: str | None
    doc_md: str
    schedule: str | dt.timedelta | None
    start_date: tuple[int, ...]  # year, month, day, hour, minute, second (UTC)
    catchup: bool
    tags: tuple[str, ...]
    default_args: dict[str, Any]  # literals, and timedeltas for the timedelta arguments
    max_active_runs: int | None
    params: tuple[ParamSpec, ...]
    tasks: tuple[TaskSpec, ...]
    edges: tuple[EdgeSpec, ...]
    airflow_version: str = "both"  # "2", "3", or "both" (imports that work on either)
    airflow_xcoms: bool = True  # False: tasks push only pypedream's envelope
    groups: tuple[GroupSpec, ...] = ()

    @property
    def returns_value(self) -> bool:
        """True when some task's operator acts on what `run_task` returns (a branch, a
        short-circuit, or a map's expand task)."""
        return any(task.operator != "PythonOperator" or task.expand_var for task in self.tasks)

    @property
    def operators(self) -> tuple[str, ...]:
        """Operator classes the tasks use, sorted (PythonOperator always)."""
        used = {task.operator for task in self.tasks} | {"PythonOperator"}
        return tuple(name for name in OPERATORS if name in used)

    @property
    def task_ids(self) -> dict[str, str]:
        """Stage key -> task id."""
        return {task.stage_key: task.task_id for task in self.tasks}
