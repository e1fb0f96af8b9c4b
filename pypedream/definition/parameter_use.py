"""Which stage arguments read which parameters, and the types their annotations give them."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pypedream.ctx import PARAMETERS
from pypedream.definition.binding import KeyedInputMapper

if TYPE_CHECKING:
    from pypedream.definition.stage import Stage

__all__ = ["annotated_parameter_types", "parameter_readers"]


def parameter_readers(stages: Mapping[str, Stage[Any]]) -> dict[str, list[tuple[str, str]]]:
    """`{parameter: [(stage key, argument), ...]}` for every `param(...)`-style input."""
    found: dict[str, list[tuple[str, str]]] = {}
    for key, stage in stages.items():
        for item in stage.inputs:
            mapper = item.bind.mapper
            if item.bind.source is PARAMETERS and isinstance(mapper, KeyedInputMapper):
                found.setdefault(mapper.from_key, []).append((key, item.as_arg))
    return found


def annotated_parameter_types(stages: Mapping[str, Stage[Any]]) -> dict[str, type]:
    """The type each parameter takes from the annotation of the argument it binds.

    Only plain classes count (`date`, `int`, an Enum...), not `Any` or generics; when the
    arguments a parameter binds disagree, it gets no type here.
    """
    seen: dict[str, set[type]] = {}
    for name, readers in parameter_readers(stages).items():
        for key, argument in readers:
            annotation = _annotation(stages[key].function, argument)
            if isinstance(annotation, type) and annotation is not object:
                seen.setdefault(name, set()).add(annotation)
            else:
                seen.setdefault(name, set()).add(object)
    return {
        name: next(iter(kinds))
        for name, kinds in seen.items()
        if len(kinds) == 1 and object not in kinds
    }


def _annotation(function: Any, argument: str) -> Any:
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # unresolvable forward references: fall back to the raw annotation
        try:
            hints = {
                name: p.annotation
                for name, p in inspect.signature(function).parameters.items()
                if p.annotation is not inspect.Parameter.empty
            }
        except (TypeError, ValueError):
            return None
    return hints.get(argument)
