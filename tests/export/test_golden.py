"""Generated DAG files, pinned byte for byte (behaviour is tested in test_airflow_behaviour)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypedream_compiler import export_airflow

from pypedream.definition.airflow_options import AirflowOptions

CASES = [
    pytest.param("pypedream.examples.seed:pipeline", None, id="seed"),
    pytest.param("pypedream.examples.sales:pipeline", None, id="sales-mappers-dates"),
    pytest.param("tests.export.resources.pipelines:hostile", None, id="hostile-names"),
    pytest.param("tests.export.resources.pipelines:control", None, id="retries-and-skips"),
    pytest.param(
        "tests.export.resources.pipelines:failing",
        AirflowOptions(
            dag_id="nightly_failing",
            schedule="0 3 * * *",
            tags=("pypedream", "nightly"),
            owner="analytics",
            default_args={"email_on_failure": False, "depends_on_past": False},
            max_active_runs=1,
            description="Runs every night; one stage always fails.",
        ),
        id="airflow-options",
    ),
]


@pytest.mark.parametrize("reference, options", CASES)
def test_generated_file_matches_golden(
    golden, tmp_path: Path, reference: str, options: AirflowOptions | None
) -> None:
    [result] = export_airflow(
        reference,
        tmp_path,
        options=options,
        regenerate_command=f"pypedream export-airflow {reference} -o dags",
    )
    golden(result.path.name, result.path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("version", ["2", "3"])
def test_a_target_airflow_version_matches_golden(golden, tmp_path: Path, version: str) -> None:
    reference = "pypedream.examples.sales:pipeline"
    [result] = export_airflow(
        reference,
        tmp_path,
        airflow_version=version,
        regenerate_command=f"pypedream export-airflow {reference} -o dags "
        f"--airflow-version {version}",
    )
    golden(f"airflow{version}/{result.path.name}", result.path.read_text(encoding="utf-8"))
