"""The IR between the graph walk and the template: frozen specs, the only thing templates see.

Every string here that came from a user is rendered only through the `py` filter (a Python
literal); identifiers (`var`) were made safe in the walk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

__all__ = ["DagSpec", "EdgeSpec", "FlowSpec", "ParamSpec", "TaskSpec"]


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
class TaskSpec:
    """One PythonOperator running one stage. Retry settings are None when the DAG's
    default_args carry them or nobody set them."""

    task_id: str
    stage_key: str
    var: str
    retries: int | None
    retry_delay: dt.timedelta | None
    upstream_vars: tuple[str, ...]
    flows: tuple[FlowSpec, ...]
    doc_md: str | None = None


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

    @property
    def task_ids(self) -> dict[str, str]:
        """Stage key -> task id."""
        return {task.stage_key: task.task_id for task in self.tasks}
