"""Which Python environments with real Airflow the tests can use, or why they skip."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

AIRFLOW2_ENV_VAR = "PYPEDREAM_AIRFLOW2_PYTHON"
ENVIRONMENTS = ("airflow3", "airflow2")


def airflow_python(name: str) -> Path:
    """The interpreter for environment `name` ("airflow3": this one), or skip saying why."""
    if name == "airflow3":
        if importlib.util.find_spec("airflow") is None:
            pytest.skip(f"Apache Airflow is not installed for {sys.executable}")
        return Path(sys.executable)
    value = os.environ.get(AIRFLOW2_ENV_VAR)
    if not value:
        pytest.skip(f"{AIRFLOW2_ENV_VAR} is not set (path to a Python with Airflow 2.x)")
    if not Path(value).is_file():
        pytest.skip(f"{AIRFLOW2_ENV_VAR}={value} does not exist")
    return Path(value)
