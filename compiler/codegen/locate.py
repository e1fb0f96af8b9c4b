"""Find the import reference (`module:attr`) an Airflow worker will use to load a pipeline."""

from __future__ import annotations

import sys

from pypedream_compiler.errors import ExportError

from pypedream import Pipeline
from pypedream.definition.reference import PipelineReferenceError, load_pipeline

__all__ = ["resolve_target"]

_HOW_TO_FIX = (
    "Airflow workers import the pipeline by reference, so define it at module level in an "
    "importable module (e.g. my_pipelines.py) and export 'my_pipelines:pipeline'"
)


def _find_reference(pipeline: Pipeline) -> str:
    found_in_main = False
    candidates = []
    for name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if not namespace:
            continue
        for attr, value in list(namespace.items()):
            if value is pipeline:
                if name == "__main__":
                    found_in_main = True
                else:
                    candidates.append(f"{name}:{attr}")
    if candidates:
        return sorted(candidates, key=lambda ref: (ref.count("."), len(ref), ref))[0]
    where = "in __main__ (a script or notebook cell)" if found_in_main else "in a local scope"
    raise ExportError(
        f"pipeline {pipeline.name!r} is defined {where}, where Airflow cannot import it",
        [_HOW_TO_FIX],
    )


def resolve_target(target: Pipeline | str) -> tuple[Pipeline, str]:
    """The pipeline and its `module:attr` reference, from either of them."""
    if isinstance(target, Pipeline):
        return target, _find_reference(target)
    if not isinstance(target, str):
        raise ExportError(f"cannot export {target!r}: pass a Pipeline or 'module:attr'")
    try:
        pipeline = load_pipeline(target)
    except (PipelineReferenceError, ImportError) as problem:
        raise ExportError(f"cannot load pipeline {target!r}: {problem}") from problem
    return pipeline, target
