"""`dev-airflow/airflow_dev.py stop` finds and stops every process it recorded, however long
their command lines (a checkout in a deep temporary folder): real processes stand in for
Airflow's, so no Airflow is needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.test_live_airflow import _load_script

# "airflow" only after column 200, as in `<deep checkout>/.venv/bin/python <...>/bin/airflow`
LONG_COMMAND = [sys.executable, "-c", "import time; time.sleep(120)", "x" * 200, "airflow"]


def test_stop_stops_processes_whose_command_lines_are_long(tmp_path: Path) -> None:
    dev = _load_script()
    processes = {
        name: subprocess.Popen(LONG_COMMAND, start_new_session=True)
        for name in ("api-server", "scheduler", "dag-processor")
    }
    try:
        pids = {name: process.pid for name, process in processes.items()}
        dev._write_state(dev.Server(tmp_path, tmp_path / "dags", "http://127.0.0.1:1", pids))

        stopped = dev.stop(tmp_path, timeout=10)

        assert stopped == ["api-server", "dag-processor", "scheduler"]
        for name, process in processes.items():
            assert process.wait(timeout=10) is not None, f"{name} still runs"
        assert not (tmp_path / dev.STATE_FILE).exists()
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
