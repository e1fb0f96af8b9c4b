"""Mapped stages in real Airflow (3, and 2.11 through PYPEDREAM_AIRFLOW2_PYTHON): dynamic task
mapping gives every instance and every downstream stage the same state and values as a native
run, for 0, 1 and 100 items, chained maps, zips, a broadcast parameter and a failing instance.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pypedream_compiler import export_airflow
from pypedream_compiler.embedded.runner import (
    BatchReport,
    DagRunReport,
    DagRunRequest,
    run_in_environment,
)

from pypedream import Pipeline, RunResult
from pypedream.definition.reference import load_pipeline
from pypedream.worker.envelope import ENVELOPE_KEY, envelope_outputs
from tests.support.airflow_envs import ENVIRONMENTS, airflow_python

pytestmark = pytest.mark.airflow

STATE = {"success": "succeeded", "failed": "failed", "upstream_failed": "upstream_failed"}
STATE["skipped"] = "skipped"
TARGETS = {
    "map_sizes": "tests.resources.maps:sizes",
    "map_chained": "tests.resources.maps:chained",
    "map_retried": "tests.resources.maps:retried",
}
RUNS: list[tuple[str, dict[str, Any]]] = [
    ("map_sizes", {"count": 0}),
    ("map_sizes", {"count": 1}),
    ("map_sizes", {"count": 100}),
    ("map_chained", {}),
    ("map_chained", {"files": [], "letters": ["x"], "numbers": [4]}),
]


def _runs(markers: Path) -> list[tuple[str, dict[str, Any]]]:
    return [*RUNS, ("map_retried", {"marker_dir": str(markers)})]


@pytest.fixture(scope="module")
def dag_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("map_dags")
    export_airflow(list(TARGETS.values()), out)
    return sorted(out.glob("*.py"))


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def batch(
    request: pytest.FixtureRequest,
    dag_files: list[Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> BatchReport:
    python = airflow_python(request.param)
    markers = tmp_path_factory.mktemp("markers")
    runs = [DagRunRequest(dag_id, conf) for dag_id, conf in _runs(markers)]
    report = run_in_environment(python, runs, dags_dir_files=dag_files)
    assert report.import_errors == {}
    return report


def _task_id(pipeline: Pipeline, key: str) -> str:
    group = pipeline.stages[key].group
    return key if group is None else f"{group}.{key}"


def _instances(run: DagRunReport, task_id: str) -> list[tuple[int, str]]:
    found = [(t.map_index, STATE.get(t.state or "", t.state)) for t in run.tasks]
    return sorted(
        (index, state)
        for (index, state), t in zip(found, run.tasks, strict=True)
        if t.task_id == task_id
    )


def _native(pipeline: Pipeline, run: DagRunReport) -> RunResult:
    return pipeline.run(dict(run.conf), run_id=run.run_id, raise_on_failure=False)


def _differences(run: DagRunReport, pipeline: Pipeline) -> list[str]:
    assert run.error is None, run.error
    native = _native(pipeline, run)
    problems = []
    for key, result in native.stages.items():
        task_id = _task_id(pipeline, key)
        if pipeline.stages[key].map_over:
            instances = _instances(run, task_id)
            expected = _expected_instances(result)
            if instances != expected:
                problems.append(f"{key}: native {expected}, airflow {instances}")
            continue
        task = run.task(task_id)
        state = STATE.get(task.state or "", task.state)
        if state != result.status.value:
            problems.append(f"{key}: native {result.status.value}, airflow {task.state}")
        elif result.ok and envelope_outputs(task.xcom(ENVELOPE_KEY)) != dict(result.outputs):
            problems.append(f"{key}: outputs differ")
    return problems


def _expected_instances(result: Any) -> list[tuple[int, str]]:
    """Airflow's instances of a mapped stage, from its native result (an empty map runs one
    placeholder instance; an unexpanded one is a single unmapped task instance)."""
    if result.instances is None:
        return [(-1, result.status.value)]
    if result.instances.size == 0:
        return [(0, "succeeded")]
    states = {int(p.key.rsplit("[", 1)[1][:-1]): p.status.value for p in result.instances.problems}
    return [(i, states.get(i, "succeeded")) for i in range(result.instances.size)]


@pytest.mark.parametrize(
    ("dag_id", "index"),
    [
        pytest.param("map_sizes", 0, id="map-0-items-reducer-runs"),
        pytest.param("map_sizes", 1, id="map-1-item"),
        pytest.param("map_sizes", 2, id="map-100-items"),
        pytest.param("map_chained", 0, id="chained-zip-failing-instance"),
        pytest.param("map_chained", 1, id="chained-empty-failing-list"),
    ],
)
def test_mapped_runs_match_a_native_run(batch: BatchReport, dag_id: str, index: int) -> None:
    assert _differences(batch.run(dag_id, index), load_pipeline(TARGETS[dag_id])) == []


def test_an_empty_map_runs_the_reducer_with_an_empty_list(batch: BatchReport) -> None:
    run = batch.run("map_sizes", 0)
    assert envelope_outputs(run.task("total").xcom(ENVELOPE_KEY)) == {
        "return": {"files": 0, "bytes": 0}
    }
    assert run.state == "success"


def test_instances_are_labelled_with_their_item(batch: BatchReport) -> None:
    run = batch.run("map_sizes", 1)
    assert run.task("work.size", 0).label == "'file000.csv'"
    assert batch.run("map_sizes", 0).task("work.size", 0).label == "(no items)"


def test_a_hundred_instances_reduce_in_order(batch: BatchReport) -> None:
    run = batch.run("map_sizes", 2)
    assert len(_instances(run, "work.size")) == 100
    assert envelope_outputs(run.task("total").xcom(ENVELOPE_KEY)) == {
        "return": {"files": 100, "bytes": 100 * 110}
    }


def test_a_failing_instance_fails_alone_and_its_reducer_is_upstream_failed(
    batch: BatchReport,
) -> None:
    run = batch.run("map_chained", 0)
    assert _instances(run, "checked") == [(0, "succeeded"), (1, "failed")]
    assert "cannot read bad.csv" in (run.task("checked", 1).log or "")
    assert run.task("checked_count").state == "upstream_failed"
    assert envelope_outputs(run.task("always_count").xcom(ENVELOPE_KEY)) == {"return": 1}
    assert envelope_outputs(run.task("joined").xcom(ENVELOPE_KEY)) == {"return": "#2,#4,#6"}
    assert envelope_outputs(run.task("pairs", 2).xcom(ENVELOPE_KEY)) == {"return": "z3"}


def test_retries_are_per_instance(batch: BatchReport) -> None:
    run = batch.run("map_retried")
    assert [(t.map_index, t.state, t.try_number) for t in run.tasks if t.task_id == "fetch"] == [
        (0, "success", 1),
        (1, "success", 2),
        (2, "success", 1),
    ]
    assert "b: try again" in (run.task("fetch", 1).log or "")


def test_every_event_of_an_instance_carries_its_map_index(batch: BatchReport) -> None:
    run = batch.run("map_retried")
    for index in range(3):
        events = _pypedream_events(run.task("fetch", index).log or "")
        assert {"stage_started", "stage_succeeded"} <= {e["event"] for e in events}
        assert {e.get("map_index") for e in events} == {index}, events
    # Each Airflow try is an attempt of its own: the first one of instance 1 failed.
    retried = [
        (e["event"], e["attempt"]) for e in _pypedream_events(run.task("fetch", 1).log or "")
    ]
    assert ("stage_failed", 1) in retried
    assert ("stage_succeeded", 2) in retried


def _pypedream_events(log: str) -> list[dict[str, Any]]:
    """The JSON events pypedream wrote to a task log (Airflow may prefix each line)."""
    events = []
    for line in log.splitlines():
        start = line.find('{"pipeline"')
        if start >= 0:
            events.append(json.loads(line[start : line.rindex("}") + 1]))
    return events


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def capped_batch(request: pytest.FixtureRequest, dag_files: list[Path]) -> BatchReport:
    """`map_sizes` over 3 and 4 items in an Airflow whose [core] max_map_length is 3."""
    runs = [DagRunRequest("map_sizes", {"count": 3}), DagRunRequest("map_sizes", {"count": 4})]
    return run_in_environment(
        airflow_python(request.param),
        runs,
        dags_dir_files=dag_files,
        env={"AIRFLOW__CORE__MAX_MAP_LENGTH": "3"},
    )


def test_tasks_cap_a_map_at_airflows_configured_max_map_length(capped_batch: BatchReport) -> None:
    pipeline = load_pipeline(TARGETS["map_sizes"])
    assert capped_batch.max_map_length == 3
    fits, too_long = capped_batch.run("map_sizes", 0), capped_batch.run("map_sizes", 1)

    assert len(_instances(fits, "work.size")) == 3
    assert fits.state == "success"
    assert "more than max_map_length=3" in (too_long.task("work.size", 0).log or "")
    assert too_long.task("total").state == "upstream_failed"
    native = pipeline.run({"count": 4}, raise_on_failure=False, max_map_length=3)
    assert native.stages["size"].status.value == "failed"
    assert native.stages["total"].status.value == "upstream_failed"
