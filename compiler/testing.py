"""Parity in a test suite: `assert_parity` for one pipeline, `ParityBatch` for many.

    from pypedream_compiler.testing import assert_parity

    def test_daily_runs_the_same_in_airflow():
        assert_parity("my_project.flows:daily", params={"day": "2024-01-31"})

Airflow's first DAG run in a process costs seconds, so check many pipelines in one batch: the
`pypedream_parity` pytest fixture (see `pytest_plugin`) is a session-wide `ParityBatch`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from pypedream_compiler.parity.report import ParityReport, RunParity

from pypedream import Pipeline

__all__ = ["ParityBatch", "assert_parity"]


def assert_parity(
    pipeline: Pipeline | str,
    params: Mapping[str, Any] | None = None,
    *,
    airflow_python: str | os.PathLike[str] | None = None,
    rtol: float = 0.0,
    atol: float = 0.0,
    keep: bool = False,
    mode: str = "process-per-task",
) -> ParityReport:
    """Run `pipeline` in an embedded Airflow and natively; raise AssertionError on any difference.

    Each Airflow task runs in a fresh process, as production executors run it;
    `mode="single-process"` is faster but blind to state shared across tasks.
    The error message is the parity table with every difference. Returns the report.
    """
    from pypedream_compiler.parity.harness import run_parity

    report = run_parity(
        [(pipeline, dict(params or {}))],
        airflow_python=airflow_python,
        keep=keep,
        rtol=rtol,
        atol=atol,
        mode=mode,
    )
    if not report.equal:
        raise AssertionError(_failure(report.runs))
    return report


class ParityBatch:
    """Pipelines registered with `add()` run together in ONE Airflow process on first need.

    `report(target, params)` (or `assert_equal`) runs every case registered and not yet run,
    plus the one asked for, in one batch, and caches each case's `RunParity` for the session.
    """

    def __init__(
        self,
        *,
        airflow_python: str | os.PathLike[str] | None = None,
        rtol: float = 0.0,
        atol: float = 0.0,
        runner: Callable[..., ParityReport] | None = None,
        mode: str = "process-per-task",
    ) -> None:
        self.airflow_python = airflow_python
        self.mode = mode
        self.rtol = rtol
        self.atol = atol
        self._runner = runner
        self._pending: dict[tuple[Any, str], tuple[Pipeline | str, dict[str, Any]]] = {}
        self._done: dict[tuple[Any, str], RunParity] = {}
        self.batches = 0  # how many Airflow batches ran

    def add(self, target: Pipeline | str, params: Mapping[str, Any] | None = None) -> None:
        """Register a case for the next batch (nothing runs yet)."""
        key = _key(target, params)
        if key not in self._done:
            self._pending[key] = (target, dict(params or {}))

    def report(self, target: Pipeline | str, params: Mapping[str, Any] | None = None) -> RunParity:
        """The comparison of `target` run with `params`, running the pending batch if needed."""
        key = _key(target, params)
        if key not in self._done:
            self.add(target, params)
            self.run()
        return self._done[key]

    def assert_equal(
        self, target: Pipeline | str, params: Mapping[str, Any] | None = None
    ) -> RunParity:
        """`report()`, raising AssertionError with the parity table on any difference."""
        run = self.report(target, params)
        if not run.equal:
            raise AssertionError(_failure([run]))
        return run

    def run(self) -> ParityReport | None:
        """Run every pending case now, in one batch (None when nothing is pending)."""
        if not self._pending:
            return None
        runner = self._runner
        if runner is None:
            from pypedream_compiler.parity.harness import run_parity

            runner = run_parity
        keys, cases = list(self._pending), list(self._pending.values())
        self._pending.clear()
        report = runner(
            cases,
            airflow_python=self.airflow_python,
            rtol=self.rtol,
            atol=self.atol,
            mode=self.mode,
        )
        self.batches += 1
        self._done.update(zip(keys, report.runs, strict=True))
        return report


def _key(target: Pipeline | str, params: Mapping[str, Any] | None) -> tuple[Any, str]:
    name = target if isinstance(target, str) else id(target)
    return name, repr(sorted((params or {}).items()))


def _failure(runs: Any) -> str:
    bad = [run for run in runs if not run.equal]
    blocks = "\n\n".join(run.render() for run in bad)
    return f"native and Airflow runs differ:\n\n{blocks}"
