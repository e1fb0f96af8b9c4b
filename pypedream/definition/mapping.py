"""Mapped stages: one instance per item of a list-valued input (or of zipped lists).

The rules both sides share: which inputs a mapped instance reads from its item, and when a
list cannot expand (not a list, zipped lists of different lengths, longer than
`max_map_length`, Airflow's `[core] max_map_length`, 1024 by default).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pypedream.ctx import MAP_ITEM
from pypedream.definition.binding import Input, InputBinding
from pypedream.errors import MapError

if TYPE_CHECKING:
    from pypedream.definition.stage import Stage

__all__ = ["DEFAULT_MAX_MAP_LENGTH", "instance_inputs", "map_length"]

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
