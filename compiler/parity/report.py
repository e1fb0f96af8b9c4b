"""What a parity run found: one row a stage, one block a run, rendered as text or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pypedream.worker.readiness import ReadinessReport

__all__ = ["ParityReport", "RunParity", "StageParity"]

_MAX_CELL = 90


@dataclass(frozen=True)
class StageParity:
    """One stage: its status on each side, whether its outputs match, the first difference."""

    stage: str
    task_id: str
    native: str  # succeeded | failed | upstream_failed | skipped
    airflow: str  # the same names, or Airflow's own state ("not run", "missing", ...)
    outputs: str = "-"  # equal | within tolerance | differ | - (not compared)
    difference: str | None = None
    native_error: str | None = None  # "ValueError: boom", as Python prints it
    airflow_error: str | None = None  # the same, read from the Airflow task log

    @property
    def equal(self) -> bool:
        """Same status, same outputs (or within the tolerances), same error."""
        return self.difference is None or self.outputs == "within tolerance"

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "equal": self.equal}


@dataclass(frozen=True)
class RunParity:
    """One pipeline run with one set of parameters, on both sides."""

    pipeline: str
    reference: str
    dag_id: str
    params: dict[str, Any]  # as Airflow got them (run conf)
    run_id: str
    logical_date: str
    airflow_state: str | None
    error: str | None  # the Airflow run did not start (e.g. a parameter Airflow refused)
    stages: tuple[StageParity, ...]
    readiness: ReadinessReport
    airflow_log: str | None = None  # Airflow's output for this run, when the home is kept
    variables: str | None = None  # how the final variables differ; None: equal

    @property
    def equal(self) -> bool:
        return (
            self.error is None and self.variables is None and all(row.equal for row in self.stages)
        )

    @property
    def differences(self) -> list[str]:
        """Every difference, one line each (tolerated ones included, marked as such)."""
        found = [self.error] if self.error else []
        for row in self.stages:
            if row.difference is not None:
                found.append(
                    row.difference
                    if row.difference.startswith("stage ")
                    else f"stage {row.stage!r} {row.difference}"
                )
        if self.variables:
            found.append(self.variables)
        return found

    def render(self) -> str:
        shown = _shown_params(self.params)
        params = json.dumps(shown, ensure_ascii=False) if shown else "defaults"
        lines = [
            f"pipeline {self.pipeline!r} ({self.reference}) with {params}",
            f"run_id {self.run_id}, logical date {self.logical_date}",
        ]
        if self.error:
            lines.append(f"ERROR: {self.error}")
        rows = [("stage", "native", "airflow", "outputs", "first difference")]
        for row in self.stages:
            difference = (row.difference or "").removeprefix(f"stage {row.stage!r} ")
            rows.append((row.stage, row.native, row.airflow, row.outputs, _cell(difference)))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        table = [
            "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=False)) + "  " + r[4]
            for r in rows
        ]
        table.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 16)
        lines += [""] + [line.rstrip() for line in table]
        differences = self.differences
        if differences:
            lines.append("")
            lines += [f"  {'~' if 'within rtol' in d else '!'} {d}" for d in differences]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "reference": self.reference,
            "dag_id": self.dag_id,
            "params": _shown_params(self.params),
            "run_id": self.run_id,
            "logical_date": self.logical_date,
            "airflow_state": self.airflow_state,
            "equal": self.equal,
            "error": self.error,
            "differences": self.differences,
            "variables": self.variables,
            "stages": [row.to_dict() for row in self.stages],
            "readiness": self.readiness.to_dict(),
            "airflow_log": self.airflow_log,
        }


@dataclass(frozen=True)
class ParityReport:
    """Every run of one parity check, and the verdict."""

    airflow_version: str
    airflow_python: str
    airflow_home: str | None  # kept home (keep=True), else None: it was removed
    rtol: float
    atol: float
    runs: tuple[RunParity, ...]
    airflow_seconds: float = 0.0
    native_seconds: float = 0.0
    # how Airflow ran the tasks: "process-per-task", "single-process" (one process) or "live"
    # (a running Airflow's own executor, e.g. Celery workers)
    mode: str = "process-per-task"

    @property
    def equal(self) -> bool:
        """True when every run matches (tolerated float differences count as matching)."""
        return all(run.equal for run in self.runs)

    def run(self, pipeline: str, index: int = 0) -> RunParity:
        """The `index`-th run of the pipeline named (or referenced, or dag_id) `pipeline`."""
        matching = [r for r in self.runs if pipeline in (r.pipeline, r.reference, r.dag_id)]
        if index >= len(matching):
            raise KeyError(f"report has {len(matching)} run(s) of {pipeline!r}, wanted #{index}")
        return matching[index]

    def verdict(self) -> str:
        comparison = (
            "exact"
            if not (self.rtol or self.atol)
            else (f"floats within rtol={self.rtol:g}, atol={self.atol:g}")
        )
        where = f"Airflow {self.airflow_version} ({self.mode}"
        where += "; blind to state shared across tasks)" if self.mode == "single-process" else ")"
        timing = f"Airflow {self.airflow_seconds:.1f}s, native {self.native_seconds:.1f}s"
        stages = sum(len(run.stages) for run in self.runs)
        if self.equal:
            return (
                f"EQUAL: {stages} stages in {len(self.runs)} run(s) behave the same natively "
                f"and in {where} ({comparison}; {timing})"
            )
        bad = [run for run in self.runs if not run.equal]
        count = sum(1 for run in bad for row in run.stages if not row.equal) + sum(
            1 for run in bad for problem in (run.error, run.variables) if problem
        )
        return (
            f"DIFFERS: {count} difference(s) in {len(bad)} of {len(self.runs)} run(s) between "
            f"native and {where} ({comparison}; {timing})"
        )

    def render(self, *, readiness: bool = True) -> str:
        """Each run's table and differences, its readiness report, then the verdict."""
        blocks = []
        for run in self.runs:
            block = run.render()
            if readiness:
                block += "\n\nexport readiness:\n" + _indent(run.readiness.render())
            blocks.append(block)
        text = "\n\n".join(blocks) + "\n\n" + self.verdict()
        if self.airflow_home:
            text += f"\nAirflow home kept at {self.airflow_home}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "equal": self.equal,
            "verdict": self.verdict(),
            "airflow_version": self.airflow_version,
            "airflow_python": self.airflow_python,
            "airflow_home": self.airflow_home,
            "mode": self.mode,
            "rtol": self.rtol,
            "atol": self.atol,
            "airflow_seconds": round(self.airflow_seconds, 3),
            "native_seconds": round(self.native_seconds, 3),
            "runs": [run.to_dict() for run in self.runs],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (values JSON cannot hold become their repr)."""
        return json.dumps(self.to_dict(), indent=indent, default=repr, ensure_ascii=False)


def _cell(text: str) -> str:
    text = text.splitlines()[0] if text else ""
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())


def _shown_params(params: dict[str, Any]) -> dict[str, Any]:
    """The run conf as reports show it: values under sensitive key names (Airflow's rule) as
    `***`. (`pypedream parity` also masks the values of secret parameters wherever they are.)"""
    from pypedream.definition.secrets import Redactor

    return Redactor().mapping(params)
