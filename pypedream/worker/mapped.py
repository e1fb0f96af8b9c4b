"""Mapped stages inside Airflow: the expand task, the instances, and reading their results.

A mapped stage `k` is exported as two tasks (a contract with exported files):

- `k__expand` (EXPAND_SUFFIX) resolves the lists `k` maps over, in `k`'s context, and returns
  one `{MAP_LABEL_KEY: label}` per instance: Airflow expands `k` over that list
  (`partial(...).expand(op_kwargs=...)`), and `map_index_template` shows the label.
  An empty list, or one that cannot expand, still gives ONE placeholder instance, so that
  Airflow does not skip `k` and its downstream stages: the placeholder pushes an envelope
  with no outputs (empty list) or fails with the MapError (as a native run fails `k`).
- each instance of `k` resolves the lists again (the same values: they come from upstream
  envelopes and parameters) and runs the stage on its item.

A downstream stage reads `k` as the list of its succeeded instances' values, in index order.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

from pypedream.definition.mapping import DEFAULT_MAX_MAP_LENGTH, item_label
from pypedream.definition.stage import Stage
from pypedream.execution.stage_execution import mapped_lists
from pypedream.worker.envelope import ENVELOPE_KEY, RETURN_VALUE_KEY

__all__ = [
    "EXPAND_SUFFIX",
    "MAP_LABEL_KEY",
    "assembled_envelope",
    "expand_labels",
    "instance_items",
]

EXPAND_SUFFIX = "__expand"
MAP_LABEL_KEY = "pypedream_map"
PLACEHOLDER = "(no items)"


def expand_labels(key: str, stage: Stage[Any]) -> list[dict[str, str]]:
    """What `k__expand` returns: one label per instance (a placeholder when there are none,
    or when the lists cannot expand: the instance then fails with the reason)."""
    try:
        lists, count = mapped_lists(key, stage, configured_max_map_length())
    except Exception:  # the placeholder instance raises it again, as its own failure
        return [{MAP_LABEL_KEY: PLACEHOLDER}]
    if not count:
        return [{MAP_LABEL_KEY: PLACEHOLDER}]
    if len(lists) == 1:
        return [{MAP_LABEL_KEY: item_label((item,))} for item in lists[0]]
    return [{MAP_LABEL_KEY: item_label(items)} for items in zip(*lists, strict=True)]


def configured_max_map_length() -> int:
    """Airflow's `[core] max_map_length` in this task's process (1024 where it cannot be read).

    A task runs inside Airflow, which has loaded its configuration: it is read from there,
    never imported (the runtime does not import Airflow).
    """
    conf = getattr(sys.modules.get("airflow.configuration"), "conf", None)
    try:
        value = int(conf.getint("core", "max_map_length"))  # type: ignore[union-attr]
    except Exception:  # no Airflow loaded, or a setting it cannot read: Airflow's default
        return DEFAULT_MAX_MAP_LENGTH
    return value if value >= 0 else DEFAULT_MAX_MAP_LENGTH


def instance_items(key: str, stage: Stage[Any], index: int) -> tuple[Any, ...] | None:
    """Instance `index`'s items, or None for the placeholder of an empty map. Raises what
    makes the map fail (a MapError, an input that cannot be resolved)."""
    lists, count = mapped_lists(key, stage, configured_max_map_length())
    if not count:
        return None
    return tuple(values[index] for values in lists)


def assembled_envelope(
    ti: Any, task_id: str, read: Callable[[Any], dict[str, Any]]
) -> dict[str, Any] | None:
    """A mapped stage's result as one envelope: `{"outputs": {"return": [...]}}` with the
    value trees of its succeeded instances (also when others failed or were skipped), or
    None when it did not expand. `read` checks and reads one instance's envelope."""
    labels = ti.xcom_pull(task_ids=task_id + EXPAND_SUFFIX, key=RETURN_VALUE_KEY)
    if labels is None:
        return None
    if list(labels) == [{MAP_LABEL_KEY: PLACEHOLDER}]:
        # One placeholder: an empty map (it pushed no outputs), or a map that could not
        # expand (it failed, or was skipped, pushing nothing): no outputs at all, as natively.
        raw = ti.xcom_pull(task_ids=task_id, key=ENVELOPE_KEY, map_indexes=0)
        return None if raw is None else {"outputs": {"return": []}, "variables": {}}
    trees = []
    for index in range(len(labels)):
        raw = ti.xcom_pull(task_ids=task_id, key=ENVELOPE_KEY, map_indexes=index)
        if raw is None:  # a skipped or failed instance: not in the list, as natively
            continue
        outputs: Mapping[str, Any] = read(raw)["outputs"]
        if "return" in outputs:  # the placeholder of an empty map has no outputs
            trees.append(outputs["return"])
    return {"outputs": {"return": trees}, "variables": {}}
