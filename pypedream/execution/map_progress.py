"""The instances of one mapped stage as they finish, and the mapped stage's result."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pypedream.definition.binding import DEFAULT_OUTPUT_KEY
from pypedream.definition.mapping import item_label
from pypedream.execution.result import MapInstances, StageResult, StageStatus

__all__ = ["MapProgress"]


class MapProgress:
    """The instances of one mapped stage as they finish (in any order)."""

    __slots__ = ("count", "items", "key", "left", "problems", "started", "values")

    def __init__(self, key: str, lists: tuple[Sequence[Any], ...], count: int, started: float):
        self.key = key
        self.items = lists
        self.count = count
        self.left = count
        self.values: list[Any] = [None] * count
        self.problems: dict[int, StageResult] = {}
        self.started = started

    def item(self, index: int) -> tuple[Any, ...]:
        return tuple(values[index] for values in self.items)

    def add(self, index: int, result: StageResult) -> None:
        self.left -= 1
        if result.status is StageStatus.SUCCEEDED:
            self.values[index] = result.return_value
        else:
            self.problems[index] = result._replace(key=f"{self.key}[{index}]")

    def result(self, begin: float, log: Any) -> StageResult:
        """The mapped stage's result: the succeeded instances' values, in input order."""
        key, problems = self.key, self.problems
        ordered = tuple(problems[index] for index in sorted(problems))
        instances = MapInstances(self.count, ordered)
        duration = time.perf_counter() - begin
        values = self.values
        if problems:
            values = [value for index, value in enumerate(values) if index not in problems]
        # Whatever the status, an expanded map hands on the values of the instances that
        # succeeded (a stage that runs anyway, e.g. with all_done, reduces those), as the
        # instances' XComs do in Airflow.
        outputs = {DEFAULT_OUTPUT_KEY: values}
        failed = [index for index in sorted(problems) if problems[index].error is not None]
        if failed:
            index = failed[0]
            first = problems[index]
            error = first.error
            reason = (
                f"map instance {index} (item {item_label(self.item(index))}) failed: "
                f"{type(error).__name__}: {error}"
            )
            if log is not None:
                log.bind(stage=key).error(
                    "map_failed",
                    failed_instances=failed,
                    map_index=index,
                    map_item=item_label(self.item(index)),
                    error=f"{type(error).__name__}: {error}",
                )
            return StageResult(
                key,
                StageStatus.FAILED,
                outputs=outputs,
                error=error,
                traceback=first.traceback,
                attempts=first.attempts,
                duration=duration,
                started=self.started,
                reason=reason,
                instances=instances,
            )
        if self.count and len(problems) == self.count:
            return StageResult(
                key,
                StageStatus.SKIPPED,
                outputs=outputs,
                duration=duration,
                started=self.started,
                reason="every map instance was skipped",
                instances=instances,
            )
        return StageResult(
            key,
            StageStatus.SUCCEEDED,
            values,
            outputs,
            attempts=1,
            duration=duration,
            started=self.started,
            instances=instances,
        )
