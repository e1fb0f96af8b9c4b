"""The rules for variable writes, in one place for the native executor and Airflow tasks.

A stage sees the starting values plus the writes of its ancestors, applied in topological
order (the later writer wins). Two writers of the same name that do not depend on each other
are a conflict, with one message on both sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pypedream._copy import fresh_copy
from pypedream.definition.variables import DELETED
from pypedream.errors import VariableConflictError

if TYPE_CHECKING:
    from pypedream.definition.graph import StageGraph

__all__ = ["apply_writes", "conflict", "find_conflict", "starting_values"]


def starting_values(variables: Mapping[str, Any]) -> dict[str, Any]:
    """A run's own copy of the pipeline's starting values: a stage mutating one in place must
    not change the next run (natively) or the next task in the same process (in Airflow)."""
    return {name: fresh_copy(value) for name, value in variables.items()}


def apply_writes(
    defaults: Mapping[str, Any], writes: Iterable[tuple[int, Mapping[str, Any]]]
) -> dict[str, Any]:
    """`defaults` plus each (writer's topological index, its writes), applied in index order.

    A write of `DELETED` removes the name.
    """
    merged = dict(defaults)
    for _, written in sorted(writes, key=lambda item: item[0]):
        for name, value in written.items():
            if value is DELETED:
                merged.pop(name, None)
            else:
                merged[name] = value
    return merged


def conflict(first: str, second: str, names: Iterable[str]) -> VariableConflictError:
    """The error for two unordered stages writing the same variable(s)."""
    listed = ", ".join(repr(name) for name in sorted(names))
    return VariableConflictError(
        f"stages {first!r} and {second!r} both write variable(s) {listed} but neither depends "
        "on the other; order them with after=[...] or use distinct names"
    )


def find_conflict(
    graph: StageGraph, first: str, second: str, names: Iterable[str]
) -> VariableConflictError | None:
    """`conflict(...)` when `first` and `second` both write `names` unordered, else None."""
    shared = set(names)
    if not shared or first == second:
        return None
    if graph.is_ancestor(first, second) or graph.is_ancestor(second, first):
        return None
    return conflict(first, second, shared)
