"""pytest plugin (entry point `pypedream`): the `pypedream_parity` fixture.

    def test_pipelines_run_the_same_in_airflow(pypedream_parity):
        pypedream_parity.add("my_project.flows:daily", {"day": "2024-01-31"})
        pypedream_parity.add("my_project.flows:weekly")
        pypedream_parity.assert_equal("my_project.flows:daily", {"day": "2024-01-31"})
        pypedream_parity.assert_equal("my_project.flows:weekly")

The fixture is one `ParityBatch` per test session: every case added and not yet run goes into
the next Airflow batch (one Airflow process), so register cases early (e.g. in a
session-scoped fixture) and assert on them anywhere. Airflow runs with this interpreter, or
the one given by `--pypedream-airflow-env PYTHON`. A missing Airflow is an error, not a skip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pypedream_compiler.testing import ParityBatch


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pypedream")
    group.addoption(
        "--pypedream-airflow-env",
        metavar="PYTHON",
        default=None,
        help="pypedream_parity: run Airflow with this Python (default: the one running pytest)",
    )
    group.addoption(
        "--pypedream-fast",
        action="store_true",
        default=False,
        help="pypedream_parity: run every Airflow task in one process (faster, but blind to "
        "state shared across tasks); default: each task in a fresh process",
    )


@pytest.fixture(scope="session")
def pypedream_parity(pytestconfig: pytest.Config) -> ParityBatch:
    """A session-wide ParityBatch: `add()` cases, then `assert_equal()` / `report()` them."""
    from pypedream_compiler.testing import ParityBatch

    fast = bool(pytestconfig.getoption("pypedream_fast"))
    return ParityBatch(
        airflow_python=pytestconfig.getoption("pypedream_airflow_env"),
        mode="single-process" if fast else "process-per-task",
    )
