"""Exported DAG files in real Airflow (3.x in this environment, 2.11 via PYPEDREAM_AIRFLOW2_PYTHON):
every task's outputs must equal a native run of the same pipeline with the same parameters.

One batch of DAG runs per Airflow version (Airflow's first dag.test() in a process is slow).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pypedream_compiler import export_airflow
from pypedream_compiler.codegen.ids import airflow_id
from pypedream_compiler.embedded.runner import (
    BatchReport,
    DagRunReport,
    DagRunRequest,
    run_in_environment,
)
from pypedream_compiler.parity.compare import first_difference

from pypedream import Pipeline
from pypedream.definition.reference import load_pipeline
from pypedream.worker.envelope import ENVELOPE_KEY, envelope_outputs
from tests.export.resources.pipelines import HOSTILE
from tests.support.airflow_envs import ENVIRONMENTS, airflow_python

pytestmark = pytest.mark.airflow

RESOURCES = "tests.export.resources.pipelines"
TARGETS = {
    "ok_enough": "pypedream.examples.seed:pipeline",
    "sales_report": "pypedream.examples.sales:pipeline",
    "values": f"{RESOURCES}:values",
    "failing": f"{RESOURCES}:failing",
    "control_flow": f"{RESOURCES}:control",
    "ok_enough_import_os": f"{RESOURCES}:hostile",
    "chain_200": f"{RESOURCES}:chain200",
    "unsupported_value": f"{RESOURCES}:unsupported",
}
STATUS = {"success": "succeeded", "failed": "failed", "upstream_failed": "upstream_failed"}
STATUS["skipped"] = "skipped"


def _requests(markers: Path) -> list[tuple[str, dict[str, Any]]]:
    """(dag_id, conf) of every run, in batch order."""
    return [
        ("ok_enough", {}),
        ("ok_enough", {"source1": "alpha"}),
        ("sales_report", {"region": "south", "since": "2026-11-03"}),
        ("sales_report", {}),
        ("values", {}),
        ("failing", {}),
        ("control_flow", {"marker_dir": str(markers), "skip": False}),
        ("control_flow", {"marker_dir": str(markers), "skip": True}),
        ("ok_enough_import_os", {HOSTILE: "overridden at trigger"}),
        ("chain_200", {}),
        ("unsupported_value", {}),
        ("ok_enough", {"source1": 5}),
        ("ok_enough_stale", {}),
    ]


@pytest.fixture(scope="module")
def dag_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("dags")
    results = export_airflow(list(TARGETS.values()), out)
    assert sorted(r.dag_id for r in results) == sorted(TARGETS)
    seed = (out / "ok_enough.py").read_text()
    stale = seed.replace('dag_id="ok_enough"', 'dag_id="ok_enough_stale"')
    stale = stale.replace('FINGERPRINT = "', 'FINGERPRINT = "0000stale0000000"  # was "', 1)
    (out / "ok_enough_stale.py").write_text(stale)
    return sorted(out.glob("*.py"))


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def batch(
    request: pytest.FixtureRequest,
    dag_files: list[Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[BatchReport, Path]:
    python = airflow_python(request.param)
    markers = tmp_path_factory.mktemp("markers")
    runs = [DagRunRequest(dag_id, conf) for dag_id, conf in _requests(markers)]
    report = run_in_environment(python, runs, dags_dir_files=dag_files)
    expected_major = 3 if request.param == "airflow3" else 2
    assert report.airflow_major == expected_major
    assert report.import_errors == {}
    return report, markers


def _airflow_outputs(run: DagRunReport, task_id: str) -> dict[str, Any] | None:
    try:
        raw = run.task(task_id).xcom(ENVELOPE_KEY)
    except KeyError:
        return None
    return envelope_outputs(raw)


def _native(pipeline: Pipeline, run: DagRunReport, markers: Path) -> Any:
    conf = dict(run.conf)
    if "marker_dir" in conf:  # the flaky stage keeps its own attempt marker per side
        conf["marker_dir"] = str(markers / "native")
    for name, spec in pipeline.parameters.specs.items():
        if name in conf and spec.value_type is dt.date:
            conf[name] = dt.date.fromisoformat(conf[name])
    return pipeline.run(conf, run_id=run.run_id, raise_on_failure=False)


def _assert_same_as_native(run: DagRunReport, markers: Path) -> None:
    assert run.error is None, run.error
    pipeline = load_pipeline(TARGETS[run.dag_id])
    native = _native(pipeline, run, markers)
    task_ids = {key: airflow_id(key) for key in pipeline.graph.order}
    problems = []
    for key, stage_result in native.stages.items():
        task = run.task(task_ids[key])
        status = STATUS.get(task.state or "", task.state)
        if status != stage_result.status.value:
            problems.append(f"{key}: native {stage_result.status.value}, airflow {task.state}")
            continue
        if stage_result.ok:
            found = first_difference(
                dict(stage_result.outputs), _airflow_outputs(run, task_ids[key]), path=key
            )
            if found:
                problems.append(found)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "dag_id, index",
    [
        pytest.param("ok_enough", 0, id="seed-defaults"),
        pytest.param("ok_enough", 1, id="seed-param-override"),
        pytest.param("sales_report", 0, id="sales-override-with-date"),
        pytest.param("sales_report", 1, id="sales-defaults"),
        pytest.param("values", 0, id="value-fidelity"),
        pytest.param("failing", 0, id="failing-stage"),
        pytest.param("control_flow", 0, id="retry-then-succeed"),
        pytest.param("control_flow", 1, id="skip-propagates"),
        pytest.param("ok_enough_import_os", 0, id="hostile-names"),
        pytest.param("chain_200", 0, id="200-stage-chain"),
    ],
)
def test_every_task_matches_a_native_run(batch, dag_id: str, index: int) -> None:
    report, markers = batch
    _assert_same_as_native(report.run(dag_id, index), markers)


def test_failing_stage_fails_its_downstream_and_spares_the_rest(batch) -> None:
    run = batch[0].run("failing")
    states = {task.task_id: task.state for task in run.tasks}
    assert run.state == "failed"
    assert states == {
        "start": "success",
        "explode": "failed",
        "after_explode": "upstream_failed",
        "way_after": "upstream_failed",
        "independent": "success",
    }
    assert "boom: cannot use 'boom'" in (run.task("explode").log or "")


def test_integral_float_reaches_downstream_as_float(batch) -> None:
    run = batch[0].run("values")
    assert _airflow_outputs(run, "sees_float") == {"return": {"type": "float", "value": 25.0}}


def test_airflow3_sqlite_coerces_the_idiomatic_return_value_only(batch) -> None:
    """Documented Airflow behaviour: the plain `return_value` row of 25.0 reads back as 25 on
    Airflow 3 + SQLite; pypedream's own XCom (what downstream stages get) keeps 25.0."""
    report, _ = batch
    run = report.run("values")
    plain = run.task("integral_float").xcom("return_value")
    assert plain == 25.0
    assert type(plain) is (int if report.airflow_major >= 3 else float)
    assert _airflow_outputs(run, "integral_float") == {"return": 25.0}


def test_retry_is_airflow_retry(batch) -> None:
    task = batch[0].run("control_flow", 0).task("flaky")
    assert task.state == "success"
    assert task.try_number == 2


def test_hostile_values_survive_exactly(batch) -> None:
    run = batch[0].run("ok_enough_import_os")
    assert _airflow_outputs(run, airflow_id(HOSTILE)) == {"return": "overridden at trigger"}


def test_value_airflow_cannot_carry_fails_naming_stage_output_and_type(batch) -> None:
    run = batch[0].run("unsupported_value")
    assert run.task("makes_object").state == "failed"
    assert run.task("uses_object").state == "upstream_failed"
    log = run.task("makes_object").log or ""
    assert "ValueTransportError" in log
    assert "stage 'makes_object' output 'return'" in log
    assert "builtins.object" in log


def test_invalid_conf_is_refused_before_any_task_runs(batch) -> None:
    run = batch[0].run("ok_enough", 2)
    assert run.state is None
    assert run.error is not None and "source1" in run.error


def test_stale_dag_file_refuses_to_run(batch) -> None:
    run = batch[0].run("ok_enough_stale")
    assert run.state == "failed"
    first = next(t for t in run.tasks if t.state == "failed")
    assert "DAG file is stale" in (first.log or "")
    assert "pypedream export-airflow" in (first.log or "")


def test_structured_logs_reach_the_task_log(batch) -> None:
    run = batch[0].run("ok_enough", 1)
    lines = [  # a task in its own process: the supervisor re-logs the line, " [task.stdout]"
        json.JSONDecoder().raw_decode(line[line.index("{") :])[0]
        for line in (run.task("validate_data").log or "").splitlines()
        if '"event": "stage_succeeded"' in line
    ]
    assert lines, "no pypedream event in the task log"
    event = lines[0]
    assert event["pipeline"] == "ok enough"
    assert event["stage"] == "validate_data"
    assert event["run_id"] == run.run_id
    assert event["sources"] == ["alpha", "billing_api"]


@pytest.mark.parametrize("dag_id", [pytest.param(dag_id, id=dag_id) for dag_id in sorted(TARGETS)])
def test_parsed_dag_declares_the_pipelines_tasks_edges_and_params(batch, dag_id: str) -> None:
    report, _ = batch
    pipeline = load_pipeline(TARGETS[dag_id])
    graph = pipeline.graph
    declared = report.dags[dag_id]
    expected_tasks = {
        airflow_id(key): {
            "upstream": sorted(airflow_id(up) for up in graph.upstream[key]),
            # unset retries keep the deployment's default_task_retries: 0 in these homes
            "retries": graph.stages[key].retry_count,
        }
        for key in graph.order
    }
    assert declared["tasks"] == expected_tasks
    expected_params = {
        name: spec.default.isoformat() if isinstance(spec.default, dt.date) else spec.default
        for name, spec in pipeline.parameters.specs.items()
    }
    assert declared["params"] == expected_params
