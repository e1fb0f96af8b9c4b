"""A live Airflow 3 on loopback (dev-airflow/airflow_dev.py) runs an exported pipeline exactly.

The seed example is exported into a temporary DAGs folder, Airflow is started with a temporary
home through the script's command line (as a user would), and runs are triggered and awaited
through the script's functions. The processes are stopped even when a test fails.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parents[2] / "dev-airflow" / "airflow_dev.py"
SEED = "pypedream.examples.seed"


def _airflow_major() -> int | None:
    try:
        return int(importlib.metadata.version("apache-airflow").split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return None


def _load_script() -> ModuleType:
    """dev-airflow/airflow_dev.py as a module (its folder name is not importable)."""
    spec = importlib.util.spec_from_file_location("airflow_dev", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live-airflow")


@pytest.fixture(scope="module")
def seed(tmp_root: Path) -> Iterator[ModuleType]:
    """The seed example, imported with the cwd in tmp (its import makes `logs/` in the cwd)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_root)
        patch.delitem(sys.modules, SEED, raising=False)
        module = importlib.import_module(SEED)
        patch.setitem(sys.modules, SEED, module)
        yield module


@pytest.fixture(scope="module")
def live(tmp_root: Path, seed: ModuleType) -> Iterator[tuple[ModuleType, Path]]:
    """(airflow_dev module, home) of a running Airflow whose DAGs folder holds the seed DAG."""
    major = _airflow_major()
    if major is None or major < 3:
        found = f"Airflow {major}.x" if major else "no Airflow"
        pytest.skip(f"needs Airflow 3 in {sys.executable} (found {found})")
    from pypedream_compiler import export_airflow

    home, dags = tmp_root / "home", tmp_root / "dags"
    export_airflow(f"{SEED}:pipeline", dags)
    cli = [sys.executable, str(SCRIPT), "--home", str(home), "--dags", str(dags)]
    try:
        began = time.monotonic()
        started = subprocess.run([*cli, "start"], capture_output=True, text=True, timeout=180)
        assert started.returncode == 0, f"start failed:\n{started.stdout}{started.stderr}"
        print(f"\nlive Airflow healthy after {time.monotonic() - began:.1f} s")
        yield _load_script(), home
    finally:  # also after a failed or timed-out start: the state file names the PIDs
        subprocess.run([*cli, "stop"], capture_output=True, text=True, timeout=60)


def test_a_triggered_run_gives_each_task_the_native_outputs(
    live: tuple[ModuleType, Path], seed: ModuleType
) -> None:
    dev, home = live
    native = seed.pipeline.run(source1="alpha")
    assert native.ok

    began = time.monotonic()
    run = dev.trigger(home, "ok_enough", {"source1": "alpha"})
    report = dev.wait(home, "ok_enough", run["dag_run_id"], timeout=120)
    print(f"trigger -> {report.state} in {time.monotonic() - began:.1f} s")

    assert report.state == "success", report
    assert {task.task_id: task.state for task in report.tasks} == dict.fromkeys(
        native.stages, "success"
    )
    for task in report.tasks:
        assert task.outputs == dict(native.outputs(task.task_id)), task.task_id


def test_wait_on_the_command_line_prints_states_and_outputs(
    live: tuple[ModuleType, Path],
) -> None:
    dev, home = live
    run = dev.trigger(home, "ok_enough", {"source2": "beta"})
    cli = [sys.executable, str(SCRIPT), "--home", str(home), "wait", run["dag_run_id"]]
    done = subprocess.run(cli, capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith(": success")
    assert "  validate_data: success" in lines
    assert any(line.strip().startswith("return = 'beta for day") for line in lines)


@pytest.mark.parametrize("conf", [pytest.param({"source1": 5}, id="int-for-string")])
def test_a_conf_that_breaks_a_param_schema_is_refused_naming_it(
    live: tuple[ModuleType, Path], conf: dict[str, Any]
) -> None:
    dev, home = live
    with pytest.raises(dev.DevAirflowError) as refused:
        dev.trigger(home, "ok_enough", conf)
    message = str(refused.value)
    assert "HTTP 400" in message
    assert "source1" in message
