"""In real Airflow: a pipeline exported with `airflow_xcoms=False` and run with a deployment
secret stores one signed envelope per task and nothing else, and every value the old codec lost
(Series name, categorical order, tz-aware dtype, Flag combinations and zero, dataclass state,
namedtuple, time zones, a 5,000-digit int) arrives downstream identical."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypedream_compiler import export_airflow
from pypedream_compiler.embedded.runner import DagRunRequest, run_in_environment

from pypedream.worker.allowlist import pipeline_allowlist
from pypedream.worker.envelope import ENVELOPE_SECRET_ENV, SIGNED_PREFIX, envelope_outputs
from pypedream.worker.sameness import first_difference
from tests.parity.resources.pipelines import transport, transport_values
from tests.support.airflow_envs import ENVIRONMENTS, airflow_python

pytestmark = pytest.mark.airflow
REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-deployment-secret"


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    python = airflow_python(request.param)
    dags = tmp_path_factory.mktemp("dags")
    home = tmp_path_factory.mktemp("airflow-home") if request.param == "airflow2" else None
    [exported] = export_airflow("tests.parity.resources.pipelines:transport", dags)
    report = run_in_environment(
        python,
        [DagRunRequest(exported.dag_id)],
        dags_dir_files=[exported.path],
        airflow_home=home,
        env={"PYTHONPATH": str(REPO_ROOT), ENVELOPE_SECRET_ENV: SECRET},
    )
    return report.runs[0]


def test_each_task_stores_only_its_signed_envelope(run) -> None:
    assert run.state == "success", run
    for task in run.tasks:
        assert [entry.key for entry in task.xcoms] == ["pypedream"]
        assert task.xcoms[0].value.startswith(SIGNED_PREFIX)


def test_former_losses_arrive_identical(run, monkeypatch) -> None:
    monkeypatch.setenv(ENVELOPE_SECRET_ENV, SECRET)
    use = next(task for task in run.tasks if task.task_id == "use")
    [entry] = use.xcoms
    got = envelope_outputs(entry.value, pipeline_allowlist(transport))["return"]
    assert first_difference(transport_values(), got) is None
