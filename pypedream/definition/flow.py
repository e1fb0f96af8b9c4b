"""Branches and short-circuits: which stages a finished stage skips. One rule for both sides.

As with Airflow's `@task.branch` (BranchPythonOperator): a branch stage returns the key (or a
list of keys, or None) of the direct downstream stages to follow; every other direct
downstream stage is skipped, unless it is also downstream of a followed one. As with
`ShortCircuitOperator`: a falsy return value skips every stage downstream of it
(`ignore_downstream_trigger_rules=True`, the default) or only its direct downstream stages,
leaving the rest to their trigger rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pypedream.errors import BranchError

if TYPE_CHECKING:
    from pypedream.definition.graph import StageGraph

__all__ = ["branch_choice", "branch_skips", "short_circuit_skips"]


def branch_choice(graph: StageGraph, key: str, value: Any) -> tuple[str, ...]:
    """The downstream keys branch stage `key` chose by returning `value`."""
    if value is None:
        chosen: tuple[Any, ...] = ()
    elif isinstance(value, str):
        chosen = (value,)
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        chosen = tuple(value)
    else:
        chosen = (value,)
    downstream = graph.downstream[key]
    wrong = [choice for choice in chosen if choice not in downstream]
    if wrong:
        listed = ", ".join(repr(k) for k in downstream) or "none"
        raise BranchError(
            f"branch stage {key!r} returned {', '.join(repr(w) for w in wrong)}, which is not "
            f"one of its direct downstream stages ({listed}); return their keys, a list of "
            "them, or None to skip them all"
        )
    return tuple(dict.fromkeys(chosen))


def branch_skips(graph: StageGraph, key: str, chosen: Iterable[str]) -> tuple[str, ...]:
    """Direct downstream stages of `key` that a branch choosing `chosen` skips."""
    followed = set(chosen)
    for choice in list(followed):
        followed.update(graph.descendants(choice))
    return tuple(down for down in graph.downstream[key] if down not in followed)


def short_circuit_skips(
    graph: StageGraph, key: str, ignore_downstream_trigger_rules: bool
) -> tuple[str, ...]:
    """Stages a short-circuit at `key` skips when its value is falsy."""
    if ignore_downstream_trigger_rules:
        return graph.descendants(key)
    return graph.downstream[key]
