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
    `min_airflow_version` is the oldest Airflow major version the DAG file must run on (2: both
    2.10+ and 3); a stage feature that version lacks is an export error.
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
    min_airflow_version: int = 2

    def merged(self, **changes: Any) -> AirflowOptions:
        """A copy with the given fields replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
