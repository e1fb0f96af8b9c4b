"""`AirflowOptions(airflow_xcoms=False)` / `--no-airflow-xcoms`: the DAG file asks its tasks to
push only pypedream's envelope; the default export is unchanged (golden files pin it)."""

from __future__ import annotations

from pathlib import Path

from pypedream_compiler import export_airflow

from pypedream.cli.main import main
from pypedream.definition.airflow_options import AirflowOptions

SEED = "pypedream.examples.seed:pipeline"


def test_the_option_reaches_run_task_and_the_default_says_nothing(tmp_path: Path) -> None:
    [off] = export_airflow(SEED, tmp_path / "off", options=AirflowOptions(airflow_xcoms=False))
    [on] = export_airflow(SEED, tmp_path / "on")
    assert "        airflow_xcoms=False,\n    )" in off.path.read_text()
    assert "airflow_xcoms" not in on.path.read_text()


def test_the_cli_flag_turns_them_off(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export-airflow", SEED, "-o", "dags", "--no-airflow-xcoms"]) == 0
    assert "airflow_xcoms=False" in (tmp_path / "dags" / "ok_enough.py").read_text()
    assert main(["export-airflow", SEED, "-o", "dags", "--airflow-xcoms", "--check"]) == 1
