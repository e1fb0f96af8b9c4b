"""Fixtures for the real-Airflow tests: one batch of DAG runs per Airflow version, run once.

The batch runs through ``run_in_environment`` in both cases, so Airflow never loads into the
pytest process and the CLI and the JSON transport are exercised too. Airflow 2 runs only when
``PYPEDREAM_AIRFLOW2_PYTHON`` names a Python with Airflow 2 and pypedream_compiler installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypedream_compiler.embedded.runner import BatchReport, DagRunRequest, run_in_environment

from tests.support.airflow_envs import AIRFLOW2_ENV_VAR, ENVIRONMENTS, airflow_python

RESOURCES = Path(__file__).parent / "resources"
DAG_FILES = sorted(RESOURCES.glob("*_dag.py"))
# Reports come back in this order; tests pick runs with BatchReport.run(dag_id, index).
REQUESTS = [
    DagRunRequest("pp_values"),
    DagRunRequest("pp_values", {"n": 5, "label": "over"}),
    DagRunRequest("pp_failing"),
    DagRunRequest("pp_values", {"n": "not a number"}),
    DagRunRequest("pp_frame"),
    DagRunRequest("pp_missing"),
]


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def batch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> BatchReport:
    """All ``REQUESTS`` over ``DAG_FILES``, run in one process of the given environment.

    The current environment uses a temporary Airflow home, Airflow 2 a given (kept) one.
    """
    python = airflow_python(request.param)
    home = tmp_path_factory.mktemp("airflow-home") if request.param == "airflow2" else None
    report = run_in_environment(python, REQUESTS, dags_dir_files=DAG_FILES, airflow_home=home)
    if request.param == "airflow2":
        assert report.airflow_major == 2, (
            f"{AIRFLOW2_ENV_VAR} runs Airflow {report.airflow_version}"
        )
    return report
