"""Errors of the compiler. ExportError lists every problem, like PipelineDefinitionError."""

from __future__ import annotations

from collections.abc import Sequence

from pypedream.errors import PypedreamError

__all__ = ["ExportError", "GeneratedCodeError"]


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
