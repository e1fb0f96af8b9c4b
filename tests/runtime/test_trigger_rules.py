"""Trigger rules natively: every rule over combinations of upstream states (Airflow's table)."""

from __future__ import annotations

import pytest

from pypedream import Pipeline, Stage, StageStatus, TriggerRule
from pypedream.definition.trigger_rule import Decision, decide, trigger_rule
from tests.resources import trigger_rules as table

WORKERS = [pytest.param(None, id="sequential"), pytest.param(3, id="threads")]


def test_the_table_covers_every_rule() -> None:
    assert set(table.EXPECTED) == set(TriggerRule)


@pytest.mark.parametrize(
    ("rule", "combo", "outcome"),
    [pytest.param(*case, id=f"{case[0].value}-{case[1]}") for case in table.cases()],
)
@pytest.mark.parametrize("workers", WORKERS)
def test_each_rule_decides_the_joining_stage_as_airflow_does(
    rule: TriggerRule, combo: str, outcome: str, workers: int | None
) -> None:
    result = table.join_pipeline(rule, combo).run(raise_on_failure=False, max_workers=workers)

    assert result.stages["join"].status.value == outcome
    assert (result.get("join") == "ran") is (outcome == "succeeded")


def test_decide_with_no_upstream_runs_whatever_the_rule() -> None:
    for rule in TriggerRule:
        assert decide(rule, success=0, failed=0, upstream_failed=0, skipped=0) is Decision.RUN


def test_a_rule_is_given_as_text_or_enum_and_a_typo_is_named() -> None:
    assert Stage(print, trigger_rule="one_success").trigger_rule is TriggerRule.ONE_SUCCESS
    assert trigger_rule(TriggerRule.ALWAYS) is TriggerRule.ALWAYS
    with pytest.raises(ValueError, match=r"unknown trigger rule 'one_sucess'\. Did you mean"):
        Stage(print, trigger_rule="one_sucess")


def test_a_stage_after_a_rule_that_ran_despite_failures_runs_too() -> None:
    def boom() -> None:
        raise RuntimeError("boom")

    pipeline = Pipeline(
        "cleanup",
        stages={
            "work": Stage(boom),
            "cleanup": Stage(lambda: "cleaned", after=["work"], trigger_rule="all_done"),
            "report": Stage(lambda: "reported", after=["cleanup"]),
        },
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False)

    assert result.stages["work"].status is StageStatus.FAILED
    assert result["cleanup"] == "cleaned"
    assert result["report"] == "reported"
    assert not result.ok


def test_the_reason_of_a_rule_decision_names_the_rule_and_counts() -> None:
    result = table.join_pipeline(TriggerRule.ONE_FAILED, "SS").run()

    assert result.stages["join"].reason == "trigger rule one_failed: upstream 2 succeeded"


def _broken() -> int:
    raise ValueError("no data")


@pytest.mark.parametrize("workers", WORKERS)
def test_a_stage_run_by_its_rule_reads_a_failed_upstream_as_its_default_or_fails_naming_it(
    workers: int | None,
) -> None:
    from pypedream.input import dependency

    pipeline = Pipeline(
        "after_failure",
        stages={
            "load": Stage(_broken),
            "tolerant": Stage(
                lambda rows: rows,
                [dependency("load", "rows", default="fallback")],
                trigger_rule="all_done",
            ),
            "strict": Stage(
                lambda rows: rows, [dependency("load", "rows")], trigger_rule="all_done"
            ),
        },
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False, max_workers=workers)

    assert result["tolerant"] == "fallback"
    assert result.stages["strict"].status is StageStatus.FAILED
    assert str(result.stages["strict"].error) == (
        "stage 'strict' input 'rows': stage 'load' has no outputs (it did not succeed)"
    )
