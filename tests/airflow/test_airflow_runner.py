"""Real Airflow runs of the DAG files in ``resources/`` (see ``conftest.REQUESTS``)."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypedream_compiler.embedded.runner import MODULE, BatchReport

pytestmark = pytest.mark.airflow


def typed(value: Any) -> Any:
    """A comparable form that also tells int from float, tuple from list, and dict key order."""
    if isinstance(value, dict):
        return ("dict", [(k, typed(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [typed(v) for v in value])
    return (type(value).__name__, value)


def test_import_errors_name_the_broken_file(batch: BatchReport) -> None:
    assert list(batch.import_errors) == ["broken_dag.py"]
    assert "this_name_does_not_exist" in batch.import_errors["broken_dag.py"]


def test_values_run_succeeds_with_every_task(batch: BatchReport) -> None:
    run = batch.run("pp_values")
    assert run.ok, run.error
    assert run.seconds > 0
    assert {t.state for t in run.tasks} == {"success"}
    assert {t.try_number for t in run.tasks} == {1}
    assert [(t.task_id, t.map_index) for t in run.tasks if t.map_index >= 0] == [
        ("square", 0),
        ("square", 1),
        ("square", 2),
    ]
    assert len(run.tasks) == 18  # 11 constant returns, 4 other tasks, 3 mapped instances


@pytest.mark.parametrize(
    ("task_id", "expected"),
    [
        pytest.param("an_int", 7, id="int"),
        pytest.param("a_float", 2.5, id="float"),
        pytest.param("digits", "123", id="digit-string-stays-str"),
        pytest.param("a_dict", {"b": 1, "a": 2.0}, id="dict-key-order"),
        pytest.param("a_tuple", (1, "x"), id="tuple"),
        pytest.param("a_list", [1, [2, 3]], id="nested-list"),
        pytest.param("nested_float", [25.0], id="nested-integral-float"),
        pytest.param("a_date", datetime.date(2024, 1, 2), id="date-not-datetime"),
    ],
)
def test_returned_value_keeps_its_type(batch: BatchReport, task_id: str, expected: Any) -> None:
    assert typed(batch.run("pp_values").task(task_id).xcom()) == typed(expected)


def test_datetime_comes_back_aware_and_equal(batch: BatchReport) -> None:
    value = batch.run("pp_values").task("a_datetime").xcom()
    assert isinstance(value, datetime.datetime)
    assert value == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


def test_none_return_stores_no_xcom_row(batch: BatchReport) -> None:
    task = batch.run("pp_values").task("nothing")
    assert task.state == "success"
    assert task.xcoms == ()


def test_top_level_integral_float_is_coerced_to_int_on_airflow3_sqlite(batch: BatchReport) -> None:
    """Airflow 3 on SQLite stores a top-level 25.0 as 25; nested floats and Airflow 2 keep 25.0."""
    run = batch.run("pp_values")
    top = run.task("integral_float").xcoms[0]
    split = run.task("split")
    seen_downstream = run.task("consume").xcom()
    if batch.airflow_major >= 3:
        assert (typed(top.value), top.raw) == (("int", 25), "25")
        assert typed(split.xcom("m")) == ("int", 5)  # each multiple_outputs key is top level
        assert seen_downstream == {"top": "25", "nested": "[25.0]"}
    else:
        assert (typed(top.value), top.raw) == (("float", 25.0), "25.0")
        assert typed(split.xcom("m")) == ("float", 5.0)
        assert seen_downstream == {"top": "25.0", "nested": "[25.0]"}
    assert typed(run.task("nested_float").xcom()) == ("list", [("float", 25.0)])
    assert typed(split.xcom()) == typed({"m": 5.0, "s": "x"})


def test_multiple_outputs_stores_one_row_per_key_plus_return_value(batch: BatchReport) -> None:
    keys = [entry.key for entry in batch.run("pp_values").task("split").xcoms]
    assert keys == ["m", "return_value", "s"]


def test_mapped_task_reports_each_instance_with_its_rows(batch: BatchReport) -> None:
    run = batch.run("pp_values")
    squares = [run.task("square", i) for i in range(3)]
    assert [(t.map_index, t.state, t.xcom()) for t in squares] == [
        (0, "success", 1),
        (1, "success", 4),
        (2, "success", 9),
    ]
    assert [t.xcoms[0].map_index for t in squares] == [0, 1, 2]


def test_params_default_then_overridden_by_conf(batch: BatchReport) -> None:
    default, overridden = batch.run("pp_values", 0), batch.run("pp_values", 1)
    assert default.task("show_params").xcom() == {"n": 1, "label": "default"}
    assert overridden.conf == {"n": 5, "label": "over"}
    assert overridden.task("show_params").xcom() == {"n": 5, "label": "over"}


def test_two_runs_of_one_dag_are_batched_as_separate_runs(batch: BatchReport) -> None:
    first, second = batch.run("pp_values", 0), batch.run("pp_values", 1)
    assert first.ok and second.ok
    assert first.run_id != second.run_id


def test_failed_task_fails_the_run_and_blocks_downstream(batch: BatchReport) -> None:
    run = batch.run("pp_failing")
    assert (run.state, run.error) == ("failed", None)
    assert [(t.task_id, t.state) for t in run.tasks] == [
        ("after", "upstream_failed"),
        ("boom", "failed"),
        ("ok", "success"),
    ]
    assert run.task("ok").xcom() == 1
    assert run.task("boom").exception == "ValueError: boom from pp_failing"


def test_invalid_conf_is_reported_for_that_run_only(batch: BatchReport) -> None:
    run = batch.run("pp_values", 2)
    assert (run.state, run.run_id, run.tasks) == (None, None, ())
    assert run.error is not None
    assert run.error.startswith("ParamValidationError: Invalid input for param n")
    assert batch.runs[-1].dag_id == "pp_missing"  # the batch went on after it


def test_unknown_dag_id_is_reported_with_what_was_found(batch: BatchReport) -> None:
    run = batch.run("pp_missing")
    assert run.state is None
    assert run.error == (
        "no DAG 'pp_missing' in the DAG files (found: pp_failing, pp_frame, pp_values); "
        "files with import errors: broken_dag.py"
    )


def test_task_log_holds_only_that_tasks_output(batch: BatchReport) -> None:
    log = batch.run("pp_values").task("log_line").log or ""
    assert "pypedream-log-marker stage=log_line" in log
    assert "pypedream-print-marker" in log
    assert "task_id=an_int" not in log


def test_dataframe_round_trips_or_fails_known_way_on_airflow2(batch: BatchReport) -> None:
    """Airflow 2.11's serde registers 'pandas.core.frame.DataFrame'; pandas 3 renamed it."""
    pd = pytest.importorskip("pandas")
    task = batch.run("pp_frame").task("frame")
    if batch.airflow_major == 2 and task.state == "failed":
        assert "Object of type DataFrame is not JSON serializable" in (task.log or "")
        return
    assert task.state == "success"
    pd.testing.assert_frame_equal(task.xcom(), pd.DataFrame({"x": [1, 2], "y": [0.5, 1.5]}))


def test_temporary_home_is_removed_and_a_given_home_kept(batch: BatchReport) -> None:
    home = Path(batch.airflow_home)
    if home.name.startswith("pypedream-airflow-"):
        assert not home.exists()
        return
    log_path = Path(batch.run("pp_values").log_path or "")
    assert log_path.parent.parent.parent == home
    assert "pypedream-log-marker" in log_path.read_text()
    assert (home / "airflow.db").is_file()


def test_cli_rejects_a_bad_request_with_nothing_on_stdout() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", MODULE], input="not json", capture_output=True, text=True
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.startswith("Error: invalid request on stdin")
