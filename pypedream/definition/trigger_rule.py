"""Trigger rules: when a stage runs, given how its direct upstream stages ended.

`decide` is the one rule, used natively and checked against real Airflow (a table-driven
test runs every rule over combinations of upstream states in Airflow 3 and 2.11). It mirrors
Airflow's `TriggerRuleDep` once every upstream is done, which is when a native run decides.
A mapped upstream counts once per instance, as in Airflow.
"""

from __future__ import annotations

import enum

from pypedream._suggest import did_you_mean

__all__ = ["AIRFLOW2_MISSING", "Decision", "TriggerRule", "decide", "trigger_rule"]


class TriggerRule(str, enum.Enum):
    """Airflow's trigger rules (setup/teardown's `all_done_setup_success` excepted)."""

    ALL_SUCCESS = "all_success"
    ALL_DONE = "all_done"
    ALL_FAILED = "all_failed"
    ALL_SKIPPED = "all_skipped"
    ALL_DONE_MIN_ONE_SUCCESS = "all_done_min_one_success"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_SKIPPED = "none_skipped"
    ALWAYS = "always"

    def __str__(self) -> str:
        return self.value


AIRFLOW2_MISSING = frozenset({TriggerRule.ALL_DONE_MIN_ONE_SUCCESS})
"""Rules Airflow 2.11 does not have: exporting a stage with one for Airflow 2 is an error."""


class Decision(str, enum.Enum):
    """What happens to a stage once its upstream stages are done."""

    RUN = "run"
    SKIPPED = "skipped"
    UPSTREAM_FAILED = "upstream_failed"

    def __str__(self) -> str:
        return self.value


def trigger_rule(value: object) -> TriggerRule:
    """`value` as a TriggerRule; a ValueError names the valid rules."""
    if isinstance(value, TriggerRule):
        return value
    try:
        return TriggerRule(value)
    except ValueError:
        names = [rule.value for rule in TriggerRule]
        hint = did_you_mean(value, names) if isinstance(value, str) else ""
        raise ValueError(
            f"unknown trigger rule {value!r}{hint} (valid: {', '.join(names)})"
        ) from None


def decide(
    rule: TriggerRule, *, success: int, failed: int, upstream_failed: int, skipped: int
) -> Decision:
    """Airflow's decision for a task whose upstream instances are all done.

    The counts are per upstream task instance. A stage with no upstream always runs.
    """
    upstream = success + failed + upstream_failed + skipped
    if upstream == 0 or rule is TriggerRule.ALWAYS or rule is TriggerRule.ALL_DONE:
        return Decision.RUN
    broken = failed or upstream_failed
    if rule is TriggerRule.ALL_SUCCESS:
        if broken:
            return Decision.UPSTREAM_FAILED
        return Decision.SKIPPED if skipped else Decision.RUN
    if rule is TriggerRule.ALL_FAILED:
        return Decision.SKIPPED if success or skipped else Decision.RUN
    if rule is TriggerRule.ALL_SKIPPED:
        return Decision.SKIPPED if success or broken else Decision.RUN
    if rule is TriggerRule.ALL_DONE_MIN_ONE_SUCCESS:
        if skipped:
            return Decision.SKIPPED
        return Decision.RUN if success else Decision.UPSTREAM_FAILED
    if rule is TriggerRule.ONE_SUCCESS:
        if skipped == upstream:
            return Decision.SKIPPED
        return Decision.RUN if success else Decision.UPSTREAM_FAILED
    if rule is TriggerRule.ONE_FAILED:
        return Decision.RUN if broken else Decision.SKIPPED
    if rule is TriggerRule.ONE_DONE:
        return Decision.RUN if failed or success else Decision.SKIPPED
    if rule is TriggerRule.NONE_FAILED:
        return Decision.UPSTREAM_FAILED if broken else Decision.RUN
    if rule is TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS:
        if broken:
            return Decision.UPSTREAM_FAILED
        if skipped == upstream:
            return Decision.SKIPPED
        return Decision.RUN if success else Decision.UPSTREAM_FAILED
    if rule is TriggerRule.NONE_SKIPPED:
        return Decision.SKIPPED if skipped else Decision.RUN
    raise ValueError(f"unknown trigger rule {rule!r}")  # pragma: no cover - enum is closed
