"""A production-shaped Airflow 3 on 127.0.0.1, started and stopped by the caller.

PostgreSQL holds the metadata in a database of its own (created at start, dropped at stop),
the CeleryExecutor sends tasks through Redis to ``workers`` Celery worker processes, and an
API server, a scheduler and a DAG processor complete it. Every process is started in its own
session and stopped by its PID (process group): SIGTERM, then SIGKILL after a grace period.
Nothing listens beyond 127.0.0.1: the API server binds it, and the scheduler and workers run
with ``--skip-serve-logs`` (their log servers would bind 0.0.0.0); the triggerer is not run.
Workers consume a queue named after the stack, so stacks of parallel test runs never share
tasks through the one Redis.

Needs, in the Airflow environment: apache-airflow 3, apache-airflow-providers-celery,
psycopg2-binary, asyncpg, redis. Standard library only here.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from pypedream_compiler.embedded.reports import AirflowRunnerError
from pypedream_compiler.embedded.rest import LiveAirflow

USERNAME = "pypedream"
"""The stack's one user, an admin; its password is random per stack (`CeleryStack.password`)."""

__all__ = ["CeleryStack", "StackSettings"]


@dataclass(frozen=True)
class StackSettings:
    """Where the stack's parts are: the Airflow Python and the services it uses."""

    python: Path
    postgres: str = "postgresql://postgres@127.0.0.1:5432"
    redis: str = "redis://127.0.0.1:6379/0"
    workers: int = 2
    python_path: tuple[str, ...] = ()  # import paths for the pipelines the DAG files name
    startup_timeout: float = 180.0


@dataclass
class CeleryStack:
    """Start with ``start()`` (or ``with``); ``airflow`` is then the live API to run DAGs on."""

    settings: StackSettings
    home: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pypedream-stack-")))
    name: str = field(default_factory=lambda: f"pypedream_{os.getpid()}_{secrets.token_hex(3)}")
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    startup_seconds: float = 0.0
    _database: bool = False
    _env_cache: dict[str, str] = field(default_factory=dict)
    _live: LiveAirflow | None = None
    _password: str = field(default_factory=lambda: secrets.token_urlsafe(12), repr=False)

    @property
    def port(self) -> int:
        return int(self._env()["AIRFLOW__API__PORT"])

    @property
    def airflow(self) -> LiveAirflow:
        """The stack's API, logged in as its one user (the stack runs with authentication on,
        as a production deployment does)."""
        if self._live is None:
            self._live = LiveAirflow(
                f"http://127.0.0.1:{self.port}",
                self.home / "dags",
                username=USERNAME,
                password=self.password,
            )
        return self._live

    @property
    def password(self) -> str:
        """The password of the stack's admin user `pypedream` (random per stack)."""
        return self._password

    def __enter__(self) -> CeleryStack:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Create the database, migrate it, start every process, wait until all are ready."""
        begin = time.perf_counter()
        try:
            (self.home / "dags").mkdir(parents=True, exist_ok=True)
            (self.home / "logs").mkdir(parents=True, exist_ok=True)
            passwords = self.home / "passwords.json"  # Airflow keeps the users' passwords here
            passwords.write_text(json.dumps({USERNAME: self.password}))
            passwords.chmod(0o600)
            self._sql(f'CREATE DATABASE "{self.name}"')
            self._database = True
            self._check("db", "migrate")
            self._spawn("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.port))
            self._spawn("scheduler", "scheduler", "--skip-serve-logs")
            self._spawn("dag-processor", "dag-processor")
            for index in range(1, self.settings.workers + 1):
                self._spawn(
                    f"worker-{index}",
                    "celery", "worker", "--skip-serve-logs", "--concurrency", "2",
                    "--queues", self.name, "--celery-hostname", f"w{index}-{self.name}@127.0.0.1",
                )  # fmt: skip
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - begin

    def stop(self) -> None:
        """Stop every process by its PID (its process group), then drop the database."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
        for process in self.processes.values():
            _signal_group(process, signal.SIGKILL)  # leftovers of a group whose leader exited
        self.processes.clear()
        if self._database:
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._database = False
        shutil.rmtree(self.home, ignore_errors=True)

    def log(self, process: str) -> str:
        """What one process wrote (its stdout and stderr)."""
        path = self.home / f"{process}.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def _env(self) -> dict[str, str]:
        if not self._env_cache:
            port = _free_port()
            db = f"{self.settings.postgres}/{self.name}".split("://", 1)[1]
            path = os.pathsep.join([*self.settings.python_path, os.environ.get("PYTHONPATH", "")])
            self._env_cache.update(
                {
                    **os.environ,
                    "PYTHONPATH": path.strip(os.pathsep),
                    "AIRFLOW_HOME": str(self.home),
                    "AIRFLOW_CONFIG": str(self.home / "airflow.cfg"),
                    "AIRFLOW__CORE__DAGS_FOLDER": str(self.home / "dags"),
                    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                    "AIRFLOW__CORE__PARALLELISM": "8",
                    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
                    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USERNAME}:admin",
                    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(
                        self.home / "passwords.json"
                    ),
                    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
                    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{db}",
                    "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
                    "AIRFLOW__CELERY__BROKER_URL": self.settings.redis,
                    "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{db}",
                    "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.name,
                    "AIRFLOW__API__HOST": "127.0.0.1",
                    "AIRFLOW__API__PORT": str(port),
                    "AIRFLOW__API__WORKERS": "1",
                    "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
                    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "2",
                    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
                    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
                    "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
                }
            )
        return self._env_cache

    def _airflow(self, *args: str) -> list[str]:
        return [str(self.settings.python), "-m", "airflow", *args]

    def _check(self, *args: str) -> None:
        proc = subprocess.run(
            self._airflow(*args), env=self._env(), capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise AirflowRunnerError(f"`airflow {' '.join(args)}` failed:\n{tail}")

    def _spawn(self, name: str, *args: str) -> None:
        with (self.home / f"{name}.out").open("wb") as out:
            self.processes[name] = subprocess.Popen(
                self._airflow(*args),
                env=self._env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped as one, by PID
            )

    def _sql(self, statement: str) -> None:
        """Run one statement on the server's `postgres` database with psycopg2 (autocommit)."""
        code = (
            "import sys, psycopg2; c = psycopg2.connect(sys.argv[1]); c.autocommit = True; "
            "c.cursor().execute(sys.argv[2])"
        )
        dsn = f"{self.settings.postgres}/postgres"
        proc = subprocess.run(
            [str(self.settings.python), "-c", code, dsn, statement],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise AirflowRunnerError(f"PostgreSQL: {statement!r} failed: {proc.stderr[-500:]}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.settings.startup_timeout
        workers = [n for n in self.processes if n.startswith("worker-")]
        while True:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    tail = "\n".join(self.log(name).strip().splitlines()[-20:])
                    raise AirflowRunnerError(f"Airflow {name} exited {process.returncode}:\n{tail}")
            ready_workers = all(" ready." in self.log(name) for name in workers)
            if ready_workers and self._healthy():
                return
            if time.monotonic() > deadline:
                raise AirflowRunnerError(
                    f"the Celery stack was not ready within {self.settings.startup_timeout} s"
                )
            time.sleep(0.5)

    def _healthy(self) -> bool:
        try:
            health = self.airflow.request("GET", "/api/v2/monitor/health")
        except AirflowRunnerError:
            return False
        scheduler = (health.get("scheduler") or {}).get("status")
        processor = (health.get("dag_processor") or {}).get("status")
        return scheduler == "healthy" and processor == "healthy"


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)  # the group led by the PID we started


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
