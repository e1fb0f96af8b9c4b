"""The real command in a subprocess: `python -m pypedream.cli` from a fresh working directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import RESOURCES


def pypedream(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": "", "TERM": "dumb", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "pypedream.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_seed_example_runs_from_an_empty_directory(tmp_path: Path) -> None:
    done = pypedream("run", "pypedream.examples.seed:pipeline", "-p", "source1=db", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "OK: pipeline 'ok enough'" in done.stdout
    assert "validate_data  succeeded" in done.stdout
    log_path = Path(done.stdout.splitlines()[-1].removeprefix("log: "))
    assert log_path.parent == tmp_path / "logs"
    assert log_path.is_file()
    assert "\r" not in done.stderr  # not a terminal: no progress line


def test_json_on_stdout_only(tmp_path: Path) -> None:
    done = pypedream("run", "pypedream.examples.seed", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["stages"]["validate_data"]["outputs"] == {"return": True}
    assert "run_finished" in done.stderr


def test_file_target_and_failure_exit_code(tmp_path: Path) -> None:
    done = pypedream("run", f"{RESOURCES / 'pipelines.py'}:failing", cwd=tmp_path)
    assert done.returncode == 1
    assert "FAILED: pipeline 'failing'" in done.stdout
    assert "stage 'boom' failed after 1 attempt: ValueError: cannot handle 1" in done.stderr


def test_module_target_in_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / "flow_here.py").write_text(
        "from pypedream import Parameters, Pipeline, Stage\n"
        "from pypedream.input import param\n"
        "def square(x):\n"
        "    return x * x\n"
        "def build():\n"
        "    return Pipeline('here', Parameters.define(x=2),\n"
        "                    stages={'sq': Stage(square, inputs=[param('x', as_arg='x')])})\n"
    )
    done = pypedream("run", "flow_here:build", "-p", "x=7", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stages"]["sq"]["outputs"] == {"return": 49}


def test_usage_error_exit_code(tmp_path: Path) -> None:
    done = pypedream("run", "no_such_module_abc", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: target 'no_such_module_abc': no module named")
    assert done.stdout == ""


def test_help_imports_neither_airflow_nor_the_compiler(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pypedream.cli.main import main\n"
        "assert main(['--help']) == 0\n"
        "assert main(['run', '--help']) == 0\n"
        "assert main(['export-airflow', '--help']) == 0\n"
        "heavy = {'airflow', 'jinja2', 'libcst', 'pypedream_compiler', 'structlog'}\n"
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"


def test_export_airflow_then_check_from_an_empty_directory(tmp_path: Path) -> None:
    args = ("export-airflow", "pypedream.examples.seed:pipeline", "-o", "dags", "--tag", "seed")
    done = pypedream(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "wrote dags/ok_enough.py\n"
    text = (tmp_path / "dags" / "ok_enough.py").read_text()
    assert "# Regenerate with: pypedream " + " ".join(args) + "\n" in text
    assert 'tags=["seed"]' in text
    checked = pypedream(*args, "--check", cwd=tmp_path)
    assert (checked.returncode, checked.stdout) == (0, "up to date dags/ok_enough.py\n")
    differs = pypedream(*args[:-2], "--check", cwd=tmp_path)  # without --tag: the tags differ
    assert differs.returncode == 1
    assert '-    tags=["seed"],' in differs.stdout
