"""The context variables around a stage, set the same way natively and in an Airflow task.

`enter_run` sets what is fixed for a run (pipeline, parameters, run identity, logger);
`enter_stage` sets what changes per stage (the stage, its key, its ancestors' outputs). The
native executor calls both in a copied context per stage; the worker side calls both once per
task. `stage_execution.execute_stage` then sets LOG and VARIABLES per attempt.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pypedream import ctx

if TYPE_CHECKING:
    from pypedream.definition.graph import StageGraph
    from pypedream.definition.parameters import Parameters
    from pypedream.definition.pipeline import Pipeline
    from pypedream.definition.stage import Stage

__all__ = ["AncestorOutputs", "enter_run", "enter_stage"]


class AncestorOutputs(Mapping[str, Mapping[str, Any]]):
    """`ctx.STAGES` for one stage: the outputs of its ancestors, and nothing else."""

    __slots__ = ("_graph", "_key", "_mask", "_outputs")

    def __init__(
        self, graph: StageGraph, key: str, outputs: Mapping[str, Mapping[str, Any]]
    ) -> None:
        self._graph = graph
        self._key = key
        self._mask = graph.ancestor_masks[graph.index[key]]
        self._outputs = outputs

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        index = self._graph.index.get(name)
        if index is None:
            raise KeyError(f"no stage named {name!r}")
        if not self._mask >> index & 1:
            raise KeyError(
                f"stage {name!r} is not upstream of {self._key!r}; "
                f"add it to after=[...] or read it with dependency()"
            )
        try:
            return self._outputs[name]
        except KeyError:
            raise KeyError(f"stage {name!r} has no outputs (it did not succeed)") from None

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        index = self._graph.index.get(name)
        return index is not None and bool(self._mask >> index & 1) and name in self._outputs

    def __iter__(self) -> Iterator[str]:
        mask = self._mask
        for index, name in enumerate(self._graph.order):
            if mask >> index & 1 and name in self._outputs:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)


def enter_run(pipeline: Pipeline, parameters: Parameters, run_info: ctx.RunInfo, log: Any) -> None:
    """Set the run-wide context variables (in the caller's current context)."""
    ctx.PIPELINE.set(pipeline)
    ctx.PARAMETERS.set(parameters)
    ctx.RUN.set(run_info)
    if log is None:
        from pypedream.execution.log_setup import null_logger

        log = null_logger()
    ctx.LOG.set(log)


def enter_stage(
    graph: StageGraph, key: str, stage: Stage[Any], outputs: Mapping[str, Mapping[str, Any]]
) -> None:
    """Set the per-stage context variables; `outputs` may hold more than the ancestors."""
    ctx.STAGE.set(stage)
    ctx.STAGE_KEY.set(key)
    ctx.STAGES.set(AncestorOutputs(graph, key, outputs))
