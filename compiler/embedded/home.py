"""The Airflow installation and the private Airflow home a process runs DAG files in.

Standard library only (Airflow itself is never imported here): the runner imports this
inside Airflow environments, and Airflow must be configured before it is first imported.
"""

from __future__ import annotations

import atexit
import fcntl
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pypedream_compiler.embedded.reports import AirflowRunnerError

__all__ = [
    "airflow_env",
    "airflow_major",
    "airflow_version",
    "configure_process",
    "copy_dag_files",
    "migrated_db",
]

_process_home: Path | None = None


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


def configure_process(airflow_home: Path | None, keep_home: bool, version: str) -> Path:
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
        shutil.copyfile(migrated_db(version), home / "airflow.db")
    os.environ.update(airflow_env(home))
    _process_home = home
    return home


def airflow_env(home: Path) -> dict[str, str]:
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
        # Airflow 3's task supervisor notices a finished child only when its select() times
        # out, up to this many seconds (default 5): process-per-task runs wait it per task.
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
    }


def migrated_db(version: str) -> Path:
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
            env = {**os.environ, **airflow_env(Path(tmp))}
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


def copy_dag_files(files: Sequence[Path], dags_dir: Path, *, clear: bool) -> None:
    """Copy the DAG files into ``dags_dir``; ``clear`` first drops the files already there."""
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
