"""The pytest plugin: a `pypedream_parity` fixture, an option, and nothing heavy at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.parity.conftest import REPO_ROOT

USES_FIXTURE = """
from pypedream_compiler.testing import ParityBatch

def test_fixture_is_a_session_batch(pypedream_parity, request):
    assert isinstance(pypedream_parity, ParityBatch)
    assert pypedream_parity.airflow_python == "/opt/airflow2/bin/python"
    assert pypedream_parity is request.getfixturevalue("pypedream_parity")
"""


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # -p no:pypedream: the entry point may or may not be installed in this environment
    command = [sys.executable, "-m", "pytest", "-p", "no:pypedream", "-p", "no:cacheprovider"]
    command += ["-p", "pypedream_compiler.pytest_plugin", *args]
    return subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )


def test_fixture_and_option(tmp_path: Path) -> None:
    (tmp_path / "test_uses.py").write_text(USES_FIXTURE)
    proc = _pytest(tmp_path, "test_uses.py", "--pypedream-airflow-env", "/opt/airflow2/bin/python")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


def test_option_is_documented(tmp_path: Path) -> None:
    proc = _pytest(tmp_path, "--help")
    assert "--pypedream-airflow-env=PYTHON" in proc.stdout


def test_importing_the_plugin_loads_no_airflow_jinja_or_libcst() -> None:
    code = (
        "import sys, pypedream_compiler.pytest_plugin, pypedream_compiler.testing; "
        "print(sorted(m for m in ('airflow', 'jinja2', 'libcst') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert proc.stdout.strip() == "[]"


def test_entry_point_is_declared() -> None:
    text = (REPO_ROOT / "pyproject.toml").read_text()
    assert "[project.entry-points.pytest11]\n" in text
    assert 'pypedream = "pypedream_compiler.pytest_plugin"' in text
