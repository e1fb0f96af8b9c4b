"""Parse the DAG files, run one request with ``dag.test()``, and read its outcome back.

Airflow is imported inside the functions, once the home is configured; otherwise standard
library only, as the runner imports this inside Airflow environments.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import time
from datetime import timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pypedream_compiler.embedded.logs import output_to, split_task_logs
from pypedream_compiler.embedded.pertask import tasks_in_child_processes
from pypedream_compiler.embedded.reports import DagRunReport, DagRunRequest, TaskReport, XComEntry

__all__ = ["dag_structure", "parse_dags", "read_run", "run_one"]


def dag_structure(dag: Any) -> dict[str, Any]:
    """What a parsed DAG declares: each task's upstream task ids and retries, param defaults."""
    tasks = {
        task.task_id: {"upstream": sorted(task.upstream_task_ids), "retries": task.retries}
        for task in dag.tasks
    }
    params = {name: dag.params.get_param(name).value for name in dag.params}
    return {"tasks": tasks, "params": json.loads(json.dumps(params, default=str))}


def parse_dags(dags_dir: Path, major: int) -> Any:
    """Parse every DAG file in ``dags_dir`` into a fresh ``DagBag``."""
    if major >= 3:
        from airflow.dag_processing.dagbag import DagBag

        return DagBag(dag_folder=str(dags_dir))
    from airflow.models.dagbag import DagBag

    return DagBag(dag_folder=str(dags_dir), include_examples=False)


def run_one(
    dags: dict[str, Any],
    request: DagRunRequest,
    major: int,
    log_path: Path,
    import_errors: dict[str, str],
    per_task: bool = True,
) -> DagRunReport:
    """Run one request with ``dag.test()``; any exception becomes the report's error.

    ``per_task``: every task instance in its own child process (see ``pertask``); else all
    of them in this process, as plain ``dag.test()`` does.
    """
    conf = dict(request.conf)
    dag = dags.get(request.dag_id)
    if dag is None:
        found = ", ".join(sorted(dags)) or "none"
        broken = f"; files with import errors: {', '.join(import_errors)}" if import_errors else ""
        error = f"no DAG '{request.dag_id}' in the DAG files (found: {found}){broken}"
        return DagRunReport(request.dag_id, conf, None, None, error, 0.0)
    kwargs: dict[str, Any] = {"run_conf": conf}
    if request.logical_date is not None:
        date = request.logical_date
        date = date if date.tzinfo else date.replace(tzinfo=timezone.utc)
        kwargs["logical_date" if major >= 3 else "execution_date"] = date
    start = time.perf_counter()
    try:
        isolation = tasks_in_child_processes(major) if per_task else contextlib.nullcontext()
        with output_to(log_path), isolation:
            run_id = dag.test(**kwargs).run_id
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - start
        return DagRunReport(request.dag_id, conf, None, None, error, seconds, (), str(log_path))
    seconds = time.perf_counter() - start
    logs = split_task_logs(log_path.read_text(encoding="utf-8", errors="replace"))
    state, tasks = read_run(request.dag_id, run_id, major, logs)
    return DagRunReport(request.dag_id, conf, run_id, state, None, seconds, tasks, str(log_path))


def read_run(
    dag_id: str, run_id: str, major: int, logs: dict[tuple[str, int], str]
) -> tuple[str | None, tuple[TaskReport, ...]]:
    """Read the run state, every task instance, and every XCom row back from the DB."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    if major >= 3:
        from airflow.models.xcom import XComModel as XCom
    else:
        from airflow.models.xcom import XCom

    ti, run = TaskInstance, (dag_id, run_id)
    with create_session() as session:
        state = session.scalar(
            select(DagRun.state).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        )
        tis = session.execute(
            select(ti.task_id, ti.map_index, ti.state, ti.try_number, ti.rendered_map_index)
            .where(ti.dag_id == run[0], ti.run_id == run[1])
            .order_by(ti.task_id, ti.map_index)
        ).all()
        rows = session.execute(
            select(XCom.task_id, XCom.map_index, XCom.key, XCom.value)
            .where(XCom.dag_id == run[0], XCom.run_id == run[1])
            .order_by(XCom.task_id, XCom.map_index, XCom.key)
        ).all()
    xcoms: dict[tuple[str, int], list[XComEntry]] = {}
    for task_id, map_index, key, raw in rows:
        xcoms.setdefault((task_id, map_index), []).append(_decode(key, map_index, raw, major))
    tasks = tuple(
        TaskReport(
            task_id,
            map_index,
            _state_name(ti_state),
            try_number,
            tuple(xcoms.get((task_id, map_index), ())),
            logs.get((task_id, map_index)),
            label,
        )
        for task_id, map_index, ti_state, try_number, label in tis
    )
    return _state_name(state), tasks


def _decode(key: str, map_index: int, raw: Any, major: int) -> XComEntry:
    """Decode a raw XCom column exactly as a downstream task would receive it."""
    if major >= 3:
        raw_text = json.dumps(raw)
    else:
        raw_text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else repr(raw)
    try:
        if major >= 3:
            from airflow.sdk.serde import deserialize

            value = deserialize(json.loads(raw_text))
        else:
            from airflow.models.xcom import XCom

            value = XCom.deserialize_value(SimpleNamespace(value=raw))
        pickle.dumps(value, protocol=5)  # fail here, not in to_json()
    except Exception as exc:
        return XComEntry(key, map_index, None, raw_text, f"{type(exc).__name__}: {exc}")
    return XComEntry(key, map_index, value, raw_text)


def _state_name(state: Any) -> str | None:
    return None if state is None else str(getattr(state, "value", state))
