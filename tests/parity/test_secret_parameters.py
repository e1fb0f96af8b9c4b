"""Secret parameters in the export (a password field without the default) and in parity."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pypedream_compiler import export_airflow

from pypedream.cli.main import main
from tests.parity.conftest import REPO_ROOT
from tests.parity.resources.secrets import DEFAULT_TOKEN

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


@pytest.mark.parametrize(
    ("name", "param"),
    [
        pytest.param(
            "secretive",
            '"token": Param(None, type=["string", "null"], format="password", '
            'description="API token"),',
            id="with-default",
        ),
        pytest.param(
            "required_secret", '"token": Param(type="string", format="password"),', id="required"
        ),
    ],
)
def test_a_secret_is_a_password_field_without_its_default(
    tmp_path: Path, name: str, param: str
) -> None:
    (result,) = export_airflow(f"{SECRETS}:{name}", tmp_path)
    source = result.path.read_text()
    flat = re.sub(r"\(\s+", "(", re.sub(r",?\s+\)", ")", " ".join(source.split())))
    assert param in flat
    assert DEFAULT_TOKEN not in source
    assert '"city": Param("Lyon", type="string"),' in source


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
