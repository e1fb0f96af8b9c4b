"""Branches and short-circuits natively: Airflow's @task.branch and ShortCircuitOperator."""

from __future__ import annotations

from typing import Any

import pytest

from pypedream import BranchError, Parameter, Parameters, Pipeline, Stage, StageStatus
from pypedream.input import dependency, param

WORKERS = [pytest.param(None, id="sequential"), pytest.param(3, id="threads")]


def branching(join_rule: str = "none_failed_min_one_success") -> Pipeline:
    """pick -> (fast | full) -> join; `pick` follows the `mode` parameter."""
    return Pipeline(
        "branching",
        parameters=Parameters.define(mode="fast"),
        stages={
            "pick": Stage(lambda mode: mode, [param("mode", as_arg="mode")], branch=True),
            "fast": Stage(lambda: "fast result", after=["pick"]),
            "full": Stage(lambda: "full result", after=["pick"]),
            "join": Stage(
                lambda fast, full: fast or full,
                [
                    dependency("fast", as_arg="fast", default=None),
                    dependency("full", as_arg="full", default=None),
                ],
                trigger_rule=join_rule,
            ),
        },
        log_settings=None,
    )


def status(result: Any) -> dict[str, str]:
    return {key: r.status.value for key, r in result.stages.items()}


@pytest.mark.parametrize("workers", WORKERS)
def test_a_branch_follows_the_chosen_stage_and_skips_the_other(workers: int | None) -> None:
    result = branching().run(mode="full", max_workers=workers)

    assert status(result) == {
        "pick": "succeeded",
        "fast": "skipped",
        "full": "succeeded",
        "join": "succeeded",
    }
    assert result["join"] == "full result"
    assert result.stages["fast"].reason == "branch 'pick' chose 'full'"
    assert result.ok


def test_a_join_with_the_default_rule_is_skipped_after_a_branch() -> None:
    result = branching(join_rule="all_success").run()

    assert result.stages["join"].status is StageStatus.SKIPPED
    assert result.stages["join"].reason == "upstream 'full' skipped"


def test_a_branch_may_choose_several_or_none() -> None:
    pipeline = Pipeline(
        "many",
        parameters=Parameters.define(chosen=Parameter(None)),
        stages={
            "pick": Stage(lambda chosen: chosen, [param("chosen", as_arg="chosen")], branch=True),
            "a": Stage(lambda: 1, after=["pick"]),
            "b": Stage(lambda: 2, after=["pick"]),
            "c": Stage(lambda: 3, after=["pick"]),
        },
        log_settings=None,
    )

    assert {k for k, v in status(pipeline.run(chosen=["a", "b"])).items() if v == "skipped"} == {
        "c"
    }
    assert {k for k, v in status(pipeline.run(chosen=None)).items() if v == "skipped"} == {
        "a",
        "b",
        "c",
    }


def test_a_direct_downstream_also_behind_the_chosen_stage_is_not_skipped() -> None:
    pipeline = Pipeline(
        "diamond",
        stages={
            "pick": Stage(lambda: "a", branch=True),
            "a": Stage(lambda: 1, after=["pick"]),
            "b": Stage(lambda: 2, after=["pick"]),
            "join": Stage(lambda: 3, after=["pick", "a"]),
        },
        log_settings=None,
    )

    assert status(pipeline.run()) == {
        "pick": "succeeded",
        "a": "succeeded",
        "b": "skipped",
        "join": "succeeded",
    }


def test_a_branch_choosing_a_stage_it_does_not_lead_to_fails() -> None:
    pipeline = Pipeline(
        "wrong",
        stages={
            "pick": Stage(lambda: "elsewhere", branch=True),
            "a": Stage(lambda: 1, after=["pick"]),
        },
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False)

    error = result.stages["pick"].error
    assert isinstance(error, BranchError)
    assert "returned 'elsewhere', which is not one of its direct downstream stages ('a')" in str(
        error
    )
    assert result.stages["a"].status is StageStatus.UPSTREAM_FAILED


def short_circuit(value: Any, ignore: bool = True) -> Pipeline:
    """check -> step -> after (all_done); check short-circuits with `value`."""
    return Pipeline(
        "short",
        stages={
            "check": Stage(
                lambda: value, short_circuit=True, ignore_downstream_trigger_rules=ignore
            ),
            "step": Stage(lambda: "stepped", after=["check"]),
            "after": Stage(lambda: "after", after=["step"], trigger_rule="all_done"),
        },
        log_settings=None,
    )


@pytest.mark.parametrize("workers", WORKERS)
def test_a_falsy_short_circuit_skips_everything_downstream(workers: int | None) -> None:
    result = short_circuit([]).run(max_workers=workers)

    assert status(result) == {"check": "succeeded", "step": "skipped", "after": "skipped"}
    assert result["check"] == []
    assert result.stages["after"].reason == "short-circuit 'check' returned []"


def test_without_ignoring_trigger_rules_only_direct_stages_are_skipped() -> None:
    result = short_circuit(0, ignore=False).run()

    assert status(result) == {"check": "succeeded", "step": "skipped", "after": "succeeded"}


def test_a_truthy_short_circuit_lets_everything_run() -> None:
    result = short_circuit({"rows": 3}).run()

    assert result == {"check": {"rows": 3}, "step": "stepped", "after": "after"}
