"""The entry from a definition into a run: `Pipeline.run` calls `run`.

It wires the optional Airflow-fidelity transport (worker side) into the native executor, so
neither the definition nor the executor imports the worker side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pypedream.execution.executor import RunObserver, run_pipeline

if TYPE_CHECKING:
    from pypedream.definition.pipeline import Pipeline
    from pypedream.execution.result import RunResult

__all__ = ["run"]


def run(
    pipeline: Pipeline,
    parameters: Mapping[str, Any],
    *,
    max_workers: int | None = None,
    fail_fast: bool = False,
    raise_on_failure: bool = True,
    run_id: str | None = None,
    logical_date: dt.datetime | None = None,
    observer: RunObserver | None = None,
    airflow_fidelity: bool = False,
) -> RunResult:
    """Run `pipeline` natively; with `airflow_fidelity`, values travel as in Airflow."""
    carry = None
    if airflow_fidelity:
        from functools import partial

        from pypedream.worker.allowlist import pipeline_allowlist
        from pypedream.worker.transport import carry_like_airflow

        carry = partial(
            carry_like_airflow,
            allow=pipeline_allowlist(pipeline),
            airflow_xcoms=getattr(pipeline.airflow, "airflow_xcoms", True),
        )
    return run_pipeline(
        pipeline,
        parameters,
        max_workers=max_workers,
        fail_fast=fail_fast,
        raise_on_failure=raise_on_failure,
        run_id=run_id,
        logical_date=logical_date,
        observer=observer,
        carry=carry,
    )
