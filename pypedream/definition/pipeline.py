"""A Pipeline: named stages, their parameters and variables, and how runs log. Pure data."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pypedream._sentinel import MISSING
from pypedream.definition.log_settings import LoggerSettings
from pypedream.definition.parameters import Parameters
from pypedream.definition.stage import Stage
from pypedream.definition.variables import Variables
from pypedream.errors import PipelineDefinitionError

if TYPE_CHECKING:
    from pypedream.definition.graph import StageGraph
    from pypedream.execution.executor import RunObserver
    from pypedream.execution.result import RunResult

__all__ = ["Pipeline"]


class Pipeline:
    """Stages wired by their inputs, run with `run(**params)` or exported to Airflow.

    `log_settings` defaults to console + JSON-lines file logging named after the pipeline;
    pass None to disable logging. `airflow` holds export options (see `pypedream_compiler`).
    """

    def __init__(
        self,
        name: str,
        parameters: Parameters | None = None,
        stages: Mapping[str, Stage[Any]] | None = None,
        variables: Variables | Mapping[str, Any] | None = None,
        log_settings: LoggerSettings | None = MISSING,  # type: ignore[assignment]
        *,
        description: str | None = None,
        airflow: Any = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise TypeError(f"Pipeline name must be a non-empty string, got {name!r}")
        if parameters is not None and not isinstance(parameters, Parameters):
            raise TypeError(
                f"pipeline {name!r}: parameters must be Parameters.define(...), "
                f"got {type(parameters).__name__}"
            )
        settings: Any = log_settings  # MISSING (the default) means: log with the defaults
        if (
            settings is not None
            and settings is not MISSING
            and not isinstance(settings, LoggerSettings)
        ):
            raise TypeError(
                f"pipeline {name!r}: log_settings must be LoggerSettings or None, "
                f"got {type(log_settings).__name__}"
            )
        self._name = name
        self._parameters = parameters if parameters is not None else Parameters()
        self._stages: Mapping[str, Stage[Any]] = MappingProxyType(dict(stages or {}))
        if isinstance(variables, Variables):
            variables = dict(variables)
        self._variables: Mapping[str, Any] = MappingProxyType(dict(variables or {}))
        self._log_settings: LoggerSettings | None = (
            LoggerSettings(name=name) if settings is MISSING else settings
        )
        self.description = description
        self.airflow = airflow
        self.defined_in: str = sys._getframe(1).f_globals.get("__name__", "")
        """The module that built the pipeline; its top-level package is in the type allowlist."""
        self._graph: StageGraph | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def parameters(self) -> Parameters:
        return self._parameters

    @property
    def stages(self) -> Mapping[str, Stage[Any]]:
        return self._stages

    @property
    def variables(self) -> Mapping[str, Any]:
        """Starting values of variables (read-only)."""
        return self._variables

    @property
    def log_settings(self) -> LoggerSettings | None:
        return self._log_settings

    def validate(self) -> StageGraph:
        """Check the definition; raise one PipelineDefinitionError listing every problem."""
        with self._lock:
            if self._graph is None:
                from pypedream.definition.graph import StageGraph
                from pypedream.definition.validation import find_problems

                problems = find_problems(self._name, self._stages, self._parameters)
                if problems:
                    raise PipelineDefinitionError(self._name, problems)
                self._graph = StageGraph(self._stages)
            return self._graph

    @property
    def graph(self) -> StageGraph:
        """The validated stage graph (stages, edges, topological order)."""
        return self.validate()

    def run(
        self,
        params: Mapping[str, Any] | None = None,
        /,
        *,
        max_workers: int | None = None,
        fail_fast: bool = False,
        raise_on_failure: bool = True,
        run_id: str | None = None,
        logical_date: dt.datetime | None = None,
        observer: RunObserver | None = None,
        airflow_fidelity: bool = False,
        **overrides: Any,
    ) -> RunResult:
        """Run every stage in-process and return the RunResult.

        Parameters come as keywords (`run(alpha=0.1)`) or as a dict (`run({"alpha": 0.1})`,
        needed for names that clash with these options). `max_workers=N` runs independent
        stages on N threads; the default runs them one at a time in a fixed order.
        Raises PipelineFailed when a stage failed, unless `raise_on_failure=False`.
        `airflow_fidelity=True` hands every stage's outputs to downstream stages through the
        encoding exported Airflow tasks use: a value Airflow cannot carry fails its stage with
        the same ValueTransportError, and values Airflow would change are logged as warnings.
        """
        from pypedream.runner import run

        merged = {**(params or {}), **overrides}
        return run(
            self,
            merged,
            max_workers=max_workers,
            fail_fast=fail_fast,
            raise_on_failure=raise_on_failure,
            run_id=run_id,
            logical_date=logical_date,
            observer=observer,
            airflow_fidelity=airflow_fidelity,
        )

    def with_log_settings(self, log_settings: LoggerSettings | None) -> Pipeline:
        """A copy of this pipeline that logs its runs with `log_settings` (None: no logging)."""
        copy = Pipeline(
            self._name,
            self._parameters,
            self._stages,
            self._variables,
            log_settings,
            description=self.description,
            airflow=self.airflow,
        )
        copy._graph = self._graph
        return copy

    def __repr__(self) -> str:
        return f"Pipeline({self._name!r}, {len(self._stages)} stages)"

    def _repr_html_(self) -> str:  # Jupyter: the graph and a stage table
        from html import escape

        from pypedream.views.html import pipeline_html

        try:
            return pipeline_html(self)
        except PipelineDefinitionError as problem:
            return f"<pre>{escape(str(problem))}</pre>"
