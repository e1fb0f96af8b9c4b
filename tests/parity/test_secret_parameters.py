"""Secret parameters in the export (a password field without the default) and in parity."""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pypedream_compiler import export_airflow

from pypedream.cli.main import main
from tests.parity.conftest import REPO_ROOT
from tests.parity.resources.secrets import DEFAULT_TOKEN
from tests.support.airflow_envs import ENVIRONMENTS, airflow_python

SECRETS = "tests.parity.resources.secrets"
PASSED = "passed-token-5519"


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    monkeypatch.setattr(sys, "path", [str(REPO_ROOT), *sys.path])

    def call(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def _params_in(source: str) -> dict[str, ast.Call]:
    """The `Param(...)` calls of the DAG's `params=` by name, read from the generated file."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == "params":
            assert isinstance(node.value, ast.Dict)
            return {
                ast.literal_eval(key): value  # type: ignore[arg-type]
                for key, value in zip(node.value.keys, node.value.values, strict=True)
                if isinstance(value, ast.Call)
            }
    raise AssertionError("no params= in the DAG file")


def _arguments(call: ast.Call) -> tuple[list[object], dict[str, object]]:
    positional = [ast.literal_eval(argument) for argument in call.args]
    keywords = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    return positional, keywords


@pytest.mark.parametrize(
    ("name", "default", "types"),
    [
        pytest.param("secretive", [None], ["string", "null"], id="with-default"),
        pytest.param("required_secret", [], "string", id="required"),
    ],
)
def test_a_secret_is_a_password_field_without_its_default(
    tmp_path: Path, name: str, default: list[object], types: object
) -> None:
    (result,) = export_airflow(f"{SECRETS}:{name}", tmp_path)
    source = result.path.read_text()
    params = _params_in(source)
    positional, keywords = _arguments(params["token"])
    assert positional == default
    assert keywords["format"] == "password"
    assert keywords["type"] == types
    assert DEFAULT_TOKEN not in source
    assert _arguments(params["city"])[0] == ["Lyon"]


@pytest.mark.airflow
def test_parity_with_a_secret_passed_and_with_its_default(cli: Callable[..., tuple]) -> None:
    code, out, err = cli("parity", f"{SECRETS}:secretive", "-p", f"token={PASSED}", "--json")
    assert code == 0, out + err
    assert PASSED not in out + err
    report = json.loads(out)
    assert report["equal"] is True
    # progress while Airflow runs (stderr is not a terminal here: one line per step)
    steps = [line for line in err.splitlines() if line.startswith("parity: ")]
    assert steps[0].startswith("parity: exporting and running 1 DAG run in Airflow (")
    assert steps[1].startswith("parity: Airflow took ")
    assert report["runs"][0]["params"]["token"] == "***"

    code, out, err = cli("parity", f"{SECRETS}:secretive")
    assert code == 0, out + err  # Airflow left the field empty: the pipeline's default applied
    assert DEFAULT_TOKEN not in out + err


def test_check_report_and_its_run_mask_the_secret(cli: Callable[..., tuple]) -> None:
    code, out, err = cli("check", f"{SECRETS}:secretive", "-p", f"token={PASSED}")
    assert code == 0, out + err
    assert "READY" in out
    assert PASSED not in out + err
    assert "signing for Lyon with ***" in err


def test_parity_reports_mask_sensitive_keys_of_the_run_conf() -> None:
    from pypedream_compiler.parity.report import RunParity

    from pypedream.worker.readiness import ReadinessReport

    run = RunParity(
        pipeline="p",
        reference="m:p",
        dag_id="p",
        params={"api_token": "conf-secret-1", "city": "Lyon"},
        run_id="r",
        logical_date="2026-01-01T00:00:00+00:00",
        airflow_state="success",
        error=None,
        stages=(),
        readiness=ReadinessReport("p", "r", (), (), {}),
    )
    assert 'with {"api_token": "***", "city": "Lyon"}' in run.render()
    assert run.to_dict()["params"] == {"api_token": "***", "city": "Lyon"}
    assert "conf-secret-1" not in json.dumps(run.to_dict())


@pytest.mark.airflow
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_dag_file_registers_secrets_with_airflows_masker(
    tmp_path: Path, environment: str
) -> None:
    """Airflow then hides the values wherever it logs, a stage's exception text included."""
    from pypedream_compiler.embedded.runner import DagRunRequest, run_in_environment

    (result,) = export_airflow(f"{SECRETS}:masker_probe", tmp_path / "dags")
    assert "mask_secret=mask_secret" in result.path.read_text()
    requests = [DagRunRequest("masker_probe", {"token": PASSED}), DagRunRequest("masker_probe")]
    report = run_in_environment(
        airflow_python(environment),
        requests,
        dags_dir_files=[result.path],
        env={"PYTHONPATH": str(REPO_ROOT)},
    )
    for run in report.runs:
        assert run.ok, run.error
        assert run.task("probe").xcom() is True  # the stage saw its token masked by Airflow
