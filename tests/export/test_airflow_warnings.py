"""Generated DAG files parse with every warning turned into an error in Airflow 3.3, both in
the DAG processor's parser (DagBag, through the embedded runner) and in `airflow dags test`.

Two warnings come from Airflow's own environment, not from any DAG file (graphviz is not
installed; starlette warns about its test client when `dag.test()` starts the in-process API),
so those two messages are the only ones ignored.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from pypedream_compiler import export_airflow
from pypedream_compiler.embedded.home import airflow_env, migrated_db
from pypedream_compiler.embedded.runner import run_in_environment

from tests.support.airflow_envs import airflow_python

pytestmark = pytest.mark.airflow

RESOURCES = "tests.export.resources.pipelines"
AIRFLOW_OWN_WARNINGS = ("ignore:Could not import graphviz", "ignore:Using `httpx` with")
WARNINGS_AS_ERRORS = ("error", *AIRFLOW_OWN_WARNINGS)
# (target, --airflow-version): both import styles, hostile names, retries, every option kind.
TARGETS = [
    ("pypedream.examples.sales:pipeline", "both"),
    ("pypedream.examples.seed:pipeline", "3"),
    (f"{RESOURCES}:hostile", "both"),
    (f"{RESOURCES}:control", "3"),
    (f"{RESOURCES}:with_options", "both"),
]
# A DAG file an Airflow 2 user might still write: Airflow 3.3 warns about the old import path.
DEPRECATED_IMPORT = """\
import datetime
from airflow.models.dagbag import DagBag
from airflow.sdk import DAG
with DAG("warns", schedule=None, start_date=datetime.datetime(2024, 1, 1)) as dag:
    pass
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("dags")
    paths = []
    for target, version in TARGETS:
        [result] = export_airflow(target, out, airflow_version=version)
        paths.append(result.path)
    return paths


def test_the_dag_processor_parses_them_with_warnings_as_errors(
    exported: list[Path], tmp_path: Path
) -> None:
    python = airflow_python("airflow3")
    control = tmp_path / "warns.py"
    control.write_text(DEPRECATED_IMPORT)
    report = run_in_environment(
        python,
        [],
        dags_dir_files=[*exported, control],
        env={"PYTHONWARNINGS": ",".join(WARNINGS_AS_ERRORS)},
    )
    assert report.airflow_major == 3
    # the control proves warnings do become errors here
    assert "warns.py" in report.import_errors
    assert "Warning" in report.import_errors.pop("warns.py")
    assert report.import_errors == {}
    assert sorted(report.dags) == sorted(path.stem for path in exported)


def test_airflow_dags_test_runs_one_with_warnings_as_errors(
    exported: list[Path], tmp_path: Path
) -> None:
    python = airflow_python("airflow3")
    version = subprocess.run(
        [str(python), "-c", "import airflow; print(airflow.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    home = tmp_path / "home"
    (home / "dags").mkdir(parents=True)
    (home / "airflow.db").write_bytes(migrated_db(version).read_bytes())
    sales = exported[0]
    (home / "dags" / sales.name).write_text(sales.read_text())
    flags = [f"-W{option}" for option in WARNINGS_AS_ERRORS]
    proc = subprocess.run(
        [str(python), *flags, "-m", "airflow", "dags", "test", sales.stem],
        capture_output=True,
        text=True,
        env={**os.environ, **airflow_env(home)},
        timeout=300,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert f"dag_id={sales.stem}" in output
    assert "state=success" in output


def test_airflow_2_parses_the_default_and_the_airflow_2_files(tmp_path: Path) -> None:
    python = airflow_python("airflow2")
    files = []
    for version in ("both", "2"):
        [result] = export_airflow(
            "pypedream.examples.sales:pipeline",
            tmp_path / version,
            airflow_version=version,
            dag_id=f"sales_{version}",
        )
        files.append(result.path)
    report = run_in_environment(python, [], dags_dir_files=files, airflow_home=tmp_path / "home")
    assert report.airflow_major == 2
    assert report.import_errors == {}
    assert sorted(report.dags) == ["sales_2", "sales_both"]
