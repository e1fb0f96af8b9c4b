"""Import a pipeline by reference: `package.module:attr` (attr may be a zero-argument factory)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pypedream.definition.pipeline import Pipeline

__all__ = ["PipelineReferenceError", "load_pipeline", "split_reference"]


class PipelineReferenceError(LookupError):
    """A pipeline reference does not point at a Pipeline."""


def split_reference(reference: str) -> tuple[str, str]:
    module, sep, attr = reference.partition(":")
    if not sep or not module or not attr:
        raise PipelineReferenceError(
            f"pipeline reference {reference!r} must look like 'package.module:attribute'"
        )
    return module, attr


def load_pipeline(reference: str) -> Pipeline:
    """Import `module:attr` and return the Pipeline (calling attr if it is a factory)."""
    from pypedream.definition.pipeline import Pipeline

    module_name, attr = split_reference(reference)
    target: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise PipelineReferenceError(
                f"module {module_name!r} has no attribute {attr!r}"
            ) from None
    if not isinstance(target, Pipeline) and callable(target):
        target = target()
    if not isinstance(target, Pipeline):
        raise PipelineReferenceError(
            f"{reference!r} is a {type(target).__name__}, not a Pipeline "
            "(or a zero-argument function returning one)"
        )
    return target
