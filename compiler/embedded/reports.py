"""What the Airflow runner returns, and how it crosses the process boundary as JSON.

Standard library only: the runner imports this inside Airflow environments. XCom values
travel as base64 pickles, so types survive exactly.
"""

from __future__ import annotations

import base64
import json
import pickle
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pypedream_compiler.embedded.logs import last_exception

__all__ = [
    "AirflowRunnerError",
    "BatchReport",
    "DagRunReport",
    "DagRunRequest",
    "TaskReport",
    "XComEntry",
    "request_from_data",
    "request_to_data",
]


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
    label: str | None = None  # a mapped instance's rendered map_index_template

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
    mode: str = "process-per-task"  # or "single-process": how the tasks were run
    max_map_length: int = 1024  # Airflow's [core] max_map_length where the batch ran

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


def request_to_data(request: DagRunRequest) -> dict[str, Any]:
    """Return a JSON-ready dict of one request (the CLI's stdin format)."""
    date = request.logical_date.isoformat() if request.logical_date else None
    return {"dag_id": request.dag_id, "conf": request.conf, "logical_date": date}


def request_from_data(data: dict[str, Any]) -> DagRunRequest:
    """Rebuild a request from ``request_to_data()``; ``conf`` and the date may be left out."""
    date = data.get("logical_date")
    return DagRunRequest(
        data["dag_id"], data.get("conf") or {}, datetime.fromisoformat(date) if date else None
    )
