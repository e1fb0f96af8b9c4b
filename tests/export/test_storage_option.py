"""`AirflowOptions(airflow_xcoms=False)` / `--no-airflow-xcoms`: the DAG file asks its tasks to
push only pypedream's envelope; the default export is unchanged (golden files pin it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypedream_compiler import ExportError, export_airflow

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


BAD: Any = "no"  # wrong types on purpose


@pytest.mark.parametrize(
    ("options", "words"),
    [
        pytest.param(AirflowOptions(airflow_xcoms=BAD), "airflow_xcoms: expected True", id="xcoms"),
        pytest.param(AirflowOptions(allowed_types=BAD), "allowed_types: expected a list", id="str"),
        pytest.param(AirflowOptions(allowed_types=[1, BAD]), "allowed_types: 1 is neither", id="1"),
    ],
)
def test_bad_transport_options_are_refused_before_writing(
    tmp_path: Path, options: AirflowOptions, words: str
) -> None:
    with pytest.raises(ExportError, match=words):
        export_airflow(SEED, tmp_path, options=options)
    assert list(tmp_path.iterdir()) == []
