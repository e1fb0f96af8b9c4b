"""The entry from a definition into a run: `Pipeline.run` calls `run`.

It wires the optional Airflow-fidelity transport (worker side) into the native executor, so
neither the definition nor the executor imports the worker side.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pypedream.execution.executor import run_pipeline

if TYPE_CHECKING:
    from pypedream.definition.pipeline import Pipeline
    from pypedream.execution.result import RunResult

__all__ = ["run"]


def run(
    pipeline: Pipeline,
    parameters: Mapping[str, Any],
    *,
    airflow_fidelity: bool = False,
    **options: Any,
) -> RunResult:
    """Run `pipeline` natively (`options` as `run_pipeline` takes them); with
    `airflow_fidelity`, every stage's values reach downstream stages as in Airflow."""
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
    return run_pipeline(pipeline, parameters, carry=carry, **options)
