"""The context variables around a stage, set the same way natively and in an Airflow task.

`enter_run` sets what is fixed for a run (pipeline, parameters, run identity, logger, and the
outputs stages read: `ctx.STAGES`); `enter_stage` sets what changes per stage (the stage and
its key). The native executor calls `enter_run` once per run and `enter_stage` in a copied
context per stage; the worker side calls both once per task. `stage_execution.execute_stage`
then sets LOG and VARIABLES per attempt.
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

_current_key = ctx.STAGE_KEY.get


class AncestorOutputs(Mapping[str, Mapping[str, Any]]):
    """`ctx.STAGES`: the outputs of the current stage's ancestors, and nothing else.

    One per run: which stage is current is read from `ctx.STAGE_KEY` on each access, so a
    stage costs no view of its own (`dependency()` inputs read `ctx.RUN_OUTPUTS` directly).
    """

    __slots__ = ("_graph", "_outputs")

    def __init__(self, graph: StageGraph, outputs: Mapping[str, Mapping[str, Any]]) -> None:
        self._graph = graph
        self._outputs = outputs

    def _key(self) -> str:
        key = _current_key()
        if key is None:
            raise LookupError("ctx.STAGES is read outside a stage (ctx.STAGE_KEY is not set)")
        return key

    def _mask(self) -> int:
        return self._graph.ancestor_masks[self._graph.index[self._key()]]

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        key = self._key()
        if name in self._graph.direct_upstream[key]:  # the common case: a direct upstream
            try:
                return self._outputs[name]
            except KeyError:
                pass
        index = self._graph.index.get(name)
        if index is None:
            raise KeyError(f"no stage named {name!r}")
        if not self._mask() >> index & 1:
            raise KeyError(
                f"stage {name!r} is not upstream of {key!r}; "
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
        return index is not None and bool(self._mask() >> index & 1) and name in self._outputs

    def __iter__(self) -> Iterator[str]:
        mask = self._mask()
        for index, name in enumerate(self._graph.order):
            if mask >> index & 1 and name in self._outputs:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)


def enter_run(
    pipeline: Pipeline,
    parameters: Parameters,
    run_info: ctx.RunInfo,
    log: Any,
    outputs: Mapping[str, Mapping[str, Any]],
) -> None:
    """Set the run-wide context variables (in the caller's current context).

    `outputs` maps finished stages to their outputs (it may grow while the run goes)."""
    ctx.PIPELINE.set(pipeline)
    ctx.PARAMETERS.set(parameters)
    ctx.RUN.set(run_info)
    if log is None:
        from pypedream.execution.log_setup import null_logger

        log = null_logger()
    ctx.LOG.set(log)
    ctx.RUN_OUTPUTS.set(outputs)
    ctx.STAGES.set(AncestorOutputs(pipeline.graph, outputs))


_set_stage = ctx.STAGE.set
_set_stage_key = ctx.STAGE_KEY.set


def enter_stage(key: str, stage: Stage[Any]) -> None:
    """Set the per-stage context variables."""
    _set_stage(stage)
    _set_stage_key(key)
