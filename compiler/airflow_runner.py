"""Run DAG files in a real, embedded Airflow (no server) and report each task's state and XComs.

Works on Airflow 2.11 and 3.x. Three ways in:

- ``run_dag_files()``: in this process. Airflow is configured once per process (its settings are
  read at import), so the first call fixes the Airflow home; later calls reuse it.
- ``run_in_environment()``: in another Python environment, through the CLI below.
- ``python -m pypedream_compiler.airflow_runner``: reads a request as JSON on stdin, writes one
  ``BatchReport`` as JSON on stdout; Airflow's own output goes to stderr. Exit codes: 0 report
  written (runs may still have failed), 1 runner error, 2 bad request, 3 no Airflow here.

XCom values cross the process boundary as base64 pickles, so types survive exactly.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import fcntl
import importlib.metadata
import importlib.util
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

__all__ = [
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

MODULE = "pypedream_compiler.airflow_runner"
_EXIT_RUNNER_ERROR = 1
_EXIT_BAD_REQUEST = 2
_EXIT_NO_AIRFLOW = 3
# `dag.test()` brackets every task with these lines, on 2.11 and 3.x alike.
_TASK_START = re.compile(r"\[DAG TEST\] starting task_id=(\S+) map_index=(-?\d+)")
_TASK_END = re.compile(r"\[DAG TEST\] end task task_id=\S+ map_index=-?\d+")
# Where Airflow's log lines start: "2026-11-25T14:42:25.04Z [error" (3.x), "[2026-11-25T" (2.x).
_LOG_LINE = re.compile(r"^\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
_process_home: Path | None = None


class AirflowRunnerError(RuntimeError):
    """The runner could not run the batch at all (per-run failures are reported instead)."""


@dataclass(frozen=True)
class DagRunRequest:
    """One ``dag.test()`` run: which DAG, its ``run_conf``, and optionally its logical date."""

    dag_id: str
    conf: dict[str, Any] = field(default_factory=dict)
    logical_date: datetime | None = None  # None: Airflow's default, now


@dataclass(frozen=True)
class XComEntry:
    """One stored XCom row: the decoded value and the stored form it came from."""

    key: str
    map_index: int
    value: Any
    raw: str  # as stored: JSON text (3.x) or the bytes decoded as UTF-8 (2.x)
    error: str | None = None  # set when the value could not be decoded or unpickled

    def to_data(self) -> dict[str, Any]:
        """Return a JSON-ready dict; the value travels as a base64 pickle."""
        return {
            "key": self.key,
            "map_index": self.map_index,
            "value": base64.b64encode(pickle.dumps(self.value, protocol=5)).decode("ascii"),
            "raw": self.raw,
            "error": self.error,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> XComEntry:
        """Rebuild from ``to_data()``; an unpicklable value becomes ``None`` with an error."""
        error = data["error"]
        try:
            value = pickle.loads(base64.b64decode(data["value"]))
        except Exception as exc:
            value, error = None, f"cannot unpickle in this environment: {exc!r}"
        return cls(data["key"], data["map_index"], value, data["raw"], error)


@dataclass(frozen=True)
class TaskReport:
    """One task instance after the run (mapped tasks give one report per ``map_index``)."""

    task_id: str
    map_index: int
    state: str | None
    try_number: int
    xcoms: tuple[XComEntry, ...] = ()
    log: str | None = None  # this task's part of Airflow's output, when it could be cut out

    def xcom(self, key: str = "return_value") -> Any:
        """Return the decoded XCom ``key``; raise ``KeyError`` if the task stored none."""
        for entry in self.xcoms:
            if entry.key == key:
                return entry.value
        raise KeyError(f"task '{self.task_id}' stored no XCom '{key}'")

    @property
    def exception(self) -> str | None:
        """The exception that ended the task's last failed try, as Python prints it
        (``traceback.format_exception_only``), read from the log; None when there is none."""
        return last_exception(self.log or "")

    def to_data(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {**self.__dict__, "xcoms": [x.to_data() for x in self.xcoms]}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TaskReport:
        """Rebuild from ``to_data()``."""
        xcoms = tuple(XComEntry.from_data(x) for x in data["xcoms"])
        return cls(**{**data, "xcoms": xcoms})


@dataclass(frozen=True)
class DagRunReport:
    """The outcome of one ``DagRunRequest``: run state, or the error that prevented the run."""

    dag_id: str
    conf: dict[str, Any]
    run_id: str | None
    state: str | None  # "success", "failed", ...; None when the run never started
    error: str | None
    seconds: float  # wall time of dag.test()
    tasks: tuple[TaskReport, ...] = ()
    log_path: str | None = None  # Airflow's whole output for this run (lives in the home)

    @property
    def ok(self) -> bool:
        """Whether the run started and succeeded."""
        return self.error is None and self.state == "success"

    def task(self, task_id: str, map_index: int = -1) -> TaskReport:
        """Return one task instance's report; raise ``KeyError`` naming the known tasks."""
        for report in self.tasks:
            if (report.task_id, report.map_index) == (task_id, map_index):
                return report
        known = ", ".join(sorted({t.task_id for t in self.tasks})) or "none"
        raise KeyError(f"run of '{self.dag_id}' has no task '{task_id}' (it has: {known})")

    def to_json(self) -> str:
        """Serialize for transport."""
        return json.dumps(self.to_data())

    @classmethod
    def from_json(cls, text: str) -> DagRunReport:
        """Inverse of ``to_json()``."""
        return cls.from_data(json.loads(text))

    def to_data(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {**self.__dict__, "tasks": [t.to_data() for t in self.tasks]}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DagRunReport:
        """Rebuild from ``to_data()``."""
        return cls(**{**data, "tasks": tuple(TaskReport.from_data(t) for t in data["tasks"])})


@dataclass(frozen=True)
class BatchReport:
    """Everything one call produced: parse errors, then one report per request, in order."""

    airflow_version: str
    airflow_home: str
    import_errors: dict[str, str]  # DAG file name -> error text
    runs: tuple[DagRunReport, ...]
    # dag_id -> {"tasks": {task_id: sorted upstream task_ids}, "params": {name: default}}
    dags: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def airflow_major(self) -> int:
        """Major version of the Airflow that ran the batch."""
        return int(self.airflow_version.split(".")[0])

    def run(self, dag_id: str, index: int = 0) -> DagRunReport:
        """Return the ``index``-th run of ``dag_id`` in request order."""
        matching = [r for r in self.runs if r.dag_id == dag_id]
        if index >= len(matching):
            raise KeyError(f"batch has {len(matching)} run(s) of '{dag_id}', wanted #{index}")
        return matching[index]

    def to_json(self) -> str:
        """Serialize for transport."""
        return json.dumps({**self.__dict__, "runs": [r.to_data() for r in self.runs]})

    @classmethod
    def from_json(cls, text: str) -> BatchReport:
        """Inverse of ``to_json()``."""
        data = json.loads(text)
        return cls(**{**data, "runs": tuple(DagRunReport.from_data(r) for r in data["runs"])})


def airflow_version() -> str | None:
    """Return the installed apache-airflow version without importing Airflow, or None."""
    try:
        return importlib.metadata.version("apache-airflow")
    except importlib.metadata.PackageNotFoundError:
        return None


def airflow_major() -> int | None:
    """Return the installed Airflow major version (2 or 3), or None when not installed."""
    version = airflow_version()
    return int(version.split(".")[0]) if version else None


def run_dag_files(
    requests: Sequence[DagRunRequest],
    *,
    dags_dir_files: Sequence[Path],
    airflow_home: Path | None = None,
    keep_home: bool = False,
) -> BatchReport:
    """Copy the DAG files into an Airflow home, run every request in order, and report.

    A temporary home is removed at process exit unless ``keep_home``; a given one is kept.
    Later calls in the same process reuse the first call's home (Airflow reads it once).
    """
    version = airflow_version()
    if version is None:
        raise AirflowRunnerError(f"no Apache Airflow installed for {sys.executable}")
    home = _configure_process(airflow_home, keep_home, version)
    dags_dir = home / "dags"
    _copy_dag_files(dags_dir_files, dags_dir, clear=airflow_home is None)
    major = int(version.split(".")[0])
    bag = _parse(dags_dir, major)
    import_errors = {Path(f).name: str(e) for f, e in bag.import_errors.items()}
    structure = {dag_id: _structure(dag) for dag_id, dag in sorted(bag.dags.items())}
    logs_dir = home / "logs" / "pypedream"
    logs_dir.mkdir(parents=True, exist_ok=True)
    runs = []
    for i, request in enumerate(requests):
        # A fresh parse per run: dag.test() leaves a run's conf in the DAG object's params,
        # which would leak into the next run of the same DAG in this process.
        dags = bag.dags if i == 0 else _parse(dags_dir, major).dags
        log_path = logs_dir / f"{i:03d}-{request.dag_id}.log"
        runs.append(_run_one(dags, request, major, log_path, import_errors))
    return BatchReport(version, str(home), import_errors, tuple(runs), structure)


def _structure(dag: Any) -> dict[str, Any]:
    """What a parsed DAG declares: each task's upstream task ids and retries, param defaults."""
    tasks = {
        task.task_id: {"upstream": sorted(task.upstream_task_ids), "retries": task.retries}
        for task in dag.tasks
    }
    params = {name: dag.params.get_param(name).value for name in dag.params}
    return {"tasks": tasks, "params": json.loads(json.dumps(params, default=str))}


def _parse(dags_dir: Path, major: int) -> Any:
    if major >= 3:
        from airflow.dag_processing.dagbag import DagBag

        return DagBag(dag_folder=str(dags_dir))
    from airflow.models.dagbag import DagBag

    return DagBag(dag_folder=str(dags_dir), include_examples=False)


def run_in_environment(
    python: Path,
    requests: Sequence[DagRunRequest],
    *,
    dags_dir_files: Sequence[Path],
    airflow_home: Path | None = None,
    keep_home: bool = False,
    timeout: float | None = 900,
    env: dict[str, str] | None = None,
) -> BatchReport:
    """Run the batch with another Python's Airflow (``<python> -m pypedream_compiler...``).

    ``env`` adds to (or overrides) this process's environment for the subprocess.
    """
    if not Path(python).is_file():
        raise AirflowRunnerError(f"Python interpreter '{python}' does not exist")
    request = {
        "dags_dir_files": [str(Path(f).resolve()) for f in dags_dir_files],
        "runs": [_request_to_data(r) for r in requests],
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
        '"logical_date"}], "airflow_home": null, "keep_home": false} on stdin.',
    ).parse_args(argv)
    report_out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # Airflow's chatter goes to stderr
    if airflow_version() is None:
        print(f"Error: no Apache Airflow installed for {sys.executable}", file=sys.stderr)
        return _EXIT_NO_AIRFLOW
    try:
        data = json.loads(sys.stdin.read())
        requests = [_request_from_data(r) for r in data["runs"]]
        files = [Path(f) for f in data["dags_dir_files"]]
        home = Path(data["airflow_home"]) if data.get("airflow_home") else None
        keep_home = bool(data.get("keep_home", False))
    except (ValueError, KeyError, TypeError) as exc:
        print(f"Error: invalid request on stdin: {exc!r}", file=sys.stderr)
        return _EXIT_BAD_REQUEST
    try:
        report = run_dag_files(
            requests, dags_dir_files=files, airflow_home=home, keep_home=keep_home
        )
    except AirflowRunnerError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return _EXIT_RUNNER_ERROR
    with report_out:
        report_out.write(report.to_json())
    return 0


def _request_to_data(request: DagRunRequest) -> dict[str, Any]:
    date = request.logical_date.isoformat() if request.logical_date else None
    return {"dag_id": request.dag_id, "conf": request.conf, "logical_date": date}


def _request_from_data(data: dict[str, Any]) -> DagRunRequest:
    date = data.get("logical_date")
    return DagRunRequest(
        data["dag_id"], data.get("conf") or {}, datetime.fromisoformat(date) if date else None
    )


def _configure_process(airflow_home: Path | None, keep_home: bool, version: str) -> Path:
    """Point Airflow at the home through env vars; only possible before Airflow is imported."""
    global _process_home
    if _process_home is not None:
        if airflow_home is not None and Path(airflow_home).resolve() != _process_home:
            raise AirflowRunnerError(
                f"Airflow in this process already uses home '{_process_home}', not "
                f"'{airflow_home}'; use run_in_environment() for a fresh process"
            )
        return _process_home
    if "airflow" in sys.modules:
        raise AirflowRunnerError(
            "Airflow was imported before run_dag_files() could configure it; "
            "use run_in_environment() to run in a fresh process"
        )
    if airflow_home is None:
        home = Path(tempfile.mkdtemp(prefix="pypedream-airflow-")).resolve()
        if not keep_home:
            atexit.register(shutil.rmtree, home, ignore_errors=True)
    else:
        home = Path(airflow_home).resolve()
    (home / "dags").mkdir(parents=True, exist_ok=True)
    if not (home / "airflow.db").exists():
        shutil.copyfile(_migrated_db(version), home / "airflow.db")
    os.environ.update(_airflow_env(home))
    _process_home = home
    return home


def _airflow_env(home: Path) -> dict[str, str]:
    """Settings for a private, quiet, SQLite-backed Airflow in ``home``."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
    }


def _migrated_db(version: str) -> Path:
    """Return a freshly migrated ``airflow.db`` for this version, migrating once per machine.

    Migration runs in a subprocess: in-process, Alembic's logging setup silences Airflow 2's
    task logs for the rest of the process.
    """
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cached = cache_root / "pypedream" / "airflow-db" / version / "airflow.db"
    if cached.exists():
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    with (cached.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel runs wait for one migration
        if cached.exists():
            return cached
        with tempfile.TemporaryDirectory(prefix="pypedream-migrate-") as tmp:
            env = {**os.environ, **_airflow_env(Path(tmp))}
            code = "from airflow.utils import db; db.upgradedb()"
            proc = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
            )
            if proc.returncode != 0:
                tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
                raise AirflowRunnerError(f"migrating a new Airflow {version} DB failed:\n{tail}")
            partial = cached.with_suffix(".partial")
            shutil.copyfile(Path(tmp) / "airflow.db", partial)
            os.replace(partial, cached)
    return cached


def _copy_dag_files(files: Sequence[Path], dags_dir: Path, *, clear: bool) -> None:
    names = [Path(f).name for f in files]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        raise AirflowRunnerError(f"DAG files must have distinct names; repeated: {duplicates}")
    if clear:  # a reused temporary home: drop the previous call's files
        for old in dags_dir.glob("*.py"):
            old.unlink()
    for file in files:
        if not Path(file).is_file():
            raise AirflowRunnerError(f"DAG file '{file}' does not exist")
        shutil.copyfile(file, dags_dir / Path(file).name)


def _run_one(
    dags: dict[str, Any],
    request: DagRunRequest,
    major: int,
    log_path: Path,
    import_errors: dict[str, str],
) -> DagRunReport:
    """Run one request with ``dag.test()``; any exception becomes the report's error."""
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
        with _output_to(log_path):
            run_id = dag.test(**kwargs).run_id
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - start
        return DagRunReport(request.dag_id, conf, None, None, error, seconds, (), str(log_path))
    seconds = time.perf_counter() - start
    logs = _split_task_logs(log_path.read_text(encoding="utf-8", errors="replace"))
    state, tasks = _read_run(request.dag_id, run_id, major, logs)
    return DagRunReport(request.dag_id, conf, run_id, state, None, seconds, tasks, str(log_path))


def _read_run(
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
        from airflow.models.xcom import XCom  # type: ignore[no-redef]

    ti, run = TaskInstance, (dag_id, run_id)
    with create_session() as session:
        state = session.scalar(
            select(DagRun.state).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        )
        tis = session.execute(
            select(ti.task_id, ti.map_index, ti.state, ti.try_number)
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
        )
        for task_id, map_index, ti_state, try_number in tis
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


def last_exception(log: str) -> str | None:
    """The exception line(s) closing the last traceback in ``log``, without the frames."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call")]
    if not starts:
        return None
    found: list[str] = []
    for line in lines[starts[-1] + 1 :]:
        if found and _LOG_LINE.match(line):
            break
        if not found and (not line or line[0].isspace()):
            continue  # a frame or its source line
        found.append(line)
    return "\n".join(found).strip() or None


def _state_name(state: Any) -> str | None:
    return None if state is None else str(getattr(state, "value", state))


def _split_task_logs(text: str) -> dict[tuple[str, int], str]:
    """Cut ``dag.test()`` output into per-task-instance sections (retries are appended)."""
    sections: dict[tuple[str, int], list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        if match := _TASK_START.search(line):
            current = sections.setdefault((match[1], int(match[2])), [])
        if current is not None:
            current.append(line)
        if _TASK_END.search(line):
            current = None
    return {key: "".join(lines) for key, lines in sections.items()}


@contextlib.contextmanager
def _output_to(path: Path) -> Iterator[None]:
    """Send fd-level stdout and stderr to ``path`` (appending) for the duration."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with path.open("ab") as sink:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        os.close(saved[0])
        os.close(saved[1])


if __name__ == "__main__":
    sys.exit(main())
