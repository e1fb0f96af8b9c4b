"""The stale-DAG fingerprint: every change to what an exported file fixes changes it; nothing
else does. Airflow's side (a stale file's task refuses to run) is in test_semantic_holes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
from typing import Any

import pytest

from pypedream import AirflowOptions, KeyedOutputMapper, Parameters, Pipeline, Stage
from pypedream.definition.parameters import Parameter
from pypedream.input import dependency, known, param
from pypedream.worker.fingerprint import COVERED, EXCLUDED, fingerprint


def first(n: int, today: str) -> int:
    return n


def other_first(n: int, today: str) -> int:
    return n + 1


def second(value: int) -> dict[str, int]:
    return {"v": value}


def _pipeline(**change: Any) -> Pipeline:
    """The base pipeline, with one thing changed."""
    parameters = change.get("parameters", {"n": Parameter(3, description="how many")})
    first_stage = Stage(
        change.get("function", first),
        inputs=[
            param(change.get("param_name", "n"), "n"),
            known(change.get("known", "2026-01-01"), "today"),
        ],
        retries=change.get("retries", 0),
        retry_delay=change.get("retry_delay", 0.0),
        description=change.get("stage_description"),
    )
    second_stage = Stage(
        second,
        inputs=[dependency("first", "value")],
        output_mapper=change.get("mapper", KeyedOutputMapper(["v"])),
        after=change.get("after", ()),
    )
    stages = {"first": first_stage, "second": second_stage}
    if "extra_stage" in change:
        stages["third"] = Stage(second, inputs=[dependency("first", "value")])
    return Pipeline(
        "fingerprinted",
        parameters=Parameters.define(**parameters),
        stages=stages,
        variables=change.get("variables", {"v": 1}),
        log_settings=None,
        description=change.get("description"),
        airflow=change.get("airflow", AirflowOptions()),
    )


BASE = fingerprint(_pipeline())

STALE = [
    pytest.param({"parameters": {"n": Parameter(4, description="how many")}}, id="param-default"),
    pytest.param({"parameters": {"n": Parameter(3.0)}}, id="param-default-type"),
    pytest.param({"parameters": {"n": Parameter(3, type=float)}}, id="param-type"),
    pytest.param({"parameters": {"n": Parameter(3, secret=True)}}, id="param-secret"),
    pytest.param({"parameters": {"n": Parameter()}}, id="param-required"),
    pytest.param({"parameters": {"n": Parameter(3), "m": Parameter(1)}}, id="param-added"),
    pytest.param({"parameters": {"n": 3, "m": 1}, "param_name": "m"}, id="binding"),
    pytest.param({"function": other_first}, id="function"),
    pytest.param({"retries": 2}, id="retries"),
    pytest.param({"retry_delay": 5}, id="retry-delay"),
    pytest.param({"retry_delay": None}, id="retry-delay-airflow-default"),
    pytest.param({"retry_delay": dt.timedelta(minutes=1)}, id="retry-delay-timedelta"),
    pytest.param({"mapper": KeyedOutputMapper(["v", "w"])}, id="output-mapper"),
    pytest.param({"after": ("first",)}, id="after"),
    pytest.param({"extra_stage": True}, id="stage-added"),
    pytest.param({"airflow": AirflowOptions(dag_id="renamed")}, id="airflow-dag-id"),
    pytest.param({"airflow": AirflowOptions(schedule="@daily")}, id="airflow-schedule"),
    pytest.param(
        {"airflow": AirflowOptions(start_date=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))},
        id="airflow-start-date",
    ),
    pytest.param({"airflow": AirflowOptions(catchup=True)}, id="airflow-catchup"),
    pytest.param({"airflow": AirflowOptions(tags=("x",))}, id="airflow-tags"),
    pytest.param({"airflow": AirflowOptions(owner="ops")}, id="airflow-owner"),
    pytest.param(
        {"airflow": AirflowOptions(default_args={"email": ["a@b.c"]})}, id="airflow-default-args"
    ),
    pytest.param({"airflow": AirflowOptions(max_active_runs=1)}, id="airflow-max-active-runs"),
    pytest.param({"airflow": AirflowOptions(airflow_xcoms=False)}, id="airflow-xcoms"),
]

SAME = [
    pytest.param({"known": "2026-12-31"}, id="known-value"),
    pytest.param({"parameters": {"n": Parameter(3, description="other")}}, id="param-doc"),
    pytest.param({"stage_description": "docs"}, id="stage-doc"),
    pytest.param({"description": "docs"}, id="pipeline-doc"),
    pytest.param({"airflow": AirflowOptions(description="docs")}, id="airflow-doc"),
    pytest.param({"variables": {"v": 2}}, id="variables"),
    pytest.param({"retry_delay": dt.timedelta(0)}, id="same-delay-as-timedelta"),
]


@pytest.mark.parametrize("change", STALE)
def test_a_change_airflow_would_run_makes_the_file_stale(change: dict[str, Any]) -> None:
    assert fingerprint(_pipeline(**change)) != BASE


@pytest.mark.parametrize("change", SAME)
def test_a_change_the_file_does_not_fix_keeps_it_current(change: dict[str, Any]) -> None:
    assert fingerprint(_pipeline(**change)) == BASE


def test_a_secret_default_stays_out_as_the_file_does_not_hold_it() -> None:
    def secret(default: int) -> str:
        return fingerprint(_pipeline(parameters={"n": Parameter(default, secret=True)}))

    assert secret(3) == secret(4)


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        pytest.param("Stage", [f.name for f in dataclasses.fields(Stage)], id="Stage"),
        pytest.param("Parameter", [f.name for f in dataclasses.fields(Parameter)], id="Parameter"),
        pytest.param(
            "AirflowOptions", [f.name for f in dataclasses.fields(AirflowOptions)], id="options"
        ),
        pytest.param(
            "Pipeline",
            [p for p in inspect.signature(Pipeline.__init__).parameters if p != "self"],
            id="Pipeline",
        ),
    ],
)
def test_every_field_is_covered_or_excluded_with_a_reason(name: str, fields: list[str]) -> None:
    covered, excluded = set(COVERED[name]), EXCLUDED[name]
    assert not covered & set(excluded), "a field is both covered and excluded"
    assert all(reason.strip() for reason in excluded.values())
    unlisted = [f for f in fields if f not in covered and f not in excluded]
    assert not unlisted, f"{name} fields neither covered nor excluded: {unlisted}"
    assert covered | set(excluded) == set(fields), "a listed field no longer exists"
