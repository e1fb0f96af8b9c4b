"""Mapped stages: one instance per item of a list-valued input (or of zipped lists).

The rules both sides share: which inputs a mapped instance reads from its item, and when a
list cannot expand (not a list, zipped lists of different lengths, longer than
`max_map_length`, Airflow's `[core] max_map_length`, 1024 by default).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pypedream.ctx import MAP_ITEM
from pypedream.definition.binding import Input, InputBinding
from pypedream.errors import MapError, VariableConflictError

if TYPE_CHECKING:
    from pypedream.definition.stage import Stage

__all__ = [
    "DEFAULT_MAX_MAP_LENGTH",
    "instance_inputs",
    "instance_stage",
    "instance_write_error",
    "item_label",
    "map_length",
]

DEFAULT_MAX_MAP_LENGTH = 1024
"""Airflow's default `[core] max_map_length`."""


def map_length(
    key: str, map_over: Sequence[str], values: Sequence[Any], max_map_length: int
) -> int:
    """The number of instances; MapError when the values cannot be mapped over."""
    lengths = []
    for name, value in zip(map_over, values, strict=True):
        if not isinstance(value, (list, tuple)):
            raise MapError(
                f"stage {key!r} maps over input {name!r}: expected a list, got "
                f"{type(value).__name__}"
            )
        lengths.append(len(value))
    if len(set(lengths)) > 1:
        shown = ", ".join(f"{name!r} has {n}" for name, n in zip(map_over, lengths, strict=True))
        raise MapError(
            f"stage {key!r} zips lists of different lengths ({shown}); zipped lists must be "
            "equally long"
        )
    count = lengths[0] if lengths else 0
    if count > max_map_length:
        raise MapError(
            f"stage {key!r} maps over {count} items, more than max_map_length="
            f"{max_map_length}; raise it with run(max_map_length=...) (and Airflow's "
            "[core] max_map_length), or map over fewer, larger chunks"
        )
    return count


def instance_inputs(stage: Stage[Any]) -> tuple[Input[Any], ...]:
    """`stage.inputs` with each mapped input reading its item from `ctx.MAP_ITEM`."""
    positions = {name: i for i, name in enumerate(stage.map_over)}
    replaced = []
    for item in stage.inputs:
        position = positions.get(item.as_arg)
        if position is None:
            replaced.append(item)
        else:
            pick: Callable[[Any], Any] = operator.itemgetter(position)
            binding: InputBinding[Any, Any] = InputBinding.deferred(MAP_ITEM, pick)
            replaced.append(Input(item.as_arg, binding, item.logged))
    return tuple(replaced)


def instance_stage(stage: Stage[Any]) -> Stage[Any]:
    """The stage one instance runs: mapped inputs read their item from `ctx.MAP_ITEM`."""
    return replace(stage, inputs=instance_inputs(stage), map_over=())


def instance_write_error(key: str, index: int, names: Iterable[str]) -> VariableConflictError:
    """The error of a mapped instance that wrote variables."""
    return VariableConflictError(
        f"stage {key!r} map instance {index} wrote variables "
        f"{', '.join(repr(n) for n in names)}: mapped instances run in no order, so they "
        "cannot write variables; return the values instead"
    )


def item_label(item: tuple[Any, ...]) -> str:
    """A short readable label of an instance's item(s) (logs, Airflow's map index label)."""
    text = repr(item[0] if len(item) == 1 else item)
    return text if len(text) <= 80 else text[:77] + "..."
