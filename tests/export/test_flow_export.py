"""Exporting trigger rules, branches, short-circuits and groups: the generated file, and what
cannot be exported (behaviour in real Airflow is in test_flow_airflow)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypedream_compiler import export_airflow
from pypedream_compiler.errors import ExportError

REFERENCE = "tests.resources.flows:everything"


def test_flows_generate_the_golden_dag_file(golden, tmp_path: Path) -> None:
    [result] = export_airflow(
        REFERENCE, tmp_path, regenerate_command=f"pypedream export-airflow {REFERENCE} -o dags"
    )
    golden(result.path.name, result.path.read_text(encoding="utf-8"))


def test_a_rule_airflow_2_lacks_is_an_export_error_unless_targeting_airflow_3(
    tmp_path: Path,
) -> None:
    for version in ("both", "2"):
        with pytest.raises(ExportError, match="'all_done_min_one_success' does not exist in Airf"):
            export_airflow("tests.resources.flows:newer", tmp_path, airflow_version=version)
    [result] = export_airflow("tests.resources.flows:newer", tmp_path, airflow_version="3")
    assert 'trigger_rule="all_done_min_one_success"' in result.path.read_text()


@pytest.mark.parametrize(
    "reference", ["tests.resources.maps:sizes", "tests.resources.maps:chained"]
)
def test_maps_generate_the_golden_dag_file(golden, tmp_path: Path, reference: str) -> None:
    [result] = export_airflow(
        reference, tmp_path, regenerate_command=f"pypedream export-airflow {reference} -o dags"
    )
    golden(result.path.name, result.path.read_text(encoding="utf-8"))


def test_an_expand_task_id_taken_by_a_stage_is_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="its expand task 'each__expand' has the task id"):
        export_airflow("tests.resources.flows:clashing", tmp_path)
