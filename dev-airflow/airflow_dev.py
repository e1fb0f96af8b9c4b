"""A local Airflow 3 on loopback to try exported DAGs in (stdlib only).

Run it with the Python of the environment that has Airflow 3 installed:

    .venv/bin/python dev-airflow/airflow_dev.py start            # UI on http://127.0.0.1:<port>
    .venv/bin/python dev-airflow/airflow_dev.py trigger ok_enough --conf '{"source1": "alpha"}'
    .venv/bin/python dev-airflow/airflow_dev.py wait             # the last triggered run
    .venv/bin/python dev-airflow/airflow_dev.py stop

`start` runs `airflow db migrate`, then `airflow api-server`, `airflow scheduler
--skip-serve-logs` and `airflow dag-processor` in the background, all bound to 127.0.0.1
(no `airflow standalone`: its log servers listen on 0.0.0.0). AIRFLOW_HOME is `home/`
(state in `home/dev-airflow.json`, process logs in `home/logs/*.log`), DAGs are read from
`dags/`; `--home` and `--dags` choose other folders.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib.metadata
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_HOME = HERE / "home"
DEFAULT_DAGS = HERE / "dags"
STATE_FILE = "dev-airflow.json"
PROCESSES = {
    "api-server": ["api-server", "--host", "127.0.0.1", "--port", "{port}"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
}
TERMINAL_RUN_STATES = frozenset({"success", "failed"})
ENVELOPE_KEY = "pypedream"
ENVELOPE_PREFIX = "pypedream:v1:"
SIGNED_ENVELOPE_PREFIX = "pypedream:v1-hmac-sha256:"  # then "<mac>:" and the same JSON


class DevAirflowError(Exception):
    """A problem the user can fix; the CLI prints it as `Error: ...` and exits 2."""


@dataclass(frozen=True)
class Server:
    """A running dev Airflow, as recorded in `<home>/dev-airflow.json`."""

    home: Path
    dags: Path
    url: str
    pids: dict[str, int]


@dataclass(frozen=True)
class TaskReport:
    task_id: str
    map_index: int
    state: str | None
    outputs: dict[str, Any] | None  # decoded "pypedream" XCom outputs, None when absent


@dataclass(frozen=True)
class RunReport:
    dag_id: str
    run_id: str
    state: str
    tasks: list[TaskReport] = field(default_factory=list)


# --- processes ---------------------------------------------------------------------------


def airflow_executable() -> Path:
    """The `airflow` command of this Python's environment; Airflow 3 is required."""
    try:
        version = importlib.metadata.version("apache-airflow")
    except importlib.metadata.PackageNotFoundError:
        version = None
    if version is None or int(version.split(".")[0]) < 3:
        found = f"Airflow {version}" if version else "no Airflow"
        raise DevAirflowError(
            f"this Python ({sys.executable}) has {found}; Airflow 3 is needed. Run the script "
            "with the Python of the environment that has it (e.g. `.venv/bin/python "
            "dev-airflow/airflow_dev.py start`) or install it: pip install 'apache-airflow>=3'"
        )
    command = Path(sys.executable).parent / "airflow"
    if not command.exists():
        raise DevAirflowError(f"Airflow {version} is installed but {command} is missing")
    return command


def airflow_environment(home: Path, dags: Path, port: int, jwt_secret: str) -> dict[str, str]:
    """Settings shared by every process: loopback only, small, quick to pick up new DAGs."""
    url = f"http://127.0.0.1:{port}"
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret,
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
    }


def _free_port(port: int | None) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port or 0))
        except OSError as problem:
            raise DevAirflowError(
                f"port {port} on 127.0.0.1 is busy ({problem.strerror}); pick another with "
                "--port, or leave --port out to get a free one"
            ) from None
        return probe.getsockname()[1]


def _processes() -> list[tuple[int, int, str]]:
    """(pid, process group, command) of every live process; zombies left out."""
    # -ww: never cut the command at a terminal's width (80 columns when not on a terminal), or
    # "airflow" in a long path (e.g. a checkout in a deep temporary folder) is cut off.
    out = subprocess.run(
        ["ps", "-ww", "-A", "-o", "pid=,pgid=,stat=,command="], capture_output=True, text=True
    ).stdout
    rows = []
    for line in out.splitlines():
        pid, pgid, stat, *command = line.split(None, 3)
        if not stat.startswith("Z"):
            rows.append((int(pid), int(pgid), command[0] if command else ""))
    return rows


def _alive(pid: int) -> bool:
    """True when `pid` is a live Airflow process (guards against reused PIDs)."""
    return any(p == pid and "airflow" in command for p, _, command in _processes())


def _group_alive(pgid: int) -> bool:
    return any(group == pgid for _, group, _ in _processes())


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text[-lines:])


def read_state(home: Path) -> Server | None:
    try:
        data = json.loads((home / STATE_FILE).read_text())
    except FileNotFoundError:
        return None
    return Server(Path(data["home"]), Path(data["dags"]), data["url"], data["pids"])


def _write_state(server: Server) -> None:
    data = {"home": str(server.home), "dags": str(server.dags), "url": server.url}
    text = json.dumps({**data, "pids": server.pids}, indent=2)
    (server.home / STATE_FILE).write_text(text + "\n")


def running_server(home: Path) -> Server:
    server = read_state(home)
    if server is None or not any(_alive(pid) for pid in server.pids.values()):
        raise DevAirflowError(
            f"no dev Airflow runs for home {home}; start it with `{_command(home, 'start')}`"
        )
    return server


def _command(home: Path, command: str) -> str:
    """How to run `command` of this script for `home`, to quote in messages."""

    def shown(path: str | Path) -> str:
        relative = os.path.relpath(path)
        return str(path) if relative.startswith("..") else relative

    options = "" if home.resolve() == DEFAULT_HOME else f" --home {shown(home)}"
    return f"{shown(sys.executable)} {shown(__file__)}{options} {command}"


def start(home: Path, dags: Path, port: int | None = None, timeout: float = 120) -> Server:
    """Migrate the DB, start the three processes and wait until Airflow reports healthy."""
    airflow = airflow_executable()
    home, dags = home.resolve(), dags.resolve()
    previous = read_state(home)
    if previous is not None:
        if any(_alive(pid) for pid in previous.pids.values()):
            raise DevAirflowError(
                f"a dev Airflow already runs at {previous.url} (home {home}); "
                f"stop it first with `{_command(home, 'stop')}`"
            )
        (home / STATE_FILE).unlink()
    port = _free_port(port)
    (home / "logs").mkdir(parents=True, exist_ok=True)
    dags.mkdir(parents=True, exist_ok=True)
    env = airflow_environment(home, dags, port, secrets.token_urlsafe(64))
    migrate_log = home / "logs" / "db-migrate.log"
    with migrate_log.open("w") as log:
        done = subprocess.run(
            [str(airflow), "db", "migrate"], env=env, cwd=home, stdout=log, stderr=log
        )
    if done.returncode != 0:
        raise DevAirflowError(f"`airflow db migrate` failed ({migrate_log}):\n{_tail(migrate_log)}")
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for name, args in PROCESSES.items():
        with (home / "logs" / f"{name}.log").open("a") as log:
            process = subprocess.Popen(
                [str(airflow), *(a.format(port=port) for a in args)],
                env=env,
                cwd=home,  # pipelines that write relative paths (logs/) write inside home
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stop() also reaps its children
            )
        processes[name] = process
    pids = {name: process.pid for name, process in processes.items()}
    server = Server(home, dags, f"http://127.0.0.1:{port}", pids)
    _write_state(server)
    try:
        _wait_healthy(server, processes, timeout)
    except BaseException:
        stop(home)
        raise
    return server


def _wait_healthy(
    server: Server, processes: dict[str, subprocess.Popen[bytes]], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                log = server.home / "logs" / f"{name}.log"
                raise DevAirflowError(f"`airflow {name}` died at start ({log}):\n{_tail(log)}")
        try:
            if is_healthy(health(server.url)):
                return
        except DevAirflowError:
            pass  # the API server is still starting
        if time.monotonic() > deadline:
            raise DevAirflowError(
                f"Airflow was not healthy after {timeout:.0f} s; see the logs in "
                f"{server.home / 'logs'} (or raise --timeout on a slow machine)"
            )
        time.sleep(0.5)


def stop(home: Path, timeout: float = 20) -> list[str]:
    """SIGTERM each process group, SIGKILL what is left after `timeout`; names of those stopped."""
    server = read_state(home.resolve())
    if server is None:
        return []
    running = {name: pid for name, pid in server.pids.items() if _alive(pid)}
    for pid in running.values():
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(_group_alive(pid) for pid in running.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in running.values():
        if _group_alive(pid):
            _signal_group(pid, signal.SIGKILL)
    (server.home / STATE_FILE).unlink(missing_ok=True)
    return sorted(running)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)  # each process leads its own group (start_new_session=True)


# --- REST API ----------------------------------------------------------------------------


def _request(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    """(HTTP status, decoded JSON). All-admins simple auth needs no token on loopback."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as problem:
        raw = problem.read()
        try:
            return problem.code, json.loads(raw)
        except ValueError:
            return problem.code, {"detail": raw.decode(errors="replace")}
    except (urllib.error.URLError, OSError) as problem:
        reason = getattr(problem, "reason", problem)
        raise DevAirflowError(f"cannot reach Airflow at {url}: {reason}") from None


def _api(server: Server, path: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    return _request(f"{server.url}/api/v2{path}", method, body)


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def health(url: str) -> dict[str, Any]:
    status, body = _request(f"{url}/api/v2/monitor/health")
    if status != 200:
        raise DevAirflowError(f"health check at {url} answered HTTP {status}: {body}")
    return body


def is_healthy(report: dict[str, Any]) -> bool:
    parts = ("metadatabase", "scheduler", "dag_processor")
    return all((report.get(part) or {}).get("status") == "healthy" for part in parts)


def _detail(body: Any) -> str:
    detail = body.get("detail", body) if isinstance(body, dict) else body
    return detail if isinstance(detail, str) else json.dumps(detail)


def find_dag(server: Server, dag_id: str, timeout: float = 60) -> dict[str, Any]:
    """The DAG's details, waiting (up to `timeout`) for the dag-processor to parse new files."""
    deadline = time.monotonic() + timeout
    told = False
    while True:
        status, body = _api(server, f"/dags/{_quote(dag_id)}")
        if status == 200:
            return body
        if status != 404:
            raise DevAirflowError(f"looking up DAG {dag_id!r}: HTTP {status}: {_detail(body)}")
        if time.monotonic() > deadline or _parsed_all_files(server):
            raise DevAirflowError(_missing_dag_message(server, dag_id))
        if not told:
            print(f"Waiting for the dag-processor to parse DAG {dag_id!r}...", file=sys.stderr)
            told = True
        time.sleep(1)


def _parsed_all_files(server: Server) -> bool:
    """True when every DAG file was parsed (or failed to import) after its last change."""
    parsed: dict[str, float] = {}
    _, dags = _api(server, "/dags?limit=1000")
    for dag in (dags or {}).get("dags", []):
        parsed[dag["fileloc"]] = max(parsed.get(dag["fileloc"], 0), _epoch(dag["last_parsed_time"]))
    _, errors = _api(server, "/importErrors?limit=1000")
    for error in (errors or {}).get("import_errors", []):
        path = str(server.dags / error["filename"])
        parsed[path] = max(parsed.get(path, 0), _epoch(error["timestamp"]))
    for path in server.dags.rglob("*.py"):
        content = path.read_bytes().lower()
        might_be_dag = b"airflow" in content and b"dag" in content  # Airflow's safe-mode filter
        if might_be_dag and parsed.get(str(path), 0) < path.stat().st_mtime:
            return False
    return True


def _epoch(timestamp: str | None) -> float:
    if not timestamp:
        return 0
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def _missing_dag_message(server: Server, dag_id: str) -> str:
    lines = [f"no DAG {dag_id!r} in {server.dags}."]
    _, dags = _api(server, "/dags?limit=1000")
    known = [dag["dag_id"] for dag in (dags or {}).get("dags", [])]
    close = difflib.get_close_matches(dag_id, known, n=1)
    if close:
        lines.append(f"Did you mean {close[0]!r}?")
    elif known:
        lines.append(f"Known DAGs: {', '.join(sorted(known))}.")
    _, errors = _api(server, "/importErrors?limit=100")
    for error in (errors or {}).get("import_errors", []):
        trace = error.get("stack_trace", "").strip().splitlines()
        lines.append(f"Import error in {error.get('filename')}: {trace[-1] if trace else '?'}")
    if len(lines) == 1:
        lines.append(
            "Export the pipeline there first, e.g. `pypedream export-airflow "
            f"module:pipeline -o {server.dags}`."
        )
    return "\n".join(lines)


def trigger(
    home: Path, dag_id: str, conf: dict[str, Any] | None = None, timeout: float = 60
) -> dict[str, Any]:
    """Start a DAG run (no logical date) with `conf`; returns the run as the REST API gives it."""
    server = running_server(home.resolve())
    dag = find_dag(server, dag_id, timeout)
    if dag.get("is_paused"):
        status, body = _api(server, f"/dags/{_quote(dag_id)}", "PATCH", {"is_paused": False})
        if status != 200:
            raise DevAirflowError(f"unpausing DAG {dag_id!r}: HTTP {status}: {_detail(body)}")
    status, body = _api(
        server,
        f"/dags/{_quote(dag_id)}/dagRuns",
        "POST",
        {"logical_date": None, "conf": conf or {}},
    )
    if status == 400:
        raise DevAirflowError(f"DAG {dag_id!r} refused the run (HTTP 400): {_detail(body)}")
    if status not in (200, 201):
        raise DevAirflowError(f"triggering DAG {dag_id!r}: HTTP {status}: {_detail(body)}")
    _remember_run(server, dag_id, body["dag_run_id"])
    return body


def _remember_run(server: Server, dag_id: str, run_id: str) -> None:
    (server.home / "last-run.json").write_text(json.dumps({"dag_id": dag_id, "run_id": run_id}))


def last_run(home: Path) -> tuple[str, str]:
    try:
        data = json.loads((home.resolve() / "last-run.json").read_text())
    except FileNotFoundError:
        raise DevAirflowError("no run triggered yet; name one: `wait RUN_ID`") from None
    return data["dag_id"], data["run_id"]


def dag_of_run(home: Path, run_id: str) -> str:
    """The DAG a run id belongs to (run ids are unique per DAG only)."""
    server = running_server(home.resolve())
    _, body = _api(server, f"/dags/~/dagRuns?run_id_pattern={_quote(run_id)}&limit=100")
    runs = body.get("dag_runs", [])
    dag_ids = sorted({run["dag_id"] for run in runs if run["dag_run_id"] == run_id})
    if not dag_ids:
        raise DevAirflowError(f"no DAG run {run_id!r}; see the runs in the UI at {server.url}")
    if len(dag_ids) > 1:
        raise DevAirflowError(f"run {run_id!r} exists in DAGs {dag_ids}; name one with --dag")
    return dag_ids[0]


def wait(home: Path, dag_id: str, run_id: str, timeout: float = 600) -> RunReport:
    """Poll the run until it is terminal; task states and decoded pypedream outputs."""
    server = running_server(home.resolve())
    run_path = f"/dags/{_quote(dag_id)}/dagRuns/{_quote(run_id)}"
    deadline = time.monotonic() + timeout
    while True:
        status, run = _api(server, run_path)
        if status != 200:
            raise DevAirflowError(f"DAG run {dag_id}/{run_id}: HTTP {status}: {_detail(run)}")
        if run["state"] in TERMINAL_RUN_STATES:
            break
        if time.monotonic() > deadline:
            raise DevAirflowError(
                f"DAG run {run_id!r} still {run['state']} after {timeout:.0f} s; "
                f"watch it at {server.url}/dags/{dag_id}/runs/{_quote(run_id)}"
            )
        time.sleep(1)
    _, body = _api(server, f"{run_path}/taskInstances?limit=1000")
    tasks = []
    for ti in sorted(body["task_instances"], key=_start_order):
        outputs = _outputs(server, run_path, ti["task_id"], ti["map_index"])
        tasks.append(TaskReport(ti["task_id"], ti["map_index"], ti["state"], outputs))
    return RunReport(dag_id, run_id, run["state"], tasks)


def _start_order(ti: dict[str, Any]) -> tuple[str, str, int]:
    return ti["start_date"] or "~", ti["task_id"], ti["map_index"]  # not started: last


def read_envelope_trees(value: Any) -> dict[str, Any] | None:
    """The output trees of a pypedream envelope (None if `value` is not one).

    A standard-library copy of `pypedream.worker.envelope.read_envelope`, so this script runs
    without pypedream; `tests/worker/test_contract.py` pins the two together.
    """
    if isinstance(value, str) and value.startswith(SIGNED_ENVELOPE_PREFIX):
        text = value[len(SIGNED_ENVELOPE_PREFIX) :].partition(":")[2]  # shown, not verified
    elif isinstance(value, str) and value.startswith(ENVELOPE_PREFIX):
        text = value[len(ENVELOPE_PREFIX) :]
    else:
        return None
    envelope = json.loads(text)
    outputs = envelope.get("outputs") if isinstance(envelope, dict) else None
    return outputs if isinstance(outputs, dict) else None


def _outputs(server: Server, run_path: str, task_id: str, map_index: int) -> dict[str, Any] | None:
    path = f"{run_path}/taskInstances/{_quote(task_id)}/xcomEntries/{ENVELOPE_KEY}"
    status, body = _api(server, f"{path}?map_index={map_index}")
    trees = read_envelope_trees(body.get("value") if status == 200 else None)
    if trees is None:
        return None
    try:  # exact values when pypedream is importable here; the JSON trees otherwise
        from pypedream.worker.value_codec import UntrustedValueError, from_tree
    except ImportError:
        return trees
    try:  # user classes need the pipeline's allowlist, unknown here: show their trees
        return {name: from_tree(tree) for name, tree in trees.items()}
    except UntrustedValueError:
        return trees


# --- command line ------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="airflow_dev.py", description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="AIRFLOW_HOME")
    parser.add_argument("--dags", type=Path, default=DEFAULT_DAGS, help="DAGs folder")
    commands = parser.add_subparsers(dest="command", required=True)
    start_cmd = commands.add_parser("start", help="start Airflow on 127.0.0.1 in the background")
    start_cmd.add_argument("--port", type=int, help="API/UI port (default: a free one)")
    start_cmd.add_argument("--timeout", type=float, default=120, help="seconds to get healthy")
    stop_cmd = commands.add_parser("stop", help="stop the processes started by `start`")
    stop_cmd.add_argument("--timeout", type=float, default=20, help="seconds before SIGKILL")
    commands.add_parser("status", help="print the URL and health")
    trigger_cmd = commands.add_parser("trigger", help="start a DAG run; prints its run id")
    trigger_cmd.add_argument("dag_id")
    trigger_cmd.add_argument("--conf", default="{}", help="run conf as JSON, e.g. '{\"a\": 1}'")
    trigger_cmd.add_argument("--timeout", type=float, default=60, help="seconds to await the DAG")
    trigger_cmd.add_argument("--wait", action="store_true", help="then wait for the run")
    wait_cmd = commands.add_parser("wait", help="wait for a run; print task states and outputs")
    wait_cmd.add_argument("run_id", nargs="?", help="default: the last triggered run")
    wait_cmd.add_argument("--dag", help="the run's DAG (default: looked up)")
    wait_cmd.add_argument("--timeout", type=float, default=600)
    return parser


def _print_report(report: RunReport, url: str) -> None:
    print(f"DAG run {report.dag_id} / {report.run_id}: {report.state}")
    for task in report.tasks:
        name = task.task_id if task.map_index < 0 else f"{task.task_id}[{task.map_index}]"
        print(f"  {name}: {task.state}")
        for output, value in (task.outputs or {}).items():
            print(f"      {output} = {value!r}")
    if report.state != "success":
        print(f"Task logs: {url}/dags/{report.dag_id}/runs/{_quote(report.run_id)}")


def _run(args: argparse.Namespace) -> int:
    if args.command == "start":
        server = start(args.home, args.dags, args.port, args.timeout)
        print(f"Airflow is healthy. UI: {server.url}  (DAGs from {server.dags})")
        print(f"Logs: {server.home / 'logs'}; stop with `{_command(server.home, 'stop')}`")
    elif args.command == "stop":
        stopped = stop(args.home, args.timeout)
        print(f"Stopped {', '.join(stopped)}." if stopped else "Nothing was running.")
    elif args.command == "status":
        server = running_server(args.home.resolve())
        report = health(server.url)
        state = "healthy" if is_healthy(report) else "NOT healthy"
        print(f"Airflow at {server.url} is {state} (DAGs from {server.dags})")
        for part, info in report.items():
            print(f"  {part}: {(info or {}).get('status')}")
        return 0 if state == "healthy" else 1
    elif args.command == "trigger":
        try:
            conf = json.loads(args.conf)
        except ValueError as problem:
            raise DevAirflowError(f"--conf is not valid JSON ({problem}): {args.conf}") from None
        if not isinstance(conf, dict):
            raise DevAirflowError(f"--conf must be a JSON object, got: {args.conf}")
        run = trigger(args.home, args.dag_id, conf, args.timeout)
        print(run["dag_run_id"])
        if args.wait:
            report = wait(args.home, args.dag_id, run["dag_run_id"])
            _print_report(report, running_server(args.home.resolve()).url)
            return 0 if report.state == "success" else 1
    elif args.command == "wait":
        if args.run_id is None:
            dag_id, run_id = last_run(args.home)
        else:
            run_id = args.run_id
            dag_id = args.dag or dag_of_run(args.home, run_id)
        report = wait(args.home, dag_id, run_id, args.timeout)
        _print_report(report, running_server(args.home.resolve()).url)
        return 0 if report.state == "success" else 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except DevAirflowError as problem:
        print(f"Error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
