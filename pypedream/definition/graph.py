"""The stage graph: stages, edges and one deterministic topological order.

This is what the native executor, the compiler and the parity harness read. Build it from a
validated pipeline (`pipeline.graph`); it holds no run state.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

from pypedream.definition.stage import Stage

__all__ = ["Edge", "StageGraph", "find_cycle", "topological_order"]


@dataclass(frozen=True)
class Edge:
    """`downstream` waits for `upstream`; "data" edges also pass outputs, "order" ones don't."""

    upstream: str
    downstream: str
    kind: Literal["data", "order"]


def topological_order(upstream: Mapping[str, Sequence[str]]) -> list[str]:
    """Kahn's algorithm; among ready stages the one defined first goes first.

    Stages on a cycle (or downstream of one) are left out; see `find_cycle`.
    Upstream keys that are not stages are ignored.
    """
    position = {key: index for index, key in enumerate(upstream)}
    waiting: dict[str, int] = {}
    children: dict[str, list[str]] = {key: [] for key in upstream}
    for key, ups in upstream.items():
        for up in dict.fromkeys(ups):
            if up in position:
                children[up].append(key)
    for key, ups in upstream.items():
        waiting[key] = len({up for up in ups if up in position})
    ready = [position[key] for key, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    keys = list(upstream)
    order: list[str] = []
    while ready:
        key = keys[heapq.heappop(ready)]
        order.append(key)
        for child in children[key]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, position[child])
    return order


def find_cycle(upstream: Mapping[str, Sequence[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a] in data-flow order (a feeds b), or None."""
    ordered = set(topological_order(upstream))
    stuck = [key for key in upstream if key not in ordered]
    if not stuck:
        return None
    stuck_set = set(stuck)
    path: list[str] = []
    seen: dict[str, int] = {}
    key = stuck[0]
    while key not in seen:
        seen[key] = len(path)
        path.append(key)
        # Every stuck stage has a stuck upstream, so walking upstream never dead-ends.
        key = next(up for up in upstream[key] if up in stuck_set)
    cycle = [*path[seen[key] :], key]
    cycle.reverse()
    return cycle


class StageGraph:
    """Stages of a pipeline with their edges and a deterministic topological order."""

    def __init__(self, stages: Mapping[str, Stage[Any]]) -> None:
        self.stages: Mapping[str, Stage[Any]] = MappingProxyType(dict(stages))
        self.upstream: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {key: stage.upstream for key, stage in self.stages.items()}
        )
        order = topological_order(self.upstream)
        if len(order) != len(self.stages):
            raise ValueError(
                f"stage graph has a cycle: {' -> '.join(find_cycle(self.upstream) or [])}"
            )
        self.order: tuple[str, ...] = tuple(order)
        self.index: Mapping[str, int] = MappingProxyType({key: i for i, key in enumerate(order)})
        downstream: dict[str, list[str]] = {key: [] for key in order}
        for key in order:
            for up in self.upstream[key]:
                downstream[up].append(key)
        self.downstream: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {key: tuple(keys) for key, keys in downstream.items()}
        )

    @cached_property
    def edges(self) -> tuple[Edge, ...]:
        """Every edge, grouped by downstream stage in topological order."""
        found: list[Edge] = []
        for key in self.order:
            stage = self.stages[key]
            data = {mapper.from_stage for mapper in stage.dependencies}
            for up in self.upstream[key]:
                found.append(Edge(up, key, "data" if up in data else "order"))
        return tuple(found)

    @cached_property
    def ancestor_masks(self) -> tuple[int, ...]:
        """Bit i of mask[j] is set when order[i] is an ancestor of order[j]."""
        masks: list[int] = []
        index = self.index
        for key in self.order:
            mask = 0
            for up in self.upstream[key]:
                position = index[up]
                mask |= masks[position] | (1 << position)
            masks.append(mask)
        return tuple(masks)

    def is_ancestor(self, candidate: str, of: str) -> bool:
        """True when `candidate` must finish before `of` (directly or transitively)."""
        return bool(self.ancestor_masks[self.index[of]] >> self.index[candidate] & 1)

    def ancestors(self, key: str) -> tuple[str, ...]:
        """All stages `key` waits for, in topological order."""
        mask = self.ancestor_masks[self.index[key]]
        return tuple(other for i, other in enumerate(self.order) if mask >> i & 1)

    def descendants(self, key: str) -> tuple[str, ...]:
        """All stages that wait for `key`, in topological order."""
        return tuple(other for other in self.order if self.is_ancestor(key, other))

    def __len__(self) -> int:
        return len(self.order)

    def __repr__(self) -> str:
        return f"StageGraph({len(self.order)} stages, {len(self.edges)} edges)"
