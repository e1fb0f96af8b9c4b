"""Compile pypedream pipelines into Apache Airflow DAG files, and run those files in Airflow.

Names are imported lazily, so `pypedream_compiler.airflow_runner` works in an Airflow
environment that has neither Jinja2 nor libcst.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import ExportError, GeneratedCodeError
    from .export import ExportResult, ExportStatus, export_airflow, is_generated

__all__ = [
    "ExportError",
    "ExportResult",
    "ExportStatus",
    "GeneratedCodeError",
    "export_airflow",
    "is_generated",
]

_HOMES = {
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
