"""Every error pypedream raises, with builtin bases so callers can catch broadly.

    PypedreamError (Exception)
    ├── PipelineDefinitionError (ValueError)   the pipeline is wrong; nothing ran
    ├── ParameterError (ValueError)            run parameters are wrong; nothing ran
    ├── InputBindingError (LookupError)        a stage input could not be resolved at run time
    ├── OutputMappingError (ValueError)        an output mapper rejected a stage's return value
    ├── VariableConflictError (RuntimeError)   two unordered stages wrote the same variable
    ├── ValueTransportError (TypeError)        a stage value cannot be handed to other Airflow tasks
    ├── StageExitError (RuntimeError)          a stage raised SystemExit or another BaseException
    ├── LogDestinationError (OSError)          the run's log file cannot be written; nothing ran
    ├── MapError (ValueError)                  a mapped stage's list is not a list, too long, or
    │                                          zipped lists differ in length
    ├── BranchError (ValueError)               a branch stage chose a stage it does not lead to
    └── PipelineFailed (RuntimeError)          a run finished with failed stages; carries the result

`RunInterrupted` (KeyboardInterrupt) is raised by a run stopped with Ctrl-C; it carries the
result with the stages that finished, were interrupted, or never started.

`SkipStage` is control flow, not an error: raise it inside a stage to mark it skipped
(its downstream stages are skipped too, as Airflow's AirflowSkipException does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypedream.execution.result import RunResult

__all__ = [
    "BranchError",
    "InputBindingError",
    "LogDestinationError",
    "MapError",
    "OutputMappingError",
    "ParameterError",
    "PipelineDefinitionError",
    "PipelineFailed",
    "PypedreamError",
    "RunInterrupted",
    "SkipStage",
    "StageExitError",
    "ValueTransportError",
    "VariableConflictError",
]


class PypedreamError(Exception):
    """Base class of pypedream's errors."""


def _listing(headline: str, problems: Sequence[str]) -> str:
    if len(problems) == 1:
        return f"{headline}: {problems[0]}"
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return f"{headline}:\n{lines}"


class PipelineDefinitionError(PypedreamError, ValueError):
    """The pipeline definition has problems; all of them are listed, and nothing was run."""

    def __init__(self, pipeline: str, problems: Sequence[str]) -> None:
        self.pipeline = pipeline
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            _listing(f"{count} {noun} in pipeline {pipeline!r} (nothing was run)", self.problems)
        )


class ParameterError(PypedreamError, ValueError):
    """Run parameters are unknown, missing or of the wrong type; nothing was run."""

    def __init__(self, pipeline: str, problems: Sequence[str]) -> None:
        self.pipeline = pipeline
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "parameter problem" if count == 1 else "parameter problems"
        super().__init__(
            _listing(f"{count} {noun} in pipeline {pipeline!r} (nothing was run)", self.problems)
        )


class InputBindingError(PypedreamError, LookupError):
    """A stage input could not be resolved when the stage ran."""


class OutputMappingError(PypedreamError, ValueError):
    """An output mapper rejected the value a stage returned."""


class VariableConflictError(PypedreamError, RuntimeError):
    """Two stages that do not depend on each other wrote the same variable."""


class ValueTransportError(PypedreamError, TypeError):
    """A stage output or variable cannot be handed to other Airflow tasks (see value_transport)."""


class MapError(PypedreamError, ValueError):
    """A mapped stage cannot expand: its input is not a list, too long, or zipped unequally."""


class BranchError(PypedreamError, ValueError):
    """A branch stage returned something other than keys of its direct downstream stages."""


class StageExitError(PypedreamError, RuntimeError):
    """A stage raised `SystemExit` (e.g. `sys.exit(0)`) or another `BaseException` that is not
    `KeyboardInterrupt`: the stage failed. The original is the `__cause__`."""


class PipelineFailed(PypedreamError, RuntimeError):
    """A run finished with failed stages. `result` holds every stage's outcome."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        failed = result.failed
        names = ", ".join(repr(key) for key in failed)
        first = result.stages[failed[0]].error if failed else None
        detail = f": {type(first).__name__}: {first}" if first is not None else ""
        noun = "stage" if len(failed) == 1 else "stages"
        super().__init__(
            result.redact_text(
                f"pipeline {result.pipeline!r} run {result.run_id}: {len(failed)} {noun} "
                f"failed ({names}){detail}"
            )
        )


class SkipStage(Exception):
    """Raise inside a stage to mark it skipped; its downstream stages are skipped too."""


class LogDestinationError(PypedreamError, OSError):
    """The run's log file cannot be opened (unwritable directory, a file in the way, a name
    too long); raised before any stage runs."""


class RunInterrupted(KeyboardInterrupt):
    """A run was stopped (Ctrl-C). `result` holds what finished and what did not start."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        super().__init__(f"pipeline {result.pipeline!r} run {result.run_id} was interrupted")
