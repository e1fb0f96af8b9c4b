"""Behavioural parity: run pipelines in real Airflow and natively, and compare every stage.

`run_parity` exports each pipeline, runs ALL of them in one embedded Airflow process (its
first `dag.test()` is the slow part), then runs each natively with the same parameters, the
Airflow run's run_id and the same logical date, and compares stage by stage: status, every
output (exactly, or within opt-in tolerances reported as such) and, for failed stages, the
exception type and message. Each native run also gets an export-readiness report.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pypedream_compiler.codegen.export import export_airflow
from pypedream_compiler.codegen.ids import airflow_id
from pypedream_compiler.codegen.locate import resolve_target
from pypedream_compiler.embedded.logs import skip_reason
from pypedream_compiler.embedded.rest import LiveAirflow
from pypedream_compiler.embedded.runner import (
    PROCESS_PER_TASK,
    AirflowRunnerError,
    BatchReport,
    DagRunReport,
    DagRunRequest,
    TaskReport,
    airflow_version,
    run_in_environment,
)
from pypedream_compiler.errors import AirflowMissingError, ExportError, ParityError
from pypedream_compiler.parity.compare import first_difference
from pypedream_compiler.parity.report import ParityReport, RunParity, StageParity

from pypedream import Pipeline, RunResult, StageResult
from pypedream.definition.variables import DELETED
from pypedream.execution.variable_merge import apply_writes
from pypedream.worker.allowlist import TypeAllowlist, pipeline_allowlist
from pypedream.worker.envelope import ENVELOPE_KEY, envelope_outputs, read_envelope
from pypedream.worker.params import decode_airflow_params
from pypedream.worker.readiness import check_readiness
from pypedream.worker.value_codec import UntrustedValueError, from_tree

__all__ = ["ParityCase", "ParityReport", "RunParity", "StageParity", "run_parity"]

_STATUS: dict[str | None, str] = {"success": "succeeded", None: "not run"}


@dataclass(frozen=True)
class ParityCase:
    """One pipeline (a Pipeline or 'module:attr') and the parameters to run it with."""

    target: Pipeline | str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class _Prepared:
    pipeline: Pipeline
    reference: str
    conf: dict[str, Any]
    logical_date: dt.datetime
    dag_id: str = ""


def run_parity(
    cases: Pipeline | str | ParityCase | Iterable[Pipeline | str | ParityCase | tuple[Any, Any]],
    *,
    airflow_python: str | os.PathLike[str] | None = None,
    keep: bool = False,
    rtol: float = 0.0,
    atol: float = 0.0,
    mode: str = PROCESS_PER_TASK,
    airflow: LiveAirflow | None = None,
    progress: Callable[[str], None] | None = None,
    quiet: bool = False,
    log_level: str | None = None,
) -> ParityReport:
    """Run every case in Airflow, then natively, and compare them stage by stage.

    `cases`: one target, or several targets, `ParityCase`s or `(target, params)` pairs.
    `airflow_python`: a Python with Airflow installed (default: this interpreter).
    `keep`: keep the Airflow home (DAG files, airflow.db, logs); its path is in the report.
    With a live `airflow`, keep the DAG files in its DAGs folder (else removed after the run).
    `mode`: "process-per-task" (default) runs every Airflow task in a fresh process that has
    not imported the pipeline, as production executors do; "single-process" runs them all in
    one process (plain `dag.test()`: faster, but blind to state shared across tasks).
    `airflow`: a live Airflow 3 (e.g. CeleryExecutor + PostgreSQL) to run on instead of the
    embedded one: the DAG files go into its DAGs folder, runs are triggered and read over REST.
    Raises ParameterError for bad parameters, ParityError when the comparison cannot be made
    (AirflowMissingError when there is no Airflow); differences are reported, not raised.
    `progress` receives a line at each step (the CLI shows it with the elapsed time).
    `quiet` turns the native runs' console log off, `log_level` sets its level (as
    `pypedream run --quiet / --log-level`); their log files are unchanged.
    """
    if rtol < 0 or atol < 0:
        raise ValueError(f"tolerances must be >= 0, got rtol={rtol!r}, atol={atol!r}")
    python = Path(airflow_python) if airflow_python is not None else Path(sys.executable)
    if airflow is not None:
        mode = "live"
    elif airflow_python is None and airflow_version() is None:
        raise AirflowMissingError(
            'parity needs Apache Airflow: pip install "pypedream[airflow]" '
            "(or pass airflow_python= a Python that has it)"
        )
    prepared = _prepare(_as_cases(cases))
    if quiet or log_level is not None:
        for case in prepared:
            settings = case.pipeline.log_settings
            if settings is not None:
                console = settings.for_console(quiet=quiet, level=log_level)
                case.pipeline = case.pipeline.with_log_settings(console)
    work = Path(tempfile.mkdtemp(prefix="pypedream-parity-"))
    try:
        if progress is not None:
            runs_text = "1 DAG run" if len(prepared) == 1 else f"{len(prepared)} DAG runs"
            where = airflow.url if airflow is not None else f"{python}, {mode}"
            progress(f"parity: exporting and running {runs_text} in Airflow ({where})")
        batch, airflow_seconds = _run_airflow(prepared, python, work, keep, mode, airflow)
        if progress is not None:
            progress(f"parity: Airflow took {airflow_seconds:.1f}s; running natively and comparing")
        native_start = time.perf_counter()
        runs = tuple(
            _compare_run(case, batch.runs[i], batch.max_map_length, keep, rtol, atol)
            for i, case in enumerate(prepared)
        )
        native_seconds = time.perf_counter() - native_start
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return ParityReport(
        airflow_version=batch.airflow_version,
        airflow_python=str(python) if airflow is None else airflow.url,
        airflow_home=batch.airflow_home if keep else None,
        rtol=rtol,
        atol=atol,
        runs=runs,
        airflow_seconds=airflow_seconds,
        native_seconds=native_seconds,
        mode=mode,
    )


def _as_cases(cases: Any) -> list[ParityCase]:
    if isinstance(cases, (Pipeline, str, ParityCase)):
        cases = [cases]
    found = []
    for item in cases:
        if isinstance(item, ParityCase):
            found.append(item)
        elif isinstance(item, (Pipeline, str)):
            found.append(ParityCase(item))
        elif isinstance(item, tuple) and len(item) == 2:
            found.append(ParityCase(item[0], dict(item[1] or {})))
        else:
            raise TypeError(
                f"parity case {item!r}: expected a Pipeline, 'module:attr', ParityCase or "
                "(target, params)"
            )
    if not found:
        raise ValueError("run_parity needs at least one pipeline")
    return found


def _prepare(cases: Sequence[ParityCase]) -> list[_Prepared]:
    """Resolve targets, check parameters, and give each run its conf and logical date."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    prepared = []
    for index, case in enumerate(cases):
        try:
            pipeline, reference = resolve_target(case.target)
        except ExportError as problem:
            raise ParityError(str(problem)) from problem
        pipeline.parameters.resolve(case.params, pipeline.name)  # ParameterError: nothing ran
        conf = _conf(pipeline, case.params)
        # Distinct and in the past: Airflow 2 refuses two runs of a DAG at one logical date.
        logical_date = now - dt.timedelta(seconds=len(cases) - index)
        prepared.append(_Prepared(pipeline, reference, conf, logical_date))
    return prepared


def _conf(pipeline: Pipeline, params: Mapping[str, Any]) -> dict[str, Any]:
    """The run conf Airflow gets: JSON data, dates as ISO strings."""
    conf = {}
    for name, value in params.items():
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as problem:
            raise ParityError(
                f"parameter {name!r} of pipeline {pipeline.name!r}: {type(value).__name__} "
                f"cannot be passed to Airflow as run conf (JSON): {problem}; pass plain JSON data"
            ) from None
        conf[name] = value
    return conf


def _native_params(pipeline: Pipeline, conf: Mapping[str, Any]) -> dict[str, Any]:
    """The conf as the Airflow task reads it back (dates from ISO, with airflow_task's
    parser), for the native run."""
    return {**conf, **decode_airflow_params(pipeline.parameters, conf)}


def _run_airflow(
    prepared: list[_Prepared],
    python: Path,
    work: Path,
    keep: bool,
    mode: str,
    airflow: LiveAirflow | None,
) -> tuple[BatchReport, float]:
    """Export every distinct pipeline, then run every case in one Airflow batch."""
    references = list(dict.fromkeys(case.reference for case in prepared))
    try:
        results = export_airflow(references, work / "exported")
    except ExportError as problem:
        raise ParityError(f"cannot export for the parity run: {problem}") from problem
    dag_ids = dict(zip(references, (r.dag_id for r in results), strict=True))
    for case in prepared:
        case.dag_id = dag_ids[case.reference]
    requests = [DagRunRequest(c.dag_id, c.conf, c.logical_date) for c in prepared]
    start = time.perf_counter()
    try:
        if airflow is not None:  # a live Airflow: its DAGs folder, its executor, over REST
            batch = airflow.run(requests, [r.path for r in results], keep=keep)
        else:
            batch = run_in_environment(
                python,
                requests,
                dags_dir_files=[r.path for r in results],
                airflow_home=work / "airflow" if keep else None,
                keep_home=keep,
                env=_import_path_env(),
                mode=mode,
            )
    except AirflowRunnerError as problem:
        if "has no Apache Airflow installed" in str(problem):
            raise AirflowMissingError(str(problem)) from problem
        raise ParityError(f"the Airflow run failed: {problem}") from problem
    seconds = time.perf_counter() - start
    for result in results:
        if result.path.name in batch.import_errors:
            error = batch.import_errors[result.path.name]
            raise ParityError(
                f"Airflow {batch.airflow_version} cannot import {result.path}: {error}"
            )
    return batch, seconds


def _import_path_env() -> dict[str, str]:
    """PYTHONPATH for the Airflow process: this process's own import directories (not its
    site-packages or standard library), so it imports the same pipeline modules."""
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    entries = []
    for entry in sys.path:
        path = Path(entry or os.getcwd()).resolve()
        if not path.is_dir() or "site-packages" in path.parts or "dist-packages" in path.parts:
            continue
        if any(path == p or p in path.parents for p in prefixes):
            continue
        entries.append(str(path))
    if os.environ.get("PYTHONPATH"):
        entries.append(os.environ["PYTHONPATH"])
    return {"PYTHONPATH": os.pathsep.join(dict.fromkeys(entries))}


def _compare_run(
    case: _Prepared,
    run: DagRunReport,
    max_map_length: int,
    keep: bool,
    rtol: float,
    atol: float,
) -> RunParity:
    pipeline = case.pipeline
    native = pipeline.run(
        _native_params(pipeline, case.conf),
        run_id=run.run_id,
        logical_date=case.logical_date,
        raise_on_failure=False,
        max_map_length=max_map_length,  # as the Airflow that ran it is configured
    )
    readiness = check_readiness(native, pipeline)
    variables = None
    if run.error is not None:
        rows: tuple[StageParity, ...] = ()
    else:
        allow = pipeline_allowlist(pipeline)
        rows = _with_hints(
            pipeline,
            tuple(
                _compare_stage(key, pipeline, native, run, rtol, atol, allow)
                for key in native.stages
            ),
        )
        variables = _compare_variables(pipeline, native, run, allow)
    return RunParity(
        pipeline=pipeline.name,
        reference=case.reference,
        dag_id=case.dag_id,
        params=case.conf,
        run_id=native.run_id,
        logical_date=case.logical_date.isoformat(),
        airflow_state=run.state,
        error=None if run.error is None else f"Airflow refused the run: {run.error}",
        stages=rows,
        readiness=readiness,
        airflow_log=run.log_path if keep else None,
        variables=variables,
    )


def _compare_stage(
    key: str,
    pipeline: Pipeline,
    native: RunResult,
    run: DagRunReport,
    rtol: float,
    atol: float,
    allow: TypeAllowlist,
) -> StageParity:
    stage = pipeline.graph.stages[key]
    task_id = airflow_id(key) if stage.group is None else f"{stage.group}.{airflow_id(key)}"
    mine = native.stages[key]
    if stage.map_over:
        return _compare_mapped(key, task_id, mine, run, rtol, atol, allow)
    try:
        task: TaskReport | None = run.task(task_id)
    except KeyError:
        task = None
    state = (task.state or "not run") if task is not None else "missing"
    theirs = _STATUS.get(state, state)
    errors = (_exception(mine), task.exception if task and state == "failed" else None)
    row = StageParity(key, task_id, mine.status.value, theirs, "-", None, *errors)
    if row.native != row.airflow:
        return replace(row, difference=_status_difference(row))
    if mine.status.value == "failed" and _bare(errors[0]) != _bare(errors[1]):
        return replace(row, difference=f"error: {errors[0]!r} vs {errors[1]!r}")
    ran = mine.status.value in ("succeeded", "failed")
    if task is not None and ran and mine.attempts != task.try_number:
        return replace(
            row, difference=f"attempts: {mine.attempts} natively vs {task.try_number} in Airflow"
        )
    if mine.status.value == "skipped" and task is not None and not _upstream_reason(mine):
        theirs_reason = skip_reason(task.log or "")
        if theirs_reason is not None and theirs_reason != mine.reason:
            return replace(
                row, difference=f"skip reason: {mine.reason!r} vs {theirs_reason!r} in Airflow"
            )
    if not mine.ok:
        return row
    assert task is not None
    outputs, problem = _airflow_outputs(task, allow)
    if outputs is None:
        return replace(row, outputs="differ", difference=problem)
    verdict, difference = _compare_outputs(key, dict(mine.outputs), outputs, rtol, atol)
    return replace(row, outputs=verdict, difference=difference)


def _compare_mapped(
    key: str,
    task_id: str,
    mine: StageResult,
    run: DagRunReport,
    rtol: float,
    atol: float,
    allow: TypeAllowlist,
) -> StageParity:
    """A mapped stage against its task instances: failed when one failed, skipped when all
    were, the list of the succeeded instances' values (an empty map has one placeholder)."""
    instances = sorted((t for t in run.tasks if t.task_id == task_id), key=lambda t: t.map_index)
    states = [t.state or "none" for t in instances]
    if not instances:
        state = "missing"
    elif instances[0].map_index < 0 or "failed" in states:
        state = "failed" if "failed" in states else states[0]
    else:
        state = "skipped" if set(states) == {"skipped"} else "success"
    failed = next((t for t in instances if t.state == "failed"), None)
    errors = (_exception(mine), failed.exception if failed is not None else None)
    row = StageParity(
        key, task_id, mine.status.value, _STATUS.get(state, state), "-", None, *errors
    )
    if row.native != row.airflow:
        return replace(row, difference=_status_difference(row))
    if mine.instances is None:
        return row
    values = []
    for task in instances:
        outputs, _ = _airflow_outputs(task, allow)
        if outputs is not None and "return" in outputs:
            values.append(outputs["return"])
    verdict, difference = _compare_outputs(key, dict(mine.outputs), {"return": values}, rtol, atol)
    return replace(row, outputs=verdict, difference=difference)


_HINT = (
    "; its declared inputs are equal on both sides, so a value reached stage {key!r} outside "
    "them (a module-level global, a file, an environment variable or Airflow's own XCom?): in "
    "Airflow every task starts in a fresh process, so pass it as an output instead"
)


def _with_hints(pipeline: Pipeline, rows: tuple[StageParity, ...]) -> tuple[StageParity, ...]:
    """Add the side-channel hint to stages that differ although all their inputs were equal."""
    by_stage = {row.stage: row for row in rows}
    upstream = pipeline.graph.upstream
    hinted = []
    for row in rows:
        inputs_equal = all(
            by_stage[parent].equal and by_stage[parent].native == "succeeded"
            for parent in upstream[row.stage]
            if parent in by_stage
        )
        differs = row.outputs == "differ" or (
            row.native != row.airflow and row.native_error is None
        )
        if differs and inputs_equal and upstream[row.stage] and row.difference:
            row = replace(row, difference=row.difference + _HINT.format(key=row.stage))
        hinted.append(row)
    return tuple(hinted)


def _upstream_reason(result: StageResult) -> bool:
    return (result.reason or "").startswith("upstream ")


def _compare_variables(
    pipeline: Pipeline, native: RunResult, run: DagRunReport, allow: TypeAllowlist
) -> str | None:
    """The run's final variables on both sides, or None when they are equal."""
    latest: dict[str, list[Any]] = {}
    for task in run.tasks:
        entry = next((x for x in task.xcoms if x.key == ENVELOPE_KEY), None)
        if entry is None or not isinstance(entry.value, str):
            continue
        for name, write in read_envelope(entry.value).get("variables", {}).items():
            if name not in latest or write[0] > latest[name][0]:
                latest[name] = write
    try:
        theirs = apply_writes(
            pipeline.variables,
            [
                (w[0], {name: DELETED if len(w) == 1 else from_tree(w[1], allow)})
                for name, w in latest.items()
            ],
        )
    except UntrustedValueError as problem:
        return f"final variables: cannot read Airflow's: {problem}"
    mine = dict(native.variables)
    if list(mine) != list(theirs) and set(mine) != set(theirs):
        return f"final variables: names {sorted(mine)!r} natively vs {sorted(theirs)!r} in Airflow"
    for name in mine:
        found = first_difference(mine[name], theirs[name])
        if found is not None:
            return f"final variable {name!r}: {found.removeprefix('value: ')}"
    return None


def _bare(error: str | None) -> str | None:
    """The error without its type's module (`pkg.mod.Error: x` -> `Error: x`): a task run in a
    child process logs only the class name."""
    return None if error is None else re.sub(r"^[\w.]+\.(\w+(?::|$))", r"\1", error)


def _exception(result: StageResult) -> str | None:
    if result.error is None:
        return None
    return "".join(traceback.format_exception_only(result.error)).strip()


def _status_difference(row: StageParity) -> str:
    text = f"status: {row.native} natively vs {row.airflow} in Airflow"
    if row.native_error:
        text += f"; native error: {row.native_error}"
    if row.airflow_error:
        text += f"; Airflow error: {row.airflow_error}"
    return text


def _airflow_outputs(task: TaskReport, allow: TypeAllowlist) -> tuple[dict[str, Any] | None, str]:
    """The outputs the Airflow task handed on (its pypedream XCom), or why there are none."""
    entry = next((x for x in task.xcoms if x.key == ENVELOPE_KEY), None)
    if entry is None:
        return None, f"the Airflow task stored no {ENVELOPE_KEY!r} XCom"
    if entry.error is not None or not isinstance(entry.value, str):
        return None, f"cannot read the Airflow task's {ENVELOPE_KEY!r} XCom: {entry.error}"
    try:
        return envelope_outputs(entry.value, allow), ""
    except UntrustedValueError as problem:
        return None, f"cannot read the Airflow task's {ENVELOPE_KEY!r} XCom: {problem}"


def _compare_outputs(
    key: str, native: dict[str, Any], airflow: dict[str, Any], rtol: float, atol: float
) -> tuple[str, str | None]:
    """("equal" | "within tolerance" | "differ", the first difference)."""
    if list(native) != list(airflow):
        return "differ", f"stage {key!r} outputs: {list(native)!r} vs {list(airflow)!r}"
    for name in native:
        found = first_difference(native[name], airflow[name])
        if found is None:
            continue
        where = f"stage {key!r} output {name!r}: {found.removeprefix('value: ')}"
        if (rtol or atol) and not _any_difference(native, airflow, rtol, atol):
            return "within tolerance", f"{where} (within rtol={rtol:g}, atol={atol:g})"
        return "differ", where
    return "equal", None


def _any_difference(
    native: dict[str, Any], airflow: dict[str, Any], rtol: float, atol: float
) -> bool:
    return any(
        first_difference(native[name], airflow[name], rtol=rtol, atol=atol) for name in native
    )
