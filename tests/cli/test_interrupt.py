"""Ctrl-C on a real `pypedream run` process: a clean stop, a summary, a final log event."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

SLEEPY = "tests.cli.resources.steering:sleepy"


def _start(tmp_path: Path, *options: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TERM": "dumb", "NO_COLOR": "1"}
    command = [sys.executable, "-m", "pypedream.cli", "run", SLEEPY]
    return subprocess.Popen(
        [*command, "-p", f"marker_dir={tmp_path}", *options],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def _events(tmp_path: Path) -> list[dict[str, object]]:
    (log,) = (tmp_path / "logs").glob("sleepy_*.jsonl")
    return [json.loads(line) for line in log.read_text().splitlines()]


def _rows(stdout: str) -> dict[str, str]:
    return {line.split()[0]: line for line in stdout.splitlines()[2:5]}


@pytest.mark.parametrize(
    "workers", [pytest.param((), id="sequential"), pytest.param(("--workers", "2"), id="threads")]
)
def test_one_ctrl_c_waits_for_running_stages_then_reports(
    tmp_path: Path, workers: tuple[str, ...]
) -> None:
    process = _start(tmp_path, *workers)
    _wait_for(tmp_path / "first", process)
    if workers:
        _wait_for(tmp_path / "side", process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    assert "Interrupted: starting no new stage; waiting for the running stages to finish: " in err
    assert "Press Ctrl-C again to stop now." in err
    rows = _rows(out)
    assert "succeeded" in rows["first"]
    assert "not started: the run was interrupted (Ctrl-C)" in rows["last"]
    if workers:
        assert "succeeded" in rows["side"]  # it was running: the run waited for it
    else:
        assert "not started" in rows["side"]
    assert "INTERRUPTED: pipeline 'sleepy'" in out
    events = _events(tmp_path)
    assert events[-1]["event"] == "run_interrupted"
    assert "last" in events[-1]["not_started"]  # type: ignore[operator]
    assert "still logging at the end" in [e.get("event") for e in events]
    assert "I/O operation on closed file" not in err
    assert "Traceback" not in err


def test_a_second_ctrl_c_stops_at_once(tmp_path: Path) -> None:
    process = _start(tmp_path, "--workers", "2")
    _wait_for(tmp_path / "first", process)
    _wait_for(tmp_path / "side", process)
    process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    rows = _rows(out)
    assert "interrupted while running" in rows["first"]
    assert "interrupted while running" in rows["side"]
    assert rows["first"].split()[1] == "interrupted"  # the status column, not `failed`
    assert float(rows["first"].split()[3].rstrip("s")) >= 0.3  # how long it ran until stopped
    assert "not started" in rows["last"]
    assert _events(tmp_path)[-1]["event"] == "run_interrupted"
    assert "I/O operation on closed file" not in err
    assert "stage 'first' was interrupted while running (Ctrl-C)" in err
