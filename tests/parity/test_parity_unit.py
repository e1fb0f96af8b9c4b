"""Parity pieces that need no Airflow: conf, exception lines, comparison, batching, errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pypedream_compiler import AirflowMissingError, ParityError, run_parity
from pypedream_compiler.embedded.runner import last_exception
from pypedream_compiler.parity import harness as parity_module
from pypedream_compiler.parity.harness import _compare_outputs, _conf, _native_params
from pypedream_compiler.parity.report import ParityReport, RunParity, StageParity
from pypedream_compiler.testing import ParityBatch

from pypedream import Parameters, Pipeline, Stage
from pypedream.worker.readiness import ReadinessReport

DATED = Pipeline(
    "dated",
    Parameters.define(day=dt.date(2026, 1, 1), at=dt.datetime(2026, 1, 1, 6), tags=["a"]),
    stages={"only": Stage(lambda: 1)},
    log_settings=None,
)

AIRFLOW3_LOG = """\
2026-11-25T14:42:25.013881Z [info     ] ::endgroup:: [task] loc=task_runner.py:2232
2026-11-25T14:42:25.040702Z [error    ] Task failed with exception [task] loc=task_runner.py:1676
Traceback (most recent call last):
  File "/venv/airflow/sdk/execution_time/task_runner.py", line 1579, in _run_task_and_map_outcome
    result = _execute_task(context=context, ti=ti, log=log)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/work/tests/export/resources/pipelines.py", line 25, in explode
    raise ValueError(f"boom: cannot use {value!r}")
ValueError: boom: cannot use 'boom'
second line
2026-11-25T14:42:25.042171Z [info     ] ::group::Post Execute [task] loc=task_runner.py:1677
"""
AIRFLOW2_LOG = """\
[2026-11-25T14:42:43.638+0000] {taskinstance.py:3337} ERROR - Task failed with exception
Traceback (most recent call last):
  File "/venv/airflow/models/taskinstance.py", line 768, in _execute_task
    result = _execute_callable(context=context, **execute_callable_kwargs)
KeyError: 'first try'
[2026-11-25T14:42:43.643+0000] {taskinstance.py:1242} INFO - Marking task as FAILED.
[2026-11-25T14:42:44.651+0000] {dag.py:3090} ERROR - Task failed; ti=<TaskInstance: failing.explode>
Traceback (most recent call last):
  File "/work/pypedream/airflow_task.py", line 250, in run_task
    raise result.error
pypedream.errors.ValueTransportError: stage 'x' output 'return': value at top level
[2026-11-25T14:42:45.000+0000] {dagrun.py:823} ERROR - Marking run failed
"""


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        pytest.param(AIRFLOW3_LOG, "ValueError: boom: cannot use 'boom'\nsecond line", id="3.x"),
        pytest.param(
            AIRFLOW2_LOG,
            "pypedream.errors.ValueTransportError: stage 'x' output 'return': value at top level",
            id="2.x-last-traceback",
        ),
        pytest.param("no traceback here\n", None, id="none"),
    ],
)
def test_last_exception_is_read_from_the_task_log(log: str, expected: str | None) -> None:
    assert last_exception(log) == expected


def test_conf_carries_dates_as_iso_and_the_native_side_reads_them_back() -> None:
    params = {"day": dt.date(2026, 2, 3), "at": dt.datetime(2026, 2, 3, 4, 5), "tags": ("x",)}
    conf = _conf(DATED, params)
    assert conf == {"day": "2026-02-03", "at": "2026-02-03T04:05:00", "tags": ["x"]}
    assert json.loads(json.dumps(conf)) == conf
    native = _native_params(DATED, conf)
    assert native == {
        "day": dt.date(2026, 2, 3),
        "at": dt.datetime(2026, 2, 3, 4, 5),
        "tags": ["x"],
    }


def test_a_parameter_json_cannot_hold_is_an_error_naming_it() -> None:
    with pytest.raises(ParityError, match="parameter 'tags' of pipeline 'dated': set cannot"):
        _conf(DATED, {"tags": {1, 2}})


@pytest.mark.parametrize(
    ("native", "airflow", "rtol", "expected"),
    [
        pytest.param({"return": 1.5}, {"return": 1.5}, 0, ("equal", None), id="equal"),
        pytest.param(
            {"return": {"totals": [1.0, 25.0]}},
            {"return": {"totals": [1.0, 25]}},
            0,
            ("differ", "stage 'gold' output 'return': ['totals'][1]: 25.0 (float) vs 25 (int)"),
            id="path-to-first-difference",
        ),
        pytest.param(
            {"return": 0.1 + 0.2},
            {"return": 0.3},
            0,
            ("differ", "stage 'gold' output 'return': 0.30000000000000004 (float) vs 0.3 (float)"),
            id="exact-by-default",
        ),
        pytest.param(
            {"return": 0.1 + 0.2},
            {"return": 0.3},
            1e-9,
            (
                "within tolerance",
                "stage 'gold' output 'return': 0.30000000000000004 (float) vs 0.3 (float) "
                "(within rtol=1e-09, atol=0)",
            ),
            id="tolerated-and-reported",
        ),
        pytest.param(
            {"return": 25.0}, {"return": 25}, 1e-9, ("differ", None), id="tolerance-keeps-types"
        ),
        pytest.param({"a": 1, "b": 2}, {"b": 2, "a": 1}, 0, ("differ", None), id="output-order"),
    ],
)
def test_compare_outputs(native, airflow, rtol, expected) -> None:
    verdict, difference = _compare_outputs("gold", native, airflow, rtol, 0.0)
    assert verdict == expected[0]
    if expected[1] is not None:
        assert difference == expected[1]
    elif verdict == "differ":
        assert difference


def test_no_airflow_here_is_airflow_missing_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parity_module, "airflow_version", lambda: None)
    with pytest.raises(AirflowMissingError, match=r'pip install "pypedream\[airflow\]"'):
        run_parity("pypedream.examples.seed:pipeline")


def test_a_missing_interpreter_is_a_parity_error(tmp_path) -> None:
    with pytest.raises(ParityError, match="does not exist"):
        run_parity("pypedream.examples.seed:pipeline", airflow_python=tmp_path / "nope")


def test_bad_parameters_fail_before_anything_runs() -> None:
    from pypedream import ParameterError

    with pytest.raises(ParameterError, match="unknown parameter 'sourc1'"):
        run_parity([("pypedream.examples.seed:pipeline", {"sourc1": "x"})])


def _fake_report(cases, **options) -> ParityReport:
    runs = tuple(
        RunParity(
            pipeline=str(target),
            reference=str(target),
            dag_id=str(target),
            params=dict(params),
            run_id="manual__x",
            logical_date="2026-01-01T00:00:00+00:00",
            airflow_state="success",
            error=None,
            stages=(
                StageParity("s", "s", "succeeded", "succeeded", "equal")
                if params.get("ok", True)
                else StageParity(
                    "s", "s", "succeeded", "succeeded", "differ", "stage 's' output 'return': x"
                ),
            ),
            readiness=ReadinessReport(str(target), "manual__x", (), (), {}),
        )
        for target, params in cases
    )
    return ParityReport("3.3.2", "python", None, options["rtol"], options["atol"], runs)


def test_parity_batch_runs_everything_pending_in_one_batch() -> None:
    batch = ParityBatch(runner=_fake_report)
    batch.add("a:p")
    batch.add("b:p", {"ok": False})
    assert batch.batches == 0
    assert batch.report("a:p").equal
    assert batch.batches == 1  # b:p ran in the same batch
    with pytest.raises(AssertionError, match="stage 's' output 'return': x"):
        batch.assert_equal("b:p", {"ok": False})
    assert batch.batches == 1
    batch.assert_equal("c:p")  # not registered: a batch of its own
    assert batch.batches == 2


def test_report_json_and_verdict() -> None:
    report = _fake_report([("a:p", {}), ("b:p", {"ok": False})], rtol=0.0, atol=0.0)
    assert not report.equal
    assert report.verdict().startswith("DIFFERS: 1 difference(s) in 1 of 2 run(s)")
    data = json.loads(report.to_json())
    assert data["equal"] is False
    assert data["runs"][1]["differences"] == ["stage 's' output 'return': x"]
    assert data["runs"][0]["stages"][0] == {
        "stage": "s",
        "task_id": "s",
        "native": "succeeded",
        "airflow": "succeeded",
        "outputs": "equal",
        "difference": None,
        "native_error": None,
        "airflow_error": None,
        "equal": True,
    }


def test_assert_parity_raises_the_readable_diff(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypedream_compiler.testing import assert_parity

    monkeypatch.setattr(parity_module, "run_parity", _fake_report)
    assert assert_parity("a:p").equal
    with pytest.raises(AssertionError) as failure:
        assert_parity("b:p", {"ok": False})
    message = str(failure.value)
    assert message.startswith("native and Airflow runs differ:\n\npipeline 'b:p' (b:p) with ")
    assert "  ! stage 's' output 'return': x" in message
