"""Airflow settings of an exported pipeline (pure data: the runtime never imports Airflow)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["AirflowOptions"]

DEFAULT_START_DATE = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class AirflowOptions:
    """What `pypedream export-airflow` puts on the DAG. Pass as `Pipeline(..., airflow=...)`.

    `schedule` is a cron string, a preset such as "@daily", or None (manual runs only).
    `default_args` values must be plain literals (str, numbers, bools, None, lists, dicts).
    `allowed_types` adds to the classes pypedream's XCom decoder may rebuild (the pipeline's
    own package is always in): classes, module or package names, or glob patterns such as
    "mylib.models.*". `airflow_xcoms=False` stops tasks pushing the idiomatic `return_value`
    and named-output XComs besides pypedream's own (for large values nobody else reads).
    """

    dag_id: str | None = None
    schedule: str | None = None
    start_date: dt.datetime = DEFAULT_START_DATE
    catchup: bool = False
    tags: Sequence[str] = ("pypedream",)
    owner: str | None = None
    default_args: Mapping[str, Any] = field(default_factory=dict)
    max_active_runs: int | None = None
    description: str | None = None
    allowed_types: Sequence[str | type] = ()
    airflow_xcoms: bool = True

    def merged(self, **changes: Any) -> AirflowOptions:
        """A copy with the given fields replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
