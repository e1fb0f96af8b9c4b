"""Run DAG files on a live Airflow 3 through its REST API and report them as a ``BatchReport``.

The live Airflow is any deployment whose DAG processor watches a folder this process can
write to: the tests' Celery + PostgreSQL stack (``stack``), or a user's own. The DAG files are
copied into ``<dags folder>/pypedream_parity/``; every request is triggered at once (the
executor runs them as it would in production), polled until done, then each task instance's
state, try number, XComs (as stored: the ``pypedream`` envelope is a plain string) and log are
read back over REST.

Standard library only: it runs wherever pypedream runs, Airflow or not.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypedream_compiler.embedded.reports import (
    AirflowRunnerError,
    BatchReport,
    DagRunReport,
    DagRunRequest,
    TaskReport,
    XComEntry,
)

__all__ = ["LiveAirflow"]

_DONE = {"success", "failed"}
SUBFOLDER = "pypedream_parity"


@dataclass(frozen=True)
class LiveAirflow:
    """A running Airflow 3: its API base URL and the DAGs folder its DAG processor watches.

    Authentication, as the deployment asks: ``token``, a bearer token for the API; or
    ``username`` and ``password``, exchanged for one at ``POST /auth/token`` on first use (and
    again when it expires); or neither, e.g. with ``simple_auth_manager_all_admins``.
    """

    url: str
    dags_folder: Path
    token: str | None = field(default=None, repr=False)
    timeout: float = 600.0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    _session: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def request(self, method: str, path: str, body: Any = None, accept: str = "") -> Any:
        """One REST call; the decoded JSON answer. Raises AirflowRunnerError on HTTP errors."""
        try:
            return self._call(method, path, body, accept, self._bearer())
        except _Unauthorized:
            if self.token or self.username is None:
                raise AirflowRunnerError(
                    f"{method} {path}: HTTP 401: Airflow wants credentials; set "
                    "PYPEDREAM_AIRFLOW_TOKEN, or PYPEDREAM_AIRFLOW_USERNAME and "
                    "PYPEDREAM_AIRFLOW_PASSWORD"
                ) from None
            self._session.clear()  # the token expired: log in again, once
            try:
                return self._call(method, path, body, accept, self._bearer())
            except _Unauthorized:
                raise AirflowRunnerError(f"{method} {path}: HTTP 401 after logging in") from None

    def _bearer(self) -> str | None:
        if self.token:
            return self.token
        if self.username is None:
            return None
        if "token" not in self._session:
            body = {"username": self.username, "password": self.password or ""}
            try:
                answer = self._call("POST", "/auth/token", body, "", None)
            except _Unauthorized:
                raise AirflowRunnerError(
                    f"Airflow at {self.url} refused user {self.username!r}: check the username "
                    "and password"
                ) from None
            self._session["token"] = str(answer["access_token"])
        return self._session["token"]

    def _call(self, method: str, path: str, body: Any, accept: str, bearer: str | None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url.rstrip("/") + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        req.add_header("Accept", accept or "application/json")
        if bearer:
            req.add_header("Authorization", f"Bearer {bearer}")
        try:
            with urllib.request.urlopen(req, timeout=30) as answer:
                text = answer.read().decode()
        except urllib.error.HTTPError as problem:
            if problem.code == 401:
                raise _Unauthorized from None
            detail = problem.read().decode(errors="replace")[:500]
            raise AirflowRunnerError(f"{method} {path}: HTTP {problem.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as problem:
            raise AirflowRunnerError(f"{method} {path}: {problem}; is Airflow up?") from None
        return json.loads(text) if text else None

    def version(self) -> str:
        """The Airflow version the API reports."""
        return str(self.request("GET", "/api/v2/version")["version"])

    def run(
        self, requests: Sequence[DagRunRequest], dag_files: Sequence[Path], keep: bool = False
    ) -> BatchReport:
        """Deploy the DAG files, trigger every request, wait, and read every run back; then
        remove the DAG files again unless ``keep`` (the runs stay in Airflow's history)."""
        target = self.dags_folder / SUBFOLDER
        target.mkdir(parents=True, exist_ok=True)
        deployed = [target / Path(file).name for file in dag_files]
        for file, copy in zip(dag_files, deployed, strict=True):
            shutil.copyfile(file, copy)
        try:
            return self._run(requests, dag_files)
        finally:
            if not keep:
                for copy in deployed:
                    copy.unlink(missing_ok=True)

    def _run(self, requests: Sequence[DagRunRequest], dag_files: Sequence[Path]) -> BatchReport:
        dag_ids = sorted({r.dag_id for r in requests})
        import_errors = self._wait_parsed(dag_ids, [Path(f).name for f in dag_files])
        started: list[tuple[DagRunRequest, str | None, str | None, float]] = []
        for request in requests:
            if not self._dag_exists(request.dag_id):
                problem = f"no DAG '{request.dag_id}' in Airflow (import errors: {import_errors})"
                started.append((request, None, problem, time.time()))
                continue
            self.request("PATCH", f"/api/v2/dags/{_q(request.dag_id)}", {"is_paused": False})
            body = {
                "logical_date": request.logical_date.isoformat() if request.logical_date else None,
                "conf": request.conf,
            }
            try:
                run = self.request("POST", f"/api/v2/dags/{_q(request.dag_id)}/dagRuns", body)
            except AirflowRunnerError as problem:
                started.append((request, None, str(problem), time.time()))
                continue
            started.append((request, run["dag_run_id"], None, time.time()))
        runs = tuple(self._finish(*item) for item in started)
        return BatchReport(self.version(), str(self.dags_folder), import_errors, runs, {}, "live")

    def _wait_parsed(self, dag_ids: list[str], files: list[str]) -> dict[str, str]:
        """Wait until every DAG is parsed or its file has an import error (file -> error)."""
        deadline = time.monotonic() + self.timeout
        while True:
            errors = {
                Path(e["filename"]).name: e["stack_trace"]
                for e in self.request("GET", "/api/v2/importErrors")["import_errors"]
                if Path(e["filename"]).name in files
            }
            missing = [d for d in dag_ids if not self._dag_exists(d)]
            if not missing or len(errors) >= len(files):
                return errors
            if time.monotonic() > deadline:
                raise AirflowRunnerError(f"Airflow did not parse DAG(s) {missing} in time")
            time.sleep(1)

    def _dag_exists(self, dag_id: str) -> bool:
        try:
            self.request("GET", f"/api/v2/dags/{_q(dag_id)}")
        except AirflowRunnerError:
            return False
        return True

    def _finish(
        self, request: DagRunRequest, run_id: str | None, error: str | None, started: float
    ) -> DagRunReport:
        conf = dict(request.conf)
        if run_id is None:
            return DagRunReport(request.dag_id, conf, None, None, error, 0.0)
        base = f"/api/v2/dags/{_q(request.dag_id)}/dagRuns/{_q(run_id)}"
        deadline = time.monotonic() + self.timeout
        while True:
            state = self.request("GET", base)["state"]
            if state in _DONE:
                break
            if time.monotonic() > deadline:
                return DagRunReport(request.dag_id, conf, run_id, state, "timed out", 0.0)
            time.sleep(0.5)
        seconds = time.time() - started
        listed = self.request("GET", f"{base}/taskInstances?limit=1000")["task_instances"]
        tasks = tuple(self._task(base, ti) for ti in listed)
        return DagRunReport(request.dag_id, conf, run_id, state, None, seconds, tasks)

    def _task(self, base: str, ti: dict[str, Any]) -> TaskReport:
        task_id, map_index, tries = ti["task_id"], ti["map_index"], int(ti["try_number"] or 0)
        path = f"{base}/taskInstances/{_q(task_id)}"
        entries = self.request("GET", f"{path}/xcomEntries?map_index={map_index}")
        xcoms = []
        for entry in sorted(entries["xcom_entries"], key=lambda e: e["key"]):
            key = entry["key"]
            value = self.request("GET", f"{path}/xcomEntries/{_q(key)}?map_index={map_index}")
            raw = value.get("value")
            xcoms.append(XComEntry(key, map_index, _decoded(raw), json.dumps(raw)))
        log = "\n".join(self._log(path, attempt, map_index) for attempt in range(1, tries + 1))
        return TaskReport(task_id, map_index, ti["state"], tries, tuple(xcoms), log or None)

    def _log(self, path: str, attempt: int, map_index: int) -> str:
        try:
            answer = self.request(
                "GET", f"{path}/logs/{attempt}?full_content=true&map_index={map_index}"
            )
        except AirflowRunnerError:
            return ""
        return render_log(answer.get("content") or [])


class _Unauthorized(Exception):
    """HTTP 401 from the API."""


def render_log(records: list[Any]) -> str:
    """Structured log records as console-style lines that ``logs`` can read (exceptions from
    ``error_detail``, skip reasons from ``reason``)."""
    lines = []
    for record in records:
        if isinstance(record, str):
            lines.append(record)
            continue
        text = (
            f"{record.get('timestamp', '')} [{record.get('level', '')}] {record.get('event', '')}"
        )
        if "reason" in record:
            text += f" reason={record['reason']!r}"
        if "error_detail" in record:
            text += f" error_detail={record['error_detail']!r} loc=-"
        lines.append(text)
    return "\n".join(lines)


def _decoded(raw: Any) -> Any:
    """A stored XCom value as text from the API: JSON when it parses, else the string."""
    if not isinstance(raw, str) or raw.startswith("pypedream:"):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _q(text: str) -> str:
    return urllib.parse.quote(text, safe="")
