"""What a run returns: per-stage outcomes and the run's values."""

from __future__ import annotations

import enum
import json
import operator
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from pypedream._preview import preview
from pypedream.definition.secrets import Redactor

if TYPE_CHECKING:
    from pypedream.definition.pipeline import Pipeline

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

    @property
    def shown_status(self) -> str:
        """The status to show a person: `interrupted` for a stage a Ctrl-C stopped while it
        ran (its `status` stays `failed`, as in Airflow), else the status's value."""
        if self.status is StageStatus.FAILED and isinstance(self.error, KeyboardInterrupt):
            return "interrupted"
        return self.status.value

    def __repr__(self) -> str:
        parts = [repr(self.key), self.status.value]
        if self.attempts:
            parts.append(f"attempts={self.attempts}")
        parts.append(f"duration={self.duration:.3f}s")
        if self.status is StageStatus.SUCCEEDED:
            parts.append(f"value={preview(self.return_value)}")
            if set(self.outputs) != {"return"}:
                parts.append(f"outputs=[{', '.join(map(str, self.outputs))}]")
        if self.error is not None:
            parts.append(f"error={type(self.error).__name__}: {self.error}")
        if self.reason:
            parts.append(f"reason={self.reason!r}")
        if self.variable_writes:
            parts.append(f"variables=[{', '.join(self.variable_writes)}]")
        return f"StageResult({', '.join(parts)})"


def _masking(redactor: Redactor) -> type[StageResult]:
    """A StageResult subclass whose repr masks `redactor`'s secrets (one per run with secrets;
    equal to, and an instance of, StageResult)."""

    def masked_repr(self: StageResult) -> str:
        return redactor.text(StageResult.__repr__(self))

    return type("StageResult", (StageResult,), {"__slots__": (), "__repr__": masked_repr})


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
        secret_names: frozenset[str] = frozenset(),
        secrets: Sequence[Any] = (),
        definition: Pipeline | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.run_id = run_id
        self._redactor = Redactor(secrets)
        if self._redactor.active:  # their reprs mask the secrets too
            masked = _masking(self._redactor)
            stages = {key: masked(*result) for key, result in stages.items()}
        self.stages = stages
        self.parameters = parameters
        self.variables = variables
        self.duration = duration
        self.log_file = log_file
        self.definition = definition  # the Pipeline that ran (to draw it), when known
        self.log_problem: str | None = None  # why the log is incomplete (e.g. a full disk)
        self.interrupted = False  # stopped by Ctrl-C: some stages did not run
        self.secret_names = secret_names
        self._succeeded: dict[str, Any] | None = None  # built on first use

    @property
    def _values(self) -> dict[str, Any]:
        """{key: return value} of the succeeded stages."""
        if self._succeeded is None:
            self._succeeded = {key: r.return_value for key, r in self.stages.items() if r.ok}
        return self._succeeded

    @property
    def ok(self) -> bool:
        """True when every stage succeeded (or was skipped) and the run was not interrupted."""
        if self.interrupted:
            return False
        statuses = set(map(_status_of, self.stages.values()))  # C speed: once per stage
        return StageStatus.FAILED not in statuses and StageStatus.UPSTREAM_FAILED not in statuses

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

    def redact(self, value: Any) -> Any:
        """`value` (text or data) with this run's secret values and sensitive keys masked."""
        if isinstance(value, str):
            return self._redactor.text(value)
        return self._redactor.value(value)

    def redact_text(self, text: str) -> str:
        """`text` with this run's secret values masked."""
        return self._redactor.text(text)

    def shown_parameters(self) -> dict[str, Any]:
        """The run's parameters with secret ones as `***`."""
        return self._redactor.mapping(self.parameters, self.secret_names)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (values that JSON cannot hold become their repr).

        Secret parameter values and values under sensitive key names are masked."""
        return self.redact(self._to_dict())  # type: ignore[no-any-return]

    def _to_dict(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "run_id": self.run_id,
            "ok": self.ok,
            "interrupted": self.interrupted,
            "duration_s": round(self.duration, 6),
            "log_file": str(self.log_file) if self.log_file else None,
            "log_problem": self.log_problem,
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
        if self.interrupted:
            verdict = "interrupted"
        return self.redact_text(
            f"RunResult(pipeline={self.pipeline!r}, run_id={self.run_id!r}, {verdict}, "
            f"values={self._values!r})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython text display
        printer.text(self.summary())

    def _repr_html_(self) -> str:  # Jupyter
        from pypedream.views.html import run_result_html

        return run_result_html(self, self.definition)


_status_of = operator.itemgetter(StageResult._fields.index("status"))


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)
    return value
