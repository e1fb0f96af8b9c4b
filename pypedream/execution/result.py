"""What a run returns: per-stage outcomes and the run's values."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

__all__ = ["MapInstances", "RunResult", "StageResult", "StageStatus"]


class StageStatus(str, enum.Enum):
    """Final state of a stage in a run (Airflow's names)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UPSTREAM_FAILED = "upstream_failed"
    SKIPPED = "skipped"

    def __str__(self) -> str:
        return self.value


_EMPTY: Mapping[str, Any] = MappingProxyType({})


class MapInstances(NamedTuple):
    """How a mapped stage's instances ended: their number (`size`), and those that did not
    succeed.

    `problems` hold the failed or skipped instances' results, keyed `stage[index]`, in index
    order; every other instance succeeded (only problems are kept: memory stays linear in
    the results even for 100,000 instances).
    """

    size: int
    problems: tuple[StageResult, ...] = ()

    def counts(self) -> dict[StageStatus, int]:
        """Instances per status (each counts for its downstream's trigger rule, as in Airflow)."""
        found = {status: 0 for status in StageStatus}
        for problem in self.problems:
            found[problem.status] += 1
        found[StageStatus.SUCCEEDED] = self.size - len(self.problems)
        return found


class StageResult(NamedTuple):
    """One stage's outcome (immutable). `outputs` are after the output mapper.

    A NamedTuple rather than a frozen dataclass: it is built once per stage on the hot path,
    and costs a third as much to create.
    """

    key: str
    status: StageStatus
    return_value: Any = None
    outputs: Mapping[str, Any] = _EMPTY
    error: BaseException | None = None
    traceback: str | None = None
    attempts: int = 0
    duration: float = 0.0
    started: float = 0.0
    reason: str | None = None
    variable_writes: Mapping[str, Any] = _EMPTY
    instances: MapInstances | None = None
    """Set for a mapped stage that expanded (even to zero instances)."""

    @property
    def ok(self) -> bool:
        return self.status is StageStatus.SUCCEEDED


class RunResult(Mapping[str, Any]):
    """A finished run. As a mapping it is `{stage key: return value}` of succeeded stages."""

    def __init__(
        self,
        *,
        pipeline: str,
        run_id: str,
        stages: Mapping[str, StageResult],
        parameters: Mapping[str, Any],
        variables: Mapping[str, Any],
        duration: float,
        log_file: Path | None,
    ) -> None:
        self.pipeline = pipeline
        self.run_id = run_id
        self.stages = stages
        self.parameters = parameters
        self.variables = variables
        self.duration = duration
        self.log_file = log_file
        self._values = {key: r.return_value for key, r in stages.items() if r.ok}

    @property
    def ok(self) -> bool:
        """True when every stage succeeded (or was skipped)."""
        return all(
            r.status in (StageStatus.SUCCEEDED, StageStatus.SKIPPED) for r in self.stages.values()
        )

    @property
    def failed(self) -> list[str]:
        """Keys of stages that failed (not those upstream_failed), in run order."""
        return [key for key, r in self.stages.items() if r.status is StageStatus.FAILED]

    def outputs(self, key: str) -> Mapping[str, Any]:
        """Outputs of stage `key` after its output mapper."""
        return self.stages[key].outputs

    def counts(self) -> dict[str, int]:
        """Number of stages per status."""
        found = {status.value: 0 for status in StageStatus}
        for r in self.stages.values():
            found[r.status.value] += 1
        return found

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._values == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def summary(self) -> str:
        """A per-stage table with the verdict, as the CLI prints it."""
        from pypedream.execution.summary import render_summary

        return render_summary(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (values that JSON cannot hold become their repr)."""
        return {
            "pipeline": self.pipeline,
            "run_id": self.run_id,
            "ok": self.ok,
            "duration_s": round(self.duration, 6),
            "log_file": str(self.log_file) if self.log_file else None,
            "counts": self.counts(),
            "stages": {
                key: {
                    "status": r.status.value,
                    "attempts": r.attempts,
                    "duration_s": round(r.duration, 6),
                    "outputs": {k: _jsonable(v) for k, v in r.outputs.items()},
                    "error": f"{type(r.error).__name__}: {r.error}" if r.error else None,
                    "reason": r.reason,
                }
                for key, r in self.stages.items()
            },
        }

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else f"failed: {', '.join(self.failed)}"
        return (
            f"RunResult(pipeline={self.pipeline!r}, run_id={self.run_id!r}, {verdict}, "
            f"values={self._values!r})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython / Jupyter
        printer.text(self.summary())


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)
    return value
