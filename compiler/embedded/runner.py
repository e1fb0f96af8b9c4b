"""Run DAG files in a real, embedded Airflow (no server) and report each task's state and XComs.

Works on Airflow 2.11 and 3.x. Three ways in:

- ``run_dag_files()``: in this process. Airflow is configured once per process (its settings are
  read at import), so the first call fixes the Airflow home; later calls reuse it.
- ``run_in_environment()``: in another Python environment, through the CLI below.
- ``python -m pypedream_compiler.embedded.runner``: reads a request as JSON on stdin, writes one
  ``BatchReport`` as JSON on stdout; Airflow's own output goes to stderr. Exit codes: 0 report
  written (runs may still have failed), 1 runner error, 2 bad request, 3 no Airflow here.

XCom values cross the process boundary as base64 pickles, so types survive exactly.

This module and the ones it uses import the standard library only (Airflow lazily), as they
run in Airflow environments without Jinja2 or libcst: ``airflow_reports`` (report types, JSON
transport), ``airflow_home`` (the installation, the private home), ``airflow_dagrun`` (run one
request, read it back), ``airflow_logs`` (Airflow's output).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from pypedream_compiler.embedded.dagrun import dag_structure, parse_dags, run_one
from pypedream_compiler.embedded.home import (
    airflow_major,
    airflow_version,
    configure_process,
    copy_dag_files,
)
from pypedream_compiler.embedded.logs import last_exception
from pypedream_compiler.embedded.reports import (
    AirflowRunnerError,
    BatchReport,
    DagRunReport,
    DagRunRequest,
    TaskReport,
    XComEntry,
    request_from_data,
    request_to_data,
)

__all__ = [
    "MODES",
    "PROCESS_PER_TASK",
    "SINGLE_PROCESS",
    "AirflowRunnerError",
    "BatchReport",
    "DagRunReport",
    "DagRunRequest",
    "TaskReport",
    "XComEntry",
    "airflow_major",
    "airflow_version",
    "last_exception",
    "run_dag_files",
    "run_in_environment",
]

MODULE = "pypedream_compiler.embedded.runner"
PROCESS_PER_TASK = "process-per-task"
SINGLE_PROCESS = "single-process"
MODES = (PROCESS_PER_TASK, SINGLE_PROCESS)
_EXIT_RUNNER_ERROR = 1
_EXIT_BAD_REQUEST = 2
_EXIT_NO_AIRFLOW = 3


def run_dag_files(
    requests: Sequence[DagRunRequest],
    *,
    dags_dir_files: Sequence[Path],
    airflow_home: Path | None = None,
    keep_home: bool = False,
    mode: str = PROCESS_PER_TASK,
) -> BatchReport:
    """Copy the DAG files into an Airflow home, run every request in order, and report.

    ``mode``: "process-per-task" (default) runs each task instance in a fresh child process,
    as production executors do; "single-process" runs them all in this one (plain
    ``dag.test()``: faster, but blind to state shared across tasks).

    A temporary home is removed at process exit unless ``keep_home``; a given one is kept.
    Later calls in the same process reuse the first call's home (Airflow reads it once).
    """
    version = airflow_version()
    if version is None:
        raise AirflowRunnerError(f"no Apache Airflow installed for {sys.executable}")
    _check_mode(mode)
    home = configure_process(airflow_home, keep_home, version)
    dags_dir = home / "dags"
    copy_dag_files(dags_dir_files, dags_dir, clear=airflow_home is None)
    major = int(version.split(".")[0])
    bag = parse_dags(dags_dir, major)
    import_errors = {Path(f).name: str(e) for f, e in bag.import_errors.items()}
    structure = {dag_id: dag_structure(dag) for dag_id, dag in sorted(bag.dags.items())}
    logs_dir = home / "logs" / "pypedream"
    logs_dir.mkdir(parents=True, exist_ok=True)
    runs = []
    for i, request in enumerate(requests):
        # A fresh parse per run: dag.test() leaves a run's conf in the DAG object's params,
        # which would leak into the next run of the same DAG in this process.
        dags = bag.dags if i == 0 else parse_dags(dags_dir, major).dags
        log_path = logs_dir / f"{i:03d}-{request.dag_id}.log"
        per_task = mode == PROCESS_PER_TASK
        runs.append(run_one(dags, request, major, log_path, import_errors, per_task))
    return BatchReport(
        version, str(home), import_errors, tuple(runs), structure, mode, _max_map_length()
    )


def _max_map_length() -> int:
    """This Airflow's `[core] max_map_length` (the native side of a parity run uses it too)."""
    from airflow.configuration import conf

    return int(conf.getint("core", "max_map_length", fallback=1024))  # 1024: Airflow's default


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise AirflowRunnerError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")


def run_in_environment(
    python: Path,
    requests: Sequence[DagRunRequest],
    *,
    dags_dir_files: Sequence[Path],
    airflow_home: Path | None = None,
    keep_home: bool = False,
    timeout: float | None = 900,
    env: dict[str, str] | None = None,
    mode: str = PROCESS_PER_TASK,
) -> BatchReport:
    """Run the batch with another Python's Airflow (``<python> -m pypedream_compiler...``).

    ``env`` adds to (or overrides) this process's environment for the subprocess.
    """
    if not Path(python).is_file():
        raise AirflowRunnerError(f"Python interpreter '{python}' does not exist")
    _check_mode(mode)
    request = {
        "mode": mode,
        "dags_dir_files": [str(Path(f).resolve()) for f in dags_dir_files],
        "runs": [request_to_data(r) for r in requests],
        "airflow_home": str(Path(airflow_home).resolve()) if airflow_home else None,
        "keep_home": keep_home,
    }
    try:
        proc = subprocess.run(
            [str(python), "-m", MODULE],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, **env} if env else None,
        )
    except subprocess.TimeoutExpired as exc:
        raise AirflowRunnerError(f"'{python} -m {MODULE}' ran over {timeout} s") from exc
    tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
    if proc.returncode != 0:
        if "_get_module_details" in proc.stderr or "finding module spec" in proc.stderr:
            cause = proc.stderr.strip().splitlines()[-1]
            raise AirflowRunnerError(
                f"'{python}' cannot import {MODULE} ({cause}); install pypedream and its "
                f"dependencies there, e.g. `{python} -m pip install 'pypedream[airflow]'`"
            )
        if proc.returncode == _EXIT_NO_AIRFLOW:
            raise AirflowRunnerError(f"'{python}' has no Apache Airflow installed; install it")
        raise AirflowRunnerError(f"'{python} -m {MODULE}' exited {proc.returncode}:\n{tail}")
    try:
        return BatchReport.from_json(proc.stdout)
    except (ValueError, KeyError, TypeError) as exc:
        raise AirflowRunnerError(
            f"'{python} -m {MODULE}' wrote no valid report on stdout ({exc}); "
            f"stdout starts {proc.stdout[:200]!r}; stderr ends:\n{tail}"
        ) from exc


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: JSON request on stdin, JSON ``BatchReport`` on stdout."""
    argparse.ArgumentParser(
        prog=f"python -m {MODULE}",
        description='Reads {"dags_dir_files": [...], "runs": [{"dag_id", "conf", '
        '"logical_date"}], "airflow_home": null, "keep_home": false, '
        '"mode": "process-per-task" | "single-process"} on stdin.',
    ).parse_args(argv)
    report_out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # Airflow's chatter goes to stderr
    if airflow_version() is None:
        print(f"Error: no Apache Airflow installed for {sys.executable}", file=sys.stderr)
        return _EXIT_NO_AIRFLOW
    try:
        data = json.loads(sys.stdin.read())
        requests = [request_from_data(r) for r in data["runs"]]
        files = [Path(f) for f in data["dags_dir_files"]]
        home = Path(data["airflow_home"]) if data.get("airflow_home") else None
        keep_home = bool(data.get("keep_home", False))
        mode = str(data.get("mode", PROCESS_PER_TASK))
    except (ValueError, KeyError, TypeError) as exc:
        print(f"Error: invalid request on stdin: {exc!r}", file=sys.stderr)
        return _EXIT_BAD_REQUEST
    try:
        report = run_dag_files(
            requests, dags_dir_files=files, airflow_home=home, keep_home=keep_home, mode=mode
        )
    except AirflowRunnerError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return _EXIT_RUNNER_ERROR
    with report_out:
        report_out.write(report.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
