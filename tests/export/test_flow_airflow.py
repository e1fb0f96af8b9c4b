"""Trigger rules, branches, short-circuits and groups in real Airflow (3, and 2.11 through
PYPEDREAM_AIRFLOW2_PYTHON): every task's state and outputs must equal a native run's, and the
trigger-rule table (tests/resources/trigger_rules.py) must hold in Airflow as it does natively.
"""

from __future__ import annotations

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

from pypedream import Pipeline, TriggerRule
from pypedream.definition.reference import load_pipeline
from pypedream.worker.envelope import ENVELOPE_KEY, envelope_outputs
from tests.resources import trigger_rules as table
from tests.support.airflow_envs import ENVIRONMENTS, airflow_python

pytestmark = pytest.mark.airflow

STATE = {"success": "succeeded", "failed": "failed", "upstream_failed": "upstream_failed"}
STATE["skipped"] = "skipped"
RULES = {rule: f"tests.resources.trigger_rules:rule_{rule.value}" for rule in TriggerRule}
FLOWS = {
    "branching": "tests.resources.flows:branching",
    "short_circuit_all": "tests.resources.flows:short_circuit_all",
    "short_circuit_direct": "tests.resources.flows:short_circuit_direct",
    "grouped": "tests.resources.flows:grouped",
}
RUNS: list[tuple[str, dict[str, Any]]] = [
    ("branching", {"mode": "fast"}),
    ("branching", {"mode": "full"}),
    ("short_circuit_all", {"count": 0}),
    ("short_circuit_all", {"count": 2}),
    ("short_circuit_direct", {"count": 0}),
    ("grouped", {}),
]


@pytest.fixture(scope="module")
def dag_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("flow_dags")
    newer = TriggerRule.ALL_DONE_MIN_ONE_SUCCESS
    export_airflow([ref for rule, ref in RULES.items() if rule is not newer], out)
    export_airflow(RULES[newer], out, airflow_version="3")  # a rule Airflow 2 lacks
    export_airflow(list(FLOWS.values()), out)
    return sorted(out.glob("*.py"))


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def batch(request: pytest.FixtureRequest, dag_files: list[Path]) -> BatchReport:
    python = airflow_python(request.param)
    major = 3 if request.param == "airflow3" else 2
    files = [f for f in dag_files if major >= 3 or "all_done_min_one_success" not in f.name]
    runs = [DagRunRequest(f"rule_{rule.value}", {}) for rule in _rules(major)]
    runs += [DagRunRequest(dag_id, conf) for dag_id, conf in RUNS]
    report = run_in_environment(python, runs, dags_dir_files=files)
    assert report.airflow_major == major
    assert report.import_errors == {}
    return report


def _rules(major: int) -> list[TriggerRule]:
    return [rule for rule in TriggerRule if major >= 3 or rule.value != "all_done_min_one_success"]


def _task_id(pipeline: Pipeline, key: str) -> str:
    group = pipeline.stages[key].group
    return key if group is None else f"{group}.{key}"


def _differences(run: DagRunReport, pipeline: Pipeline) -> list[str]:
    """Stages whose state or outputs differ between Airflow and a native run."""
    assert run.error is None, run.error
    native = pipeline.run(dict(run.conf), run_id=run.run_id, raise_on_failure=False)
    problems = []
    for key, result in native.stages.items():
        task = run.task(_task_id(pipeline, key))
        state = STATE.get(task.state or "", task.state)
        if state != result.status.value:
            problems.append(f"{key}: native {result.status.value}, airflow {task.state}")
        elif result.ok and envelope_outputs(task.xcom(ENVELOPE_KEY)) != dict(result.outputs):
            problems.append(f"{key}: outputs differ")
    return problems


@pytest.mark.parametrize("rule", list(TriggerRule), ids=lambda rule: rule.value)
def test_each_trigger_rule_decides_as_natively_and_as_the_table_says(
    batch: BatchReport, rule: TriggerRule
) -> None:
    if rule not in _rules(batch.airflow_major):
        pytest.skip(f"{rule.value} does not exist in Airflow {batch.airflow_major}")
    run = batch.run(f"rule_{rule.value}")
    pipeline = load_pipeline(RULES[rule])

    assert _differences(run, pipeline) == []
    airflow = tuple(STATE[run.task(table.join_key(c)).state or ""] for c in table.COMBOS)
    assert airflow == table.EXPECTED[rule]


@pytest.mark.parametrize(
    ("dag_id", "index"),
    [
        pytest.param("branching", 0, id="branch-fast-then-join"),
        pytest.param("branching", 1, id="branch-full-then-join"),
        pytest.param("short_circuit_all", 0, id="short-circuit-skips-all"),
        pytest.param("short_circuit_all", 1, id="short-circuit-truthy"),
        pytest.param("short_circuit_direct", 0, id="short-circuit-direct-only"),
        pytest.param("grouped", 0, id="task-group"),
    ],
)
def test_flows_match_a_native_run(batch: BatchReport, dag_id: str, index: int) -> None:
    assert _differences(batch.run(dag_id, index), load_pipeline(FLOWS[dag_id])) == []


def test_branch_skips_the_other_path_and_the_strict_join(batch: BatchReport) -> None:
    states = {task.task_id: task.state for task in batch.run("branching", 1).tasks}
    assert states == {
        "pick": "success",
        "fast": "skipped",
        "full": "success",
        "join": "success",
        "strict_join": "skipped",
    }


def test_short_circuit_without_ignoring_rules_lets_all_done_run(batch: BatchReport) -> None:
    states = {task.task_id: task.state for task in batch.run("short_circuit_direct").tasks}
    assert states == {"check": "success", "step": "skipped", "cleanup": "success"}


def test_grouped_stages_are_task_group_members(batch: BatchReport) -> None:
    ids = {task.task_id for task in batch.run("grouped").tasks}
    assert ids == {"regions.eu", "regions.us", "report"}
