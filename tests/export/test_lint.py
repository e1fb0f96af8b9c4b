"""Generated DAG files are clean under ruff's Airflow rules (AIR) for their target, and are
formatted as `ruff format` formats them (they read like files a team writes by hand)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pypedream_compiler import export_airflow

from pypedream.definition.airflow_options import AirflowOptions

TARGETS = [
    pytest.param("pypedream.examples.seed:pipeline", None, id="seed"),
    pytest.param("pypedream.examples.sales:pipeline", None, id="sales"),
    pytest.param("tests.export.resources.pipelines:hostile", None, id="hostile-names"),
    pytest.param("tests.export.resources.pipelines:control", None, id="retries"),
    pytest.param(
        "tests.export.resources.pipelines:failing",
        AirflowOptions(schedule="0 3 * * *", default_args={"execution_timeout": 600}),
        id="options",
    ),
]
# The AIR3 rules say what changes for Airflow 3; a file written for Airflow 2 only is
# checked against the other AIR rules.
RULES = {
    "both": ["--select", "AIR"],
    "3": ["--select", "AIR"],
    "2": ["--select", "AIR", "--ignore", "AIR3"],
}
# What the template wrote before: a try/except import fallback ruff resolves to Airflow 2 names.
OLD_FALLBACK = """\
try:
    from airflow.sdk import DAG, Param
except ImportError:
    from airflow.models.dag import DAG
    from airflow.models.param import Param

with DAG(dag_id="x", schedule=None, params={"a": Param(1)}) as dag:
    pass
"""


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--isolated", "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One folder of generated files per --airflow-version."""
    folders = {}
    for version in RULES:
        out = tmp_path_factory.mktemp(f"airflow-{version}")
        for param in TARGETS:
            target, options = param.values
            export_airflow(target, out, options=options, airflow_version=version)
        folders[version] = out
    return folders


@pytest.mark.parametrize("version", list(RULES))
def test_generated_files_are_air_clean(exported: dict[str, Path], version: str) -> None:
    files = sorted(str(path) for path in exported[version].glob("*.py"))
    assert len(files) == len(TARGETS)
    result = _ruff("check", *RULES[version], "--output-format", "concise", *files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("version", list(RULES))
def test_generated_files_are_ruff_formatted(exported: dict[str, Path], version: str) -> None:
    result = _ruff("format", "--check", "--diff", str(exported[version]))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_air_check_catches_the_old_fallback_imports(tmp_path: Path) -> None:
    old = tmp_path / "old.py"
    old.write_text(OLD_FALLBACK)
    result = _ruff("check", *RULES["both"], "--output-format", "concise", str(old))
    assert result.returncode == 1
    assert "AIR311" in result.stdout


def test_the_cli_writes_the_chosen_airflow_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pypedream.cli.main import main

    seed = "pypedream.examples.seed:pipeline"
    assert main(["export-airflow", seed, "-o", str(tmp_path), "--airflow-version", "3"]) == 0
    source = (tmp_path / "ok_enough.py").read_text()
    assert "\nfrom airflow.sdk import DAG, Param\n" in source
    assert "importlib" not in source
    assert "airflow.models" not in source
    assert "--airflow-version 3" in source.splitlines()[2]  # the regenerate command keeps it
    capsys.readouterr()
