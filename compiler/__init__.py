"""Compile pypedream pipelines into Apache Airflow DAG files, and run those files in Airflow."""

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
