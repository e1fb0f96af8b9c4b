"""Context variables a run sets around every stage, and accessors for them.

Deferred input bindings read these when a stage runs; stage functions may read them too.
Outside a run every variable holds None (`LOG` falls back to a default console logger).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pypedream.definition.parameters import Parameters
    from pypedream.definition.pipeline import Pipeline
    from pypedream.definition.stage import Stage
    from pypedream.definition.variables import Variables

__all__ = [
    "LOG",
    "MAP_INDEX",
    "MAP_ITEM",
    "PARAMETERS",
    "PIPELINE",
    "RUN",
    "STAGE",
    "STAGES",
    "STAGE_KEY",
    "VARIABLES",
    "RunInfo",
    "logger",
    "map_index",
    "parameters",
    "pipeline",
    "run_info",
    "stage",
    "stage_key",
    "stages",
    "variables",
]


@dataclass(frozen=True)
class RunInfo:
    """Identity of the current run: the same on both sides of a parity check."""

    run_id: str
    pipeline: str
    logical_date: Any = None


PIPELINE: ContextVar[Pipeline | None] = ContextVar("pypedream.PIPELINE", default=None)
PARAMETERS: ContextVar[Parameters | None] = ContextVar("pypedream.PARAMETERS", default=None)
VARIABLES: ContextVar[Variables | None] = ContextVar("pypedream.VARIABLES", default=None)
STAGES: ContextVar[Mapping[str, Mapping[str, Any]] | None] = ContextVar(
    "pypedream.STAGES", default=None
)
"""Outputs of the current stage's ancestors: stage key -> {output key: value}."""
RUN_OUTPUTS: ContextVar[Mapping[str, Mapping[str, Any]] | None] = ContextVar(
    "pypedream.RUN_OUTPUTS", default=None
)
"""Internal: the outputs of every finished stage of the run, unchecked. `dependency()` inputs
read their (direct upstream) stage here first, and fall back to `STAGES` for the errors."""
STAGE: ContextVar[Stage[Any] | None] = ContextVar("pypedream.STAGE", default=None)
STAGE_KEY: ContextVar[str | None] = ContextVar("pypedream.STAGE_KEY", default=None)
RUN: ContextVar[RunInfo | None] = ContextVar("pypedream.RUN", default=None)
LOG: ContextVar[Any] = ContextVar("pypedream.LOG", default=None)
MAP_INDEX: ContextVar[int | None] = ContextVar("pypedream.MAP_INDEX", default=None)
"""The index of the current instance of a mapped stage (None outside a mapped stage)."""
MAP_ITEM: ContextVar[tuple[Any, ...] | None] = ContextVar("pypedream.MAP_ITEM", default=None)
"""The current mapped instance's items, one per `map_over` input, in that order."""


def pipeline() -> Pipeline | None:
    return PIPELINE.get()


def parameters() -> Parameters | None:
    return PARAMETERS.get()


def variables() -> Variables | None:
    return VARIABLES.get()


def stages() -> Mapping[str, Mapping[str, Any]] | None:
    return STAGES.get()


def stage() -> Stage[Any] | None:
    return STAGE.get()


def stage_key() -> str | None:
    return STAGE_KEY.get()


def run_info() -> RunInfo | None:
    return RUN.get()


def map_index() -> int | None:
    """The index of the current mapped instance, or None."""
    return MAP_INDEX.get()


def logger() -> Any:
    """The logger of the current stage (or the default console logger outside a run)."""
    current = LOG.get()
    if current is None:
        from pypedream.execution.log_setup import default_logger

        return default_logger()
    return current
