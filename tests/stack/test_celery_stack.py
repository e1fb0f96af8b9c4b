"""Parity on a production-shaped Airflow: CeleryExecutor (Redis broker, two worker processes),
PostgreSQL metadata in a database of its own, API server, scheduler and DAG processor.

The bundled examples and the parity suite's cases run there in one batch; the last test stops
the stack and checks every process is gone and the database dropped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import sys

import psutil
import psycopg2
import pytest
from pypedream_compiler import ParityReport, run_parity
from pypedream_compiler.embedded.reports import AirflowRunnerError
from pypedream_compiler.embedded.rest import LiveAirflow
from pypedream_compiler.embedded.stack import CeleryStack

from tests.parity.conftest import PIPELINES

pytestmark = [pytest.mark.stack, pytest.mark.airflow]

HOLES = "tests.parity.resources.holes"
SEED = "pypedream.examples.seed:pipeline"
SALES = "pypedream.examples.sales:pipeline"
CASES = [
    (SEED, {}),
    (SALES, {}),
    (SALES, {"region": "south", "since": dt.date(2026, 11, 3)}),
    (f"{HOLES}:exits", {}),
    (f"{HOLES}:known_list", {}),
    (f"{HOLES}:side_channel", {}),
    (f"{PIPELINES}:differs", {}),
]


@pytest.fixture(scope="module")
def report(celery_stack: CeleryStack) -> ParityReport:
    return run_parity(CASES, airflow=celery_stack.airflow)


def _tree(stack: CeleryStack) -> list[psutil.Process]:
    found = []
    for process in stack.processes.values():
        leader = psutil.Process(process.pid)
        found += [leader, *leader.children(recursive=True)]
    return found


def test_the_stack_has_two_celery_workers_and_postgresql(celery_stack: CeleryStack) -> None:
    workers = [name for name in celery_stack.processes if name.startswith("worker-")]
    assert len(workers) == 2
    assert all(" ready." in celery_stack.log(name) for name in workers)
    env = celery_stack._env()
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith(f"/{celery_stack.name}")


def test_nothing_listens_beyond_loopback(celery_stack: CeleryStack) -> None:
    listening = [
        (process.name(), conn.laddr)
        for process in _tree(celery_stack)
        for conn in process.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    ]
    assert listening, "the API server should listen"
    assert all(address.ip == "127.0.0.1" for _, address in listening), listening


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(0, id="seed"),
        pytest.param(1, id="sales-defaults"),
        pytest.param(2, id="sales-date-param"),
        pytest.param(3, id="sys-exit"),
        pytest.param(4, id="known-list"),
    ],
)
def test_cases_behave_the_same_on_celery_workers(report: ParityReport, index: int) -> None:
    run = report.runs[index]
    assert report.mode == "live"
    assert run.equal, run.render()


def test_the_side_channel_is_reported_on_celery_workers(report: ParityReport) -> None:
    run = report.runs[5]
    (difference,) = run.differences
    assert difference.startswith("stage 'use' output 'return': 43 (int) vs 0 (int)")
    assert "outside them" in difference


def test_planted_differences_are_reported_on_celery_workers(report: ParityReport) -> None:
    assert "airflow" not in sys.modules  # else the native side would act as an Airflow task
    run = report.runs[6]
    unequal = {row.stage for row in run.stages if not row.equal}
    # On PostgreSQL Airflow's own XCom keeps 25.0 a float (the SQLite trap is SQLite's).
    assert unequal == {"gold", "skip_in_airflow", "after_skip", "fail_with_side"}, run.render()


def test_the_stack_wants_credentials_as_production_does(celery_stack: CeleryStack) -> None:
    url, dags = celery_stack.airflow.url, celery_stack.airflow.dags_folder

    with pytest.raises(AirflowRunnerError, match="HTTP 401: Airflow wants credentials; set"):
        LiveAirflow(url, dags).request("GET", "/api/v2/dags")
    with pytest.raises(AirflowRunnerError, match="refused user 'pypedream': check the username"):
        LiveAirflow(url, dags, username="pypedream", password="wrong").version()
    token = celery_stack.airflow._bearer()
    assert token and LiveAirflow(url, dags, token=token).version().startswith("3.")


def test_parity_leaves_no_dag_file_behind(report: ParityReport, celery_stack: CeleryStack) -> None:
    assert report.equal is False  # the planted differences: the runs really happened
    assert list((celery_stack.airflow.dags_folder / "pypedream_parity").glob("*.py")) == []


def test_the_cli_points_parity_at_the_stack(
    celery_stack: CeleryStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypedream.cli.main import main

    monkeypatch.setenv("PYPEDREAM_AIRFLOW_USERNAME", "pypedream")
    monkeypatch.setenv("PYPEDREAM_AIRFLOW_PASSWORD", celery_stack.password)
    airflow = celery_stack.airflow
    out, err = io.StringIO(), io.StringIO()
    argv = ["parity", f"{HOLES}:known_list", "--airflow-url", airflow.url]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*argv, "--dags-folder", str(airflow.dags_folder), "--json"])

    assert code == 0, out.getvalue() + err.getvalue()
    data = json.loads(out.getvalue())
    assert data["equal"] is True
    assert data["mode"] == "live"
    assert data["airflow_python"] == airflow.url


def test_stop_ends_every_process_and_drops_the_database(celery_stack: CeleryStack) -> None:
    """Last in this module: the session fixture's own stop() then has nothing left to do."""
    processes = _tree(celery_stack)
    name = celery_stack.name
    celery_stack.stop()

    _, alive = psutil.wait_procs(processes, timeout=5)
    assert not alive, alive
    assert not celery_stack.processes
    with psycopg2.connect(f"{celery_stack.settings.postgres}/postgres") as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT datname FROM pg_database")
        databases = {row[0] for row in cursor.fetchall()}
    assert name not in databases
