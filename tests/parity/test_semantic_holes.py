"""Semantic holes a hostile user finds, each checked natively AND in real Airflow.

Airflow runs are batched: one `run_parity` per Airflow version for every parity case, one
embedded batch for what parity cannot run (refused trigger conf, a stale DAG file).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from pypedream_compiler import ParityReport, export_airflow, run_parity
from pypedream_compiler.embedded.runner import BatchReport, DagRunRequest, run_in_environment

from pypedream import PipelineDefinitionError, StageExitError, StageStatus
from pypedream.errors import ParameterError
from tests.parity.resources import holes
from tests.support.airflow_envs import ENVIRONMENTS, airflow_python

HOLES = "tests.parity.resources.holes"
REPO_ROOT = Path(__file__).resolve().parents[2]

# --- natively -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pipeline", "stage", "cause"),
    [
        pytest.param(holes.exits, "leave", SystemExit, id="sys-exit-0"),
        pytest.param(holes.halts, "halt", holes.Halt, id="base-exception"),
    ],
)
def test_system_exit_and_base_exceptions_fail_the_stage_natively(
    pipeline, stage: str, cause: type
) -> None:
    result = pipeline.run(raise_on_failure=False)

    failed = result.stages[stage]
    assert failed.status is StageStatus.FAILED
    assert isinstance(failed.error, StageExitError)
    assert isinstance(failed.error.__cause__, cause)
    assert f"stage {stage!r} raised {cause.__name__}(" in str(failed.error)
    assert result.stages["next"].status is StageStatus.UPSTREAM_FAILED


@pytest.mark.parametrize("command", ["run", "check"])
def test_the_cli_reports_sys_exit_as_a_failed_stage(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from pypedream.cli.main import main

    code = main([command, f"{HOLES}:exits"])

    assert code == 1
    out = capsys.readouterr()
    assert "StageExitError" in out.out + out.err


def test_keyboard_interrupt_still_stops_the_run() -> None:
    from pypedream import Pipeline, Stage

    def interrupt() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Pipeline("interrupted", stages={"s": Stage(interrupt)}, log_settings=None).run()


@pytest.mark.parametrize(
    ("pipeline", "words"),
    [
        pytest.param(holes.async_stage, "is `async def`", id="async"),
        pytest.param(holes.generator_stage, "is a generator (it uses `yield`)", id="generator"),
    ],
)
def test_async_and_generator_stages_are_refused_before_anything_runs(
    pipeline, words: str, tmp_path: Path
) -> None:
    with pytest.raises(PipelineDefinitionError, match="nothing was run") as raised:
        pipeline.run()
    assert words in str(raised.value)
    with pytest.raises(
        Exception, match=words.replace("`", ".").replace("(", ".").replace(")", ".")
    ):
        export_airflow(pipeline, tmp_path)  # and no DAG file is written for Airflow either
    assert not list(tmp_path.glob("*.py"))


def test_a_mutable_known_value_is_fresh_for_every_stage_and_run() -> None:
    first = holes.known_list.run()
    second = holes.known_list.run()

    assert [first["first"], first["second"], second["first"]] == [1, 1, 1]
    assert holes.SEEN == []


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        pytest.param({"nn": 5}, "unknown parameter 'nn'. Did you mean 'n'?", id="unknown-key"),
        pytest.param({"n": 2.0}, "parameter 'n': expected int, got float (2.0)", id="wrong-type"),
    ],
)
def test_bad_trigger_conf_is_refused_natively(conf: dict, message: str) -> None:
    with pytest.raises(ParameterError, match="nothing was run") as raised:
        holes.typed.run(conf)
    assert message in str(raised.value)


# --- in Airflow: parity of every case, process per task ------------------------------------------

PARITY_CASES = [
    (f"{HOLES}:exits", {}),
    (f"{HOLES}:halts", {}),
    (f"{HOLES}:known_list", {}),
    (f"{HOLES}:side_channel", {}),
    (f"{HOLES}:observed", {"marker": "MARKER/a"}),
    (f"{HOLES}:observed", {"marker": "MARKER/b", "flag": True}),
    (f"{HOLES}:observed_differs", {"marker": "MARKER/c"}),
]


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def report(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> ParityReport:
    python = airflow_python(request.param)
    markers = str(tmp_path_factory.mktemp("markers"))
    cases = [
        (target, {k: v.replace("MARKER", markers) if k == "marker" else v for k, v in p.items()})
        for target, p in PARITY_CASES
    ]
    return run_parity(cases, airflow_python=python)


@pytest.mark.airflow
@pytest.mark.parametrize("index", [pytest.param(0, id="sys-exit"), pytest.param(1, id="halt")])
def test_system_exit_is_the_same_failed_stage_in_airflow(report: ParityReport, index: int) -> None:
    run = report.runs[index]

    assert run.equal, run.render()
    failed = run.stages[0]
    assert (failed.native, failed.airflow) == ("failed", "failed")
    assert "StageExitError: stage" in (failed.airflow_error or "")
    assert (run.stages[1].native, run.stages[1].airflow) == ("upstream_failed", "upstream_failed")


@pytest.mark.airflow
def test_known_values_are_isolated_as_in_airflow(report: ParityReport) -> None:
    run = report.runs[2]
    assert run.equal, run.render()


@pytest.mark.airflow
def test_the_planted_side_channel_is_reported_with_a_hint(report: ParityReport) -> None:
    """Fails under the old single-process mode (see the next test), passes by default."""
    run = report.runs[3]

    assert report.mode == "process-per-task"
    assert not run.equal
    assert not report.equal
    (difference,) = run.differences
    assert difference.startswith("stage 'use' output 'return': 43 (int) vs 0 (int)")
    assert "a value reached stage 'use' outside them" in difference
    assert "every task starts in a fresh process" in difference
    assert [row.equal for row in run.stages] == [True, False]


@pytest.mark.airflow
def test_single_process_mode_is_blind_to_the_side_channel() -> None:
    python = airflow_python("airflow3")
    report = run_parity(
        [(f"{HOLES}:side_channel", {})], airflow_python=python, mode="single-process"
    )

    assert report.mode == "single-process"
    assert report.equal  # the false "equal" the default mode exists to prevent
    assert "blind to state shared across tasks" in report.verdict()


@pytest.mark.airflow
@pytest.mark.parametrize("index", [pytest.param(4, id="ran"), pytest.param(5, id="skipped")])
def test_attempts_skip_reasons_and_final_variables_match(report: ParityReport, index: int) -> None:
    run = report.runs[index]
    assert run.equal, run.render()
    assert run.variables is None


@pytest.mark.airflow
def test_attempts_skip_reasons_and_final_variables_are_compared(report: ParityReport) -> None:
    run = report.runs[6]
    rows = {row.stage: row for row in run.stages}

    assert rows["retry"].difference == "attempts: 2 natively vs 1 in Airflow"
    assert rows["skip"].difference == (
        "skip reason: 'skipped on the native side' vs 'skipped on the airflow side' in Airflow"
    )
    assert run.variables == "final variable 'where': 'native' (str) vs 'airflow' (str)"
    assert not run.equal


# --- in Airflow: what parity cannot run (refused conf, a stale file) ------------------------------

STALE_MODULE = """
from pypedream import Parameters, Pipeline, Stage
from pypedream.input import param


def show(n):
    return n


pipeline = Pipeline(
    "stale_demo",
    parameters=Parameters.define(n={default}),
    stages={{"show": Stage(show, inputs=[param("n", "n")])}},
    log_settings=None,
)
"""


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def refused(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> BatchReport:
    python = airflow_python(request.param)
    work = tmp_path_factory.mktemp("refused")
    module = work / "stale_demo_module.py"
    module.write_text(textwrap.dedent(STALE_MODULE.format(default=1)))
    sys.path.insert(0, str(work))
    try:
        files = [
            r.path
            for r in export_airflow([f"{HOLES}:typed", "stale_demo_module:pipeline"], work / "dags")
        ]
    finally:
        sys.path.remove(str(work))
        sys.modules.pop("stale_demo_module", None)
    module.write_text(textwrap.dedent(STALE_MODULE.format(default=2)))  # a new default
    requests = [
        DagRunRequest("holes_typed", {"nn": 5}),
        DagRunRequest("holes_typed", {"n": 2.0}),
        DagRunRequest("holes_typed", {"n": 4}),
        DagRunRequest("stale_demo"),
    ]
    return run_in_environment(
        python, requests, dags_dir_files=files, env={"PYTHONPATH": f"{work}:{REPO_ROOT}"}
    )


@pytest.mark.airflow
@pytest.mark.parametrize(
    ("index", "message"),
    [
        pytest.param(0, "unknown parameter 'nn'. Did you mean 'n'?", id="unknown-key"),
        pytest.param(1, "parameter 'n': expected int, got float (2.0)", id="wrong-type"),
    ],
)
def test_bad_trigger_conf_fails_in_airflow_with_the_native_message(
    refused: BatchReport, index: int, message: str
) -> None:
    run = refused.runs[index]

    assert run.state == "failed", run.error
    task = run.task("double")
    assert task.state == "failed"
    assert "ParameterError" in (task.exception or "")
    assert message in (task.exception or ""), task.exception


@pytest.mark.airflow
def test_good_trigger_conf_still_runs(refused: BatchReport) -> None:
    run = refused.runs[2]
    assert run.state == "success"
    assert run.task("double").xcom() == 8


@pytest.mark.airflow
def test_a_dag_file_exported_with_an_old_default_refuses_to_run(refused: BatchReport) -> None:
    run = refused.runs[3]

    assert run.state == "failed"
    error = run.task("show").exception or ""
    assert "StaleDagError: DAG file is stale" in error, error
