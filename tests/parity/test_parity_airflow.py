"""run_parity against real Airflow: one batch per Airflow version (3.x here, 2.11 when
PYPEDREAM_AIRFLOW2_PYTHON is set). The bundled examples must be equal, and every difference
planted in `resources/pipelines.py` must be reported at the right stage and path."""

from __future__ import annotations

import datetime as dt
import json
import traceback

import pytest
from pypedream_compiler import ParityReport, run_parity

from pypedream import StageStatus
from tests.parity.conftest import PIPELINES
from tests.parity.resources.pipelines import unsupported
from tests.support.airflow_envs import ENVIRONMENTS, airflow_python

pytestmark = pytest.mark.airflow

SEED = "pypedream.examples.seed:pipeline"
SALES = "pypedream.examples.sales:pipeline"
CASES = [
    (SEED, {}),
    (SEED, {"source1": "alpha"}),
    (SALES, {}),
    (SALES, {"region": "south", "since": dt.date(2026, 11, 3)}),
    (f"{PIPELINES}:differs", {}),
    (f"{PIPELINES}:unsupported", {}),
    (f"{PIPELINES}:transport", {}),
]


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def report(request: pytest.FixtureRequest) -> ParityReport:
    return run_parity(CASES, airflow_python=airflow_python(request.param))


def _major(report: ParityReport) -> int:
    return int(report.airflow_version.split(".")[0])


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(0, id="seed-defaults"),
        pytest.param(1, id="seed-param"),
        pytest.param(2, id="sales-defaults"),
        pytest.param(3, id="sales-date-param"),
    ],
)
def test_bundled_examples_behave_exactly_the_same(report: ParityReport, index: int) -> None:
    run = report.runs[index]
    assert run.equal, run.render()
    assert {row.outputs for row in run.stages} == {"equal"}
    assert {(row.native, row.airflow) for row in run.stages} == {("succeeded", "succeeded")}
    assert run.run_id.startswith("manual__")
    assert run.readiness is not None and not run.readiness.blocking


def test_same_parameters_reach_both_sides(report: ParityReport) -> None:
    assert report.runs[3].params == {"region": "south", "since": "2026-11-03"}
    assert report.runs[0].params == {}


def _row(report: ParityReport, stage: str):
    run = report.run("differs")
    return next(row for row in run.stages if row.stage == stage)


def test_a_value_that_differs_is_reported_with_stage_and_path(report: ParityReport) -> None:
    row = _row(report, "gold")
    assert (row.native, row.airflow, row.outputs) == ("succeeded", "succeeded", "differ")
    assert row.difference == "stage 'gold' output 'return': ['totals'][3]: 25.0 (float) vs 25 (int)"
    assert not row.equal


def test_equal_stages_next_to_differences_stay_equal(report: ParityReport) -> None:
    for stage in ("same", "integral", "run_identity"):
        row = _row(report, stage)
        assert row.equal and row.outputs == "equal", row


def test_a_status_difference_is_reported_downstream_too(report: ParityReport) -> None:
    row = _row(report, "skip_in_airflow")
    assert (row.native, row.airflow) == ("succeeded", "skipped")
    assert row.difference == "status: succeeded natively vs skipped in Airflow"
    after = _row(report, "after_skip")
    assert (after.native, after.airflow) == ("succeeded", "skipped")


def test_failures_compare_exception_type_and_message(report: ParityReport) -> None:
    same = _row(report, "fail_the_same")
    expected = "ValueError: bad input: 'gold'\nsecond line of the message"
    assert (same.native, same.airflow) == ("failed", "failed")
    assert same.native_error == same.airflow_error == expected
    assert same.equal
    after = _row(report, "after_fail")
    assert (after.native, after.airflow, after.equal) == (
        "upstream_failed",
        "upstream_failed",
        True,
    )
    other = _row(report, "fail_with_side")
    assert other.difference == (
        "error: 'RuntimeError: failed on the native side' vs "
        "'RuntimeError: failed on the airflow side'"
    )


def test_a_consumer_of_airflows_own_xcom_sees_the_sqlite_int(report: ParityReport) -> None:
    row = _row(report, "read_airflow_xcom")
    if _major(report) >= 3:
        assert (row.difference or "").startswith(
            "stage 'read_airflow_xcom' output 'return': 25.0 (float) vs 25 (int); its declared "
            "inputs are equal on both sides, so a value reached stage 'read_airflow_xcom' outside"
        )  # Airflow's own XCom is not one of its declared inputs
    else:  # Airflow 2.11 keeps the float
        assert row.equal


def test_the_verdict_and_json_list_every_difference(report: ParityReport) -> None:
    run = report.run("differs")
    assert not run.equal and not report.equal
    expected = {"gold", "skip_in_airflow", "after_skip", "fail_with_side"}
    if _major(report) >= 3:
        expected.add("read_airflow_xcom")
    assert {row.stage for row in run.stages if not row.equal} == expected
    assert report.verdict().startswith(f"DIFFERS: {len(expected) + 4} difference(s) in 2 of 7")
    data = json.loads(report.to_json())
    assert data["equal"] is False
    assert len(data["runs"][4]["differences"]) == len(expected)
    assert data["runs"][0]["equal"] is True


@pytest.mark.parametrize(
    ("stage", "words"),
    [
        pytest.param("makes_object", "builtins.object", id="object"),
        pytest.param("deep", "nested deeper than", id="deep"),
        pytest.param("loop", "contains itself", id="self-containing"),
    ],
)
def test_unsupported_value_fails_in_airflow_as_it_does_with_fidelity(
    report: ParityReport, stage: str, words: str
) -> None:
    run = report.run("unsupported")
    row = next(r for r in run.stages if r.stage == stage)
    assert (row.native, row.airflow) == ("succeeded", "failed")
    assert run.readiness.blocking
    faithful = unsupported.run(airflow_fidelity=True, raise_on_failure=False)
    error = faithful.stages[stage].error
    assert faithful.stages[stage].status is StageStatus.FAILED
    expected = "".join(traceback.format_exception_only(error)).strip()
    # A task in a child process logs the class name alone (Airflow 3's structured error).
    assert row.airflow_error in (expected, expected.removeprefix("pypedream.errors."))
    assert f"ValueTransportError: stage {stage!r} output 'return': value at " in row.airflow_error
    assert words in row.airflow_error


def test_the_table_reads_well(report: ParityReport) -> None:
    text = report.run("differs").render()
    lines = text.splitlines()
    assert lines[0] == f"pipeline 'differs' ({PIPELINES}:differs) with defaults"
    header = next(line for line in lines if line.startswith("stage "))
    assert header.split() == ["stage", "native", "airflow", "outputs", "first", "difference"]
    assert "  ! stage 'gold' output 'return': ['totals'][3]: 25.0 (float) vs 25 (int)" in lines
    gold = next(line for line in lines if line.startswith("gold "))
    assert gold.split(None, 4)[4] == "output 'return': ['totals'][3]: 25.0 (float) vs 25 (int)"


def test_values_the_old_codec_lost_are_equal_through_airflow(report: ParityReport) -> None:
    run = report.run("transport")  # Series name, categorical, Flags, dataclass state, zones, ...
    assert run.equal, run.render()
    assert {row.outputs for row in run.stages} == {"equal"}
    assert run.readiness is not None and not run.readiness.blocking


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_regions_example_maps_branches_and_joins_the_same(environment: str) -> None:
    """The bundled map/branch/join example through `run_parity`: every stage (mapped ones
    compared instance by instance, grouped ones by their `regions.` task id) is equal."""
    cases = [
        ("pypedream.examples.regions:pipeline", {}),
        ("pypedream.examples.regions:pipeline", {"report": "full", "regions": ["west"]}),
        ("pypedream.examples.regions:pipeline", {"regions": []}),
    ]
    report = run_parity(cases, airflow_python=airflow_python(environment))

    assert report.equal, report.verdict
    assert [row.task_id for row in report.runs[0].stages][:2] == [
        "regions.load",
        "regions.summarise",
    ]


def test_the_native_side_caps_maps_as_the_airflow_that_ran_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__MAX_MAP_LENGTH", "3")
    report = run_parity([("tests.resources.maps:sizes", {"count": 4})])

    assert report.equal, report.verdict
    size = next(row for row in report.runs[0].stages if row.stage == "size")
    assert (size.native, size.airflow) == ("failed", "failed")
