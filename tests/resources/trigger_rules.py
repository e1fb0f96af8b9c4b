"""Trigger-rule cases: upstream states -> what happens to the joining stage, per rule.

The expected outcomes are Airflow's documented behaviour, written out by hand. The native
tests run every case; the Airflow tests run the same pipelines in real Airflow 3 and 2.11.
States: S succeeded, F failed, K skipped, U upstream_failed (each an upstream stage).
"""

from __future__ import annotations

from typing import Any

from pypedream import Pipeline, SkipStage, Stage, TriggerRule

COMBOS = ("SS", "SF", "SK", "FF", "KK", "SU", "FK", "UU")
RUN, SKIP, UPF = "succeeded", "skipped", "upstream_failed"

# rule -> outcome of the joining stage for each combo, in COMBOS order
EXPECTED: dict[TriggerRule, tuple[str, ...]] = {
    TriggerRule.ALL_SUCCESS: (RUN, UPF, SKIP, UPF, SKIP, UPF, UPF, UPF),
    TriggerRule.ALL_FAILED: (SKIP, SKIP, SKIP, RUN, SKIP, SKIP, SKIP, RUN),
    TriggerRule.ALL_DONE: (RUN,) * 8,
    TriggerRule.ALL_SKIPPED: (SKIP, SKIP, SKIP, SKIP, RUN, SKIP, SKIP, SKIP),
    TriggerRule.ALL_DONE_MIN_ONE_SUCCESS: (RUN, RUN, SKIP, UPF, SKIP, RUN, SKIP, UPF),
    TriggerRule.ONE_SUCCESS: (RUN, RUN, RUN, UPF, SKIP, RUN, UPF, UPF),
    TriggerRule.ONE_FAILED: (SKIP, RUN, SKIP, RUN, SKIP, RUN, RUN, RUN),
    TriggerRule.ONE_DONE: (RUN, RUN, RUN, RUN, SKIP, RUN, RUN, SKIP),
    TriggerRule.NONE_FAILED: (RUN, UPF, RUN, UPF, RUN, UPF, UPF, UPF),
    TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS: (RUN, UPF, RUN, UPF, SKIP, UPF, UPF, UPF),
    TriggerRule.NONE_SKIPPED: (RUN, RUN, SKIP, RUN, SKIP, RUN, SKIP, RUN),
    TriggerRule.ALWAYS: (RUN,) * 8,
}


def ok() -> int:
    return 1


def boom() -> int:
    raise RuntimeError("boom")


def skip() -> int:
    raise SkipStage("nothing to do")


def after(**values: Any) -> str:
    return "ran"


_FUNCTIONS = {"S": ok, "F": boom, "K": skip}


def join_pipeline(rule: TriggerRule, combo: str) -> Pipeline:
    """Upstream stages u0, u1 in the states of `combo`, joined by `join` under `rule`."""
    stages: dict[str, Stage[Any]] = {}
    for index, state in enumerate(combo):
        key = f"u{index}"
        if state == "U":
            stages[f"f{index}"] = Stage(boom)
            stages[key] = Stage(ok, after=[f"f{index}"])
        else:
            stages[key] = Stage(_FUNCTIONS[state])
    stages["join"] = Stage(after, after=[f"u{i}" for i in range(len(combo))], trigger_rule=rule)
    return Pipeline(f"rule_{rule.value}_{combo}", stages=stages, log_settings=None)


def cases() -> list[tuple[TriggerRule, str, str]]:
    return [
        (rule, combo, outcome)
        for rule, outcomes in EXPECTED.items()
        for combo, outcome in zip(COMBOS, outcomes, strict=True)
    ]


def rule_pipeline(rule: TriggerRule) -> Pipeline:
    """Every combo of `rule` in one pipeline: stages `c<combo>_u<i>` joined by `c<combo>_join`."""
    stages: dict[str, Stage[Any]] = {}
    for combo in COMBOS:
        for key, stage in join_pipeline(rule, combo).stages.items():
            after_ = [f"c{combo}_{up}" for up in stage.after]
            stages[f"c{combo}_{key}"] = Stage(stage.function, after=after_, trigger_rule=stage.rule)
    return Pipeline(f"rule_{rule.value}", stages=stages, log_settings=None)


def join_key(combo: str) -> str:
    return f"c{combo}_join"


# Importable by reference for export (`tests.resources.trigger_rules:rule_<name>`).
for _rule in TriggerRule:
    globals()[f"rule_{_rule.value}"] = rule_pipeline(_rule)
