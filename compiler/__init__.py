"""Compile pypedream pipelines into Apache Airflow DAG files, and run those files in Airflow.

Names are imported lazily, so `pypedream_compiler.embedded.runner` works in an Airflow
environment that has neither Jinja2 nor libcst.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pypedream_compiler.codegen.export import (
        ExportResult,
        ExportStatus,
        export_airflow,
        is_generated,
    )
    from pypedream_compiler.embedded.rest import LiveAirflow
    from pypedream_compiler.errors import (
        AirflowMissingError,
        ExportError,
        GeneratedCodeError,
        ParityError,
    )
    from pypedream_compiler.parity.harness import (
        ParityCase,
        ParityReport,
        RunParity,
        StageParity,
        run_parity,
    )

__all__ = [
    "AirflowMissingError",
    "ExportError",
    "ExportResult",
    "ExportStatus",
    "GeneratedCodeError",
    "LiveAirflow",
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
    "LiveAirflow": "pypedream_compiler.embedded.rest",
    "AirflowMissingError": "pypedream_compiler.errors",
    "ParityError": "pypedream_compiler.errors",
    "ParityCase": "pypedream_compiler.parity.harness",
    "ParityReport": "pypedream_compiler.parity.harness",
    "RunParity": "pypedream_compiler.parity.harness",
    "StageParity": "pypedream_compiler.parity.harness",
    "run_parity": "pypedream_compiler.parity.harness",
    "ExportError": "pypedream_compiler.errors",
    "GeneratedCodeError": "pypedream_compiler.errors",
    "ExportResult": "pypedream_compiler.codegen.export",
    "ExportStatus": "pypedream_compiler.codegen.export",
    "export_airflow": "pypedream_compiler.codegen.export",
    "is_generated": "pypedream_compiler.codegen.export",
}


def __getattr__(name: str) -> Any:
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module 'pypedream_compiler' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
