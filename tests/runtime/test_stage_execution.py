"""execute_stage: the one entry point that runs a stage natively and inside an Airflow task."""

from __future__ import annotations

from typing import Any

import pytest

from pypedream import Parameters, Stage, StageStatus, ctx
from pypedream.execution.stage_execution import execute_stage, resolve_inputs
from pypedream.input import known, param


def test_it_resolves_inputs_from_the_callers_context() -> None:
    stage = Stage(lambda a, b: a + b, inputs=[param("a", "a"), known(2, "b")])
    token = ctx.PARAMETERS.set(Parameters.define(a=1).resolve({"a": 40}))
    try:
        result = execute_stage("s", stage, None, {})
    finally:
        ctx.PARAMETERS.reset(token)

    assert result.status is StageStatus.SUCCEEDED
    assert result.return_value == 42
    assert result.outputs == {"return": 42}
    assert result.attempts == 1


def test_it_runs_only_the_attempts_it_is_given() -> None:
    seen: list[int] = []

    def broken() -> None:
        seen.append(1)
        raise RuntimeError("no")

    stage = Stage(broken, retries=5, retry_delay=9)
    slept: list[float] = []

    result = execute_stage(
        "s", stage, None, {}, first_attempt=2, last_attempt=3, sleep=slept.append
    )

    assert result.status is StageStatus.FAILED
    assert result.attempts == 2
    assert len(seen) == 2
    assert slept == [9.0]


def test_it_reports_writes_over_the_given_variables() -> None:
    def bump() -> Any:
        variables = ctx.variables()
        variables["n"] = variables["n"] + 1
        return dict(variables)

    base = {"n": 1}

    result = execute_stage("s", Stage(bump), None, base)

    assert result.return_value == {"n": 2}
    assert result.variable_writes == {"n": 2}
    assert base == {"n": 1}


def test_resolve_inputs_returns_the_logged_values() -> None:
    kwargs, logged = resolve_inputs(
        "s", (known(1, "a", logged=True), known(2, "b"), known(3, "event", logged=True))
    )

    assert kwargs == {"a": 1, "b": 2, "event": 3}
    assert logged == {"a": 1, "input.event": 3}


def test_it_never_raises_for_the_stages_own_failure() -> None:
    def broken() -> None:
        raise ZeroDivisionError("x")

    result = execute_stage("s", Stage(broken), None, {})

    assert result.status is StageStatus.FAILED
    assert isinstance(result.error, ZeroDivisionError)
    assert "ZeroDivisionError: x" in result.traceback


def test_keyboard_interrupt_is_not_swallowed() -> None:
    def stop() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute_stage("s", Stage(stop, retries=3), None, {})
