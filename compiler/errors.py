"""Errors of the compiler. ExportError lists every problem, like PipelineDefinitionError.

PypedreamError
├── ExportError (ValueError)              a pipeline cannot become a DAG file
├── GeneratedCodeError (RuntimeError)     a rendered DAG file failed its check (template bug)
└── ParityError (RuntimeError)            a parity comparison could not be made
    └── AirflowMissingError               no Apache Airflow where parity needs it
"""

from __future__ import annotations

from collections.abc import Sequence

from pypedream.errors import PypedreamError

__all__ = ["AirflowMissingError", "ExportError", "GeneratedCodeError", "ParityError"]


class ExportError(PypedreamError, ValueError):
    """The pipeline (or the export request) cannot be turned into a DAG file."""

    def __init__(self, headline: str, problems: Sequence[str] = ()) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            super().__init__(headline)
        elif len(self.problems) == 1:
            super().__init__(f"{headline}: {self.problems[0]}")
        else:
            listed = "\n".join(f"  - {problem}" for problem in self.problems)
            super().__init__(f"{headline}:\n{listed}")


class GeneratedCodeError(PypedreamError, RuntimeError):
    """A rendered DAG file failed the syntax or shape check (a template bug); nothing written."""


class ParityError(PypedreamError, RuntimeError):
    """A parity comparison could not be made (differences are reported, never raised)."""


class AirflowMissingError(ParityError):
    """The Python that should run Airflow has no Apache Airflow installed."""
