"""Compile pypedream pipelines into Apache Airflow DAG files, and run those files in Airflow.

Names are imported lazily, so `pypedream_compiler.airflow_runner` works in an Airflow
environment that has neither Jinja2 nor libcst.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import AirflowMissingError, ExportError, GeneratedCodeError, ParityError
    from .export import ExportResult, ExportStatus, export_airflow, is_generated
    from .parity import ParityCase, ParityReport, RunParity, StageParity, run_parity

__all__ = [
    "AirflowMissingError",
    "ExportError",
    "ExportResult",
    "ExportStatus",
    "GeneratedCodeError",
    "ParityCase",
    "ParityError",
    "ParityReport",
    "RunParity",
    "StageParity",
    "export_airflow",
    "is_generated",
    "run_parity",
]

_HOMES = {
    "AirflowMissingError": "errors",
    "ParityError": "errors",
    "ParityCase": "parity",
    "ParityReport": "parity",
    "RunParity": "parity",
    "StageParity": "parity",
    "run_parity": "parity",
    "ExportError": "errors",
    "GeneratedCodeError": "errors",
    "ExportResult": "export",
    "ExportStatus": "export",
    "export_airflow": "export",
    "is_generated": "export",
}


def __getattr__(name: str) -> Any:
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module 'pypedream_compiler' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
