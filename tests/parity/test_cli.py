"""`pypedream check` and `pypedream parity`: output, --json and exit codes 0/1/2."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypedream_compiler.parity import harness as parity_module

from pypedream.cli.main import main
from tests.parity.conftest import PIPELINES, REPO_ROOT
from tests.support.airflow_envs import airflow_python


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable:
    monkeypatch.setattr(sys, "path", [str(REPO_ROOT), *sys.path])

    def call(*argv: str) -> Outcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return call


# -- check (no Airflow) -------------------------------------------------------------------
def test_check_of_a_ready_pipeline_exits_0_with_the_table(cli) -> None:
    outcome = cli("check", "pypedream.examples.sales:pipeline", "-p", "region=north")
    assert outcome.code == 0, outcome.err
    assert "totals  revenue  float" in outcome.out
    assert "warning: stage 'totals' Airflow XCom 'revenue': 200.0 (float) comes back" in outcome.out
    assert outcome.out.splitlines()[-1].startswith("READY:")


def test_check_of_an_uncarriable_value_exits_1(cli) -> None:
    outcome = cli("check", f"{PIPELINES}:readiness")
    assert outcome.code == 1
    assert "BLOCKING: stage 'plain' output 'return'" in outcome.out
    assert outcome.out.splitlines()[-1].startswith("NOT READY: 1 value(s)")  # pair is carried


def test_check_json_is_the_only_stdout(cli) -> None:
    outcome = cli("check", f"{PIPELINES}:readiness", "--json")
    data = json.loads(outcome.out)
    assert data["ready"] is False
    assert {w["stage"] for w in data["warnings"] if w["blocking"]} == {"plain"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["check", "no.such.module:pipeline"], "no.such.module", id="bad-target"),
        pytest.param(["check", f"{PIPELINES}:fine", "-p", "n=x"], "parameter 'n'", id="bad-p"),
        pytest.param(["parity", f"{PIPELINES}:fine", "-p", "m=1"], "unknown", id="parity-bad-p"),
        pytest.param(["parity", f"{PIPELINES}:fine", "--rtol", "-1"], "--rtol", id="bad-rtol"),
        pytest.param(
            ["parity", f"{PIPELINES}:fine", "--airflow-env", "/no/such/python"],
            "--airflow-env '/no/such/python': no such Python",
            id="bad-env",
        ),
    ],
)
def test_usage_errors_exit_2(cli, argv: list[str], message: str) -> None:
    outcome = cli(*argv)
    assert outcome.code == 2
    assert "Error: " in outcome.err and message in outcome.err


def test_parity_without_airflow_exits_2_with_the_install_hint(cli, monkeypatch) -> None:
    monkeypatch.setattr(parity_module, "airflow_version", lambda: None)
    outcome = cli("parity", "pypedream.examples.seed:pipeline")
    assert outcome.code == 2
    assert outcome.err.strip() == (
        'Error: pypedream parity needs Apache Airflow: pip install "pypedream[airflow]" '
        "(or pass --airflow-env PATH)"
    )


def test_parity_with_a_python_lacking_pypedream_exits_2(cli) -> None:
    base = Path(sys.base_prefix) / "bin" / "python3"
    if not base.is_file() or Path(sys.prefix) == Path(sys.base_prefix):
        pytest.skip("needs a virtual environment over a base Python")
    outcome = cli("parity", f"{PIPELINES}:fine", "--airflow-env", str(base), "--json")
    assert outcome.code == 2
    assert outcome.out == ""
    assert "cannot import pypedream_compiler.embedded.runner" in outcome.err
    assert "pip install 'pypedream[airflow]'" in outcome.err


# -- parity against Airflow 3 (two runs: ~8 s each) ---------------------------------------
@pytest.mark.airflow
def test_parity_of_a_difference_exits_1_and_json_says_why(cli) -> None:
    airflow_python("airflow3")
    outcome = cli("parity", f"{PIPELINES}:noisy", "--json")
    assert outcome.code == 1, outcome.err
    data = json.loads(outcome.out)
    assert data["equal"] is False and data["rtol"] == 0
    assert data["runs"][0]["differences"] == [
        "stage 'noise' output 'return': 0.30000000000000004 (float) vs 0.3 (float)"
    ]


@pytest.mark.airflow
def test_parity_within_tolerance_exits_0_says_so_and_keeps_the_home(cli) -> None:
    airflow_python("airflow3")
    outcome = cli("parity", f"{PIPELINES}:noisy", "--rtol", "1e-9", "--keep")
    assert outcome.code == 0, outcome.err
    assert "noise  succeeded  succeeded  within tolerance" in outcome.out
    assert "  ~ stage 'noise' output 'return': 0.30000000000000004 (float) vs 0.3 (float) " in (
        outcome.out
    )
    assert "(floats within rtol=1e-09, atol=0;" in outcome.out
    last = outcome.out.splitlines()[-1]
    assert last.startswith("Airflow home kept at ")
    home = Path(last.removeprefix("Airflow home kept at "))
    try:
        assert (home / "airflow.db").is_file()
        assert (home / "dags" / "noisy.py").is_file()
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)


@pytest.mark.airflow
def test_parity_quiet_leaves_the_native_console_log_and_progress_out(cli) -> None:
    airflow_python("airflow3")
    seed = "pypedream.examples.seed:pipeline"
    loud = cli("parity", seed, "--fast")
    quiet = cli("parity", seed, "--fast", "--quiet")

    assert loud.code == quiet.code == 0, (loud.err, quiet.err)
    assert "stage_started" in loud.err and "parity: exporting" in loud.err
    assert "stage_started" not in quiet.err and "parity:" not in quiet.err
    assert quiet.out.splitlines()[-1].startswith("EQUAL: 4 stages")
