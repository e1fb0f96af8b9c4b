"""Process-per-task: run every task instance of a ``dag.test()`` run in a fresh child process.

``dag.test()`` runs all tasks of a run in its own process, so a value one task leaves in a
module global is seen by the next: no production executor does that. Here each task instance
is handed to Airflow's own task supervisor (``supervise_task``, what the Local, Celery and
Kubernetes executors' workers call), which forks a child that parses the DAG file and runs the
task, talking to the metadata DB through the supervisor. The runner process itself never runs
a task, so no child inherits a pipeline module imported by an earlier task.

Airflow 3: ``supervise_task`` with the in-process Execution API client (no server needed).
Airflow 2.11 (no task supervisor): ``ti._run_raw_task()``, what ``airflow tasks run --raw``
calls, in a child forked from the runner process, which has not run any task.

Standard library only at import time (Airflow is imported inside the functions).
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator
from typing import Any

__all__ = ["tasks_in_child_processes"]


# States a task is left in when its child died before Airflow recorded an outcome.
_STILL_STARTING = frozenset({"None", "scheduled", "queued", "running"})


def _say(text: str) -> None:
    print(text, flush=True)


def _run_task_airflow3(*, ti: Any, task: Any, run_triggerer: bool = False) -> None:
    """Drop-in for ``airflow.sdk.definitions.dag._run_task``: the task runs in a child."""
    from airflow.executors import workloads
    from airflow.executors.workloads import BundleInfo
    from airflow.sdk.execution_time.supervisor import InProcessTestSupervisor, supervise_task
    from airflow.utils.state import TaskInstanceState

    _say(f"[DAG TEST] starting task_id={ti.task_id} map_index={ti.map_index}")
    try:
        ti.set_state(TaskInstanceState.QUEUED)
        workload = workloads.ExecuteTask.make(
            ti, dag_rel_path=task.dag.fileloc, bundle_info=BundleInfo(name="dags-folder")
        )
        client = InProcessTestSupervisor._api_client(task.dag)
        supervise_task(
            ti=workload.ti,  # the workload's DTO, as executors pass it
            bundle_info=workload.bundle_info,
            dag_rel_path=workload.dag_rel_path,
            token="",
            client=client,
            subprocess_logs_to_stdout=True,
        )
    except Exception:
        traceback.print_exc(file=sys.stdout)
        ti.refresh_from_db()
        if ti.state not in (TaskInstanceState.SUCCESS, TaskInstanceState.FAILED):
            ti.set_state(TaskInstanceState.FAILED)
    _say(f"[DAG TEST] end task task_id={ti.task_id} map_index={ti.map_index}")


def _run_task_airflow2(*, ti: Any, session: Any, **_: Any) -> None:
    """Drop-in for Airflow 2's ``_run_task``: ``ti._run_raw_task`` in a forked child."""
    _say(f"[DAG TEST] starting task_id={ti.task_id} map_index={ti.map_index}")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: a fresh process for this task alone
        code = 0
        try:
            from airflow import settings
            from airflow.models.taskinstance import TaskInstance

            with contextlib.suppress(ImportError):  # its tables are FK targets of the TI's note
                import airflow.providers.fab.auth_manager.models  # noqa: F401

            engine: Any = settings.engine
            engine.dispose(close=False)  # never share the parent's DB connections
            own = settings.Session()
            fresh = (
                own.query(TaskInstance)
                .filter_by(
                    dag_id=ti.dag_id, task_id=ti.task_id, run_id=ti.run_id, map_index=ti.map_index
                )
                .one()
            )
            fresh.task = ti.task
            fresh._run_raw_task(session=own)
            own.commit()
        except BaseException:
            traceback.print_exc(file=sys.stdout)
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _child, exit_status = os.waitpid(pid, 0)
    session.expire_all()
    ti.refresh_from_db(session=session)
    state = str(getattr(ti.state, "value", ti.state))
    if os.waitstatus_to_exitcode(exit_status) != 0 and state in _STILL_STARTING:
        from airflow.utils.state import TaskInstanceState

        ti.set_state(TaskInstanceState.FAILED, session=session)  # never loop on a dead child
    _say(f"[DAG TEST] end task task_id={ti.task_id} map_index={ti.map_index}")


@contextlib.contextmanager
def tasks_in_child_processes(major: int) -> Iterator[None]:
    """While active, ``dag.test()`` runs each task instance in its own child process."""
    if major >= 3:
        import airflow.sdk.definitions.dag as module

        replacement: Any = _run_task_airflow3
    else:
        import airflow.models.dag as module

        replacement = _run_task_airflow2
    original = module._run_task
    module._run_task = replacement
    try:
        yield
    finally:
        module._run_task = original
