"""Airflow settings of an exported pipeline, and the one check of them (pure data: the runtime
never imports Airflow).

`airflow_option_problems` checks every option the way Airflow 3.3 checks it when it parses
the DAG file (DAG's attrs validators, `BASEOPERATOR_ARGS_EXPECTED_TYPES`, croniter for cron
expressions), so a bad option fails at export, naming the option and a valid example, instead
of in the scheduler. The Python API and the CLI both reach it through `export_airflow`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "AIRFLOW_VERSIONS",
    "DEFAULT_ARG_TYPES",
    "SCHEDULE_PRESETS",
    "AirflowOptions",
    "airflow_option_problems",
    "utc_start_date",
]

DEFAULT_START_DATE = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
AIRFLOW_VERSIONS = ("both", "2", "3")
# Airflow's CRON_PRESETS plus the two schedules that are not cron at all.
SCHEDULE_PRESETS = frozenset(
    {"@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly"}
)
TAG_MAX_LENGTH = 100  # airflow.sdk.definitions.dag.TAG_MAX_LEN

_SECONDS = (dt.timedelta, int, float)
# default_args keys an exported DAG may set: the accepted value types (as Airflow 3.3's
# BASEOPERATOR_ARGS_EXPECTED_TYPES checks them; timedelta keys also take seconds) and an example.
DEFAULT_ARG_TYPES: Mapping[str, tuple[tuple[type, ...], str]] = {
    "allow_nested_operators": ((bool,), "False"),
    "depends_on_past": ((bool,), "True"),
    "email": ((str, list, tuple), '"oncall@example.com"'),
    "email_on_failure": ((bool,), "False"),
    "email_on_retry": ((bool,), "False"),
    "execution_timeout": (_SECONDS, "3600 (seconds) or timedelta(hours=1)"),
    "executor": ((str,), '"CeleryExecutor"'),
    "executor_config": ((dict,), '{"KubernetesExecutor": {"request_memory": "1Gi"}}'),
    "ignore_first_depends_on_past": ((bool,), "True"),
    "logger_name": ((str,), '"etl"'),
    "max_active_tis_per_dag": ((int,), "4"),
    "max_active_tis_per_dagrun": ((int,), "2"),
    "max_retry_delay": (_SECONDS, "600 (seconds) or timedelta(minutes=10)"),
    "owner": ((str,), '"data-team"'),
    "pool": ((str,), '"etl"'),
    "pool_slots": ((int,), "1"),
    "priority_weight": ((int,), "10"),
    "queue": ((str,), '"default"'),
    "resources": ((dict,), '{"cpus": 2}'),
    "retry_exponential_backoff": ((int, float), "2.0"),
    "run_as_user": ((str,), '"airflow"'),
    "wait_for_downstream": ((bool,), "True"),
    "wait_for_past_depends_before_skipping": ((bool,), "True"),
    "weight_rule": ((str,), '"downstream"'),
}
_WEIGHT_RULES = ("absolute", "downstream", "upstream")
# Operator arguments that default_args must not carry, and why.
_REFUSED_DEFAULT_ARGS: Mapping[str, str] = {
    "retries": "pypedream sets it from each stage; use Stage(retries=...) instead",
    "retry_delay": "pypedream sets it from each stage; use Stage(retry_delay=...) instead",
    "start_date": "use AirflowOptions(start_date=...) instead",
    "end_date": "an exported DAG has no end date; pause or delete the DAG instead",
    "sla": "SLAs were removed in Airflow 3 (it warns); use deadline alerts in Airflow itself",
    "trigger_rule": "every stage runs when all its upstream stages succeeded, as natively",
    "do_xcom_push": "pypedream passes stage outputs through XCom",
    "multiple_outputs": "pypedream decides how stage outputs are stored",
    "doc_md": "pypedream writes each task's doc_md from its stage",
    "task_display_name": "it would give every task the same name",
}


@dataclass(frozen=True)
class AirflowOptions:
    """What `pypedream export-airflow` puts on the DAG. Pass as `Pipeline(..., airflow=...)`.

    `schedule` is a cron string, a preset such as "@daily", a `timedelta`, or None (manual runs
    only). A naive `start_date` is read as UTC. `default_args` values must be plain literals
    (str, numbers, bools, None, lists, dicts) of the types Airflow expects for each key.
    `allowed_types` adds to the classes pypedream's XCom decoder may rebuild (the pipeline's
    own package is always in): classes, module or package names, or glob patterns such as
    "mylib.models.*". `airflow_xcoms=False` stops tasks pushing the idiomatic `return_value`
    and named-output XComs besides pypedream's own (for large values nobody else reads).
    """

    dag_id: str | None = None
    schedule: str | dt.timedelta | None = None
    start_date: dt.datetime = DEFAULT_START_DATE
    catchup: bool = False
    tags: Sequence[str] = ("pypedream",)
    owner: str | None = None
    default_args: Mapping[str, Any] = field(default_factory=dict)
    max_active_runs: int | None = None
    description: str | None = None
    allowed_types: Sequence[str | type] = ()
    airflow_xcoms: bool = True

    def merged(self, **changes: Any) -> AirflowOptions:
        """A copy with the given fields replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def utc_start_date(moment: dt.datetime) -> dt.datetime:
    """`moment` in UTC; a naive datetime is read as UTC (never as the machine's local time)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def _got(value: Any) -> str:
    return f"got {type(value).__name__} ({value!r:.60})"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _schedule_problem(schedule: Any) -> str | None:
    example = 'e.g. schedule="0 6 * * *", "@daily", timedelta(hours=1) or None'
    if schedule is None:
        return None
    if isinstance(schedule, dt.timedelta):
        if schedule <= dt.timedelta(0):
            return f"schedule: a timedelta must be positive, got {schedule!r}; {example}"
        return None
    if not isinstance(schedule, str):
        return (
            "schedule: expected a cron string, preset, timedelta or None, "
            f"{_got(schedule)}; {example}"
        )
    if schedule in SCHEDULE_PRESETS:
        return None
    if schedule.startswith("@"):
        presets = ", ".join(sorted(SCHEDULE_PRESETS))
        return f"schedule: unknown preset {schedule!r} (Airflow knows {presets}); {example}"
    try:
        from croniter import (  # type: ignore[import-untyped]  # no stubs are published
            CroniterBadCronError,
            CroniterBadDateError,
            croniter,
        )
    except ImportError:
        return (
            f"schedule {schedule!r}: checking a cron expression needs croniter, which comes "
            'with the export extra: pip install "pypedream[export]"'
        )
    try:  # what Airflow's cron timetables run on the expression
        croniter(schedule)
    except (CroniterBadCronError, CroniterBadDateError, ValueError) as problem:
        return f"schedule: {schedule!r} is not a cron expression ({problem}); {example}"
    return None


def _tags_problem(tags: Any) -> str | None:
    example = 'e.g. tags=["finance", "daily"] (--tag finance --tag daily)'
    if isinstance(tags, (str, bytes)) or not isinstance(tags, (list, tuple, set, frozenset)):
        return f"tags: expected a list of strings, {_got(tags)}; {example}"
    for tag in tags:
        if not isinstance(tag, str):
            return f"tags: every tag must be a string, {_got(tag)}; {example}"
        if not tag or len(tag) > TAG_MAX_LENGTH:
            return f"tags: tag {tag!r:.40} must have 1 to {TAG_MAX_LENGTH} characters; {example}"
    return None


def _json_problem(value: Any) -> str | None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as problem:
        return str(problem)
    if isinstance(value, (list, tuple)):
        return next((p for p in map(_json_problem, value) if p), None)
    if isinstance(value, dict):
        if any(not isinstance(key, str) for key in value):
            return "keys must be strings"
        return next((p for p in map(_json_problem, value.values()) if p), None)
    if not isinstance(value, (str, int, float, bool, type(None))):
        return f"{type(value).__name__} is not plain JSON data"
    return None


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)


def _default_arg_problem(key: Any, value: Any) -> str | None:
    from pypedream._suggest import did_you_mean

    if not isinstance(key, str):
        return f"default_args: keys must be strings, {_got(key)}"
    if key in _REFUSED_DEFAULT_ARGS:
        return f"default_args[{key!r}]: not allowed: {_REFUSED_DEFAULT_ARGS[key]}"
    if key not in DEFAULT_ARG_TYPES:
        hint = did_you_mean(key, DEFAULT_ARG_TYPES) or "; known keys: " + ", ".join(
            DEFAULT_ARG_TYPES
        )
        return (
            f"default_args[{key!r}]: not an Airflow operator argument pypedream can set{hint}; "
            'e.g. default_args={"pool": "etl"}'
        )
    kinds, example = DEFAULT_ARG_TYPES[key]
    valid = f'e.g. default_args={{"{key}": {example}}} (--default-arg {key}=...)'
    if value is None:
        return None
    wrong_kind = not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
    if wrong_kind:
        names = (
            "a timedelta or seconds"
            if kinds is _SECONDS
            else " or ".join(kind.__name__ for kind in kinds)
        )
        return f"default_args[{key!r}]: expected {names}, {_got(value)}; {valid}"
    if isinstance(value, dt.timedelta):
        if value <= dt.timedelta(0):
            return f"default_args[{key!r}]: must be positive, got {value!r}; {valid}"
        return None
    if kinds is _SECONDS and not (value > 0 and math.isfinite(value)):
        return f"default_args[{key!r}]: seconds must be a finite number > 0, got {value!r}; {valid}"
    problem = _json_problem(value)
    if problem:
        return f"default_args[{key!r}]: must be plain JSON data ({problem}); {valid}"
    if key == "email" and not all(isinstance(item, str) for item in _as_list(value)):
        return f"default_args['email']: every address must be a string; {valid}"
    if key == "weight_rule" and value not in _WEIGHT_RULES:
        rules = ", ".join(_WEIGHT_RULES)
        return f"default_args['weight_rule']: expected one of {rules}, got {value!r}"
    if key == "pool_slots" and value < 1:
        return f"default_args['pool_slots']: must be >= 1, got {value!r}; {valid}"
    return None


def airflow_option_problems(options: AirflowOptions) -> list[str]:
    """Every option Airflow would refuse (or misread), each naming the option and an example."""
    problems: list[str] = []
    if options.dag_id is not None and not isinstance(options.dag_id, str):
        problems.append(
            f'dag_id: expected a string, {_got(options.dag_id)}; e.g. dag_id="daily_sales"'
        )
    problem = _schedule_problem(options.schedule)
    if problem:
        problems.append(problem)
    if not isinstance(options.start_date, dt.datetime):
        problems.append(
            f"start_date: expected a datetime, {_got(options.start_date)}; "
            "e.g. start_date=datetime(2024, 1, 1, tzinfo=timezone.utc) (--start-date 2024-01-01)"
        )
    if not isinstance(options.catchup, bool):
        problems.append(
            f"catchup: expected True or False, {_got(options.catchup)}; e.g. catchup=False"
        )
    problem = _tags_problem(options.tags)
    if problem:
        problems.append(problem)
    if options.owner is not None and not isinstance(options.owner, str):
        problems.append(f'owner: expected a string, {_got(options.owner)}; e.g. owner="data-team"')
    runs = options.max_active_runs
    if runs is not None and (not _is_int(runs) or runs < 1):
        problems.append(
            f"max_active_runs: expected a whole number >= 1, {_got(runs)}; e.g. max_active_runs=3"
        )
    elif options.schedule == "@continuous" and runs != 1:
        problems.append(
            'max_active_runs: schedule "@continuous" needs max_active_runs=1 '
            f"(Airflow refuses more), got {runs!r}"
        )
    if options.description is not None and not isinstance(options.description, str):
        problems.append(
            f"description: expected a string, {_got(options.description)}; "
            'e.g. description="Daily sales"'
        )
    if not isinstance(options.default_args, Mapping):
        problems.append(
            f"default_args: expected a dict, {_got(options.default_args)}; "
            'e.g. default_args={"pool": "etl"}'
        )
    else:
        problems += filter(
            None, (_default_arg_problem(k, v) for k, v in options.default_args.items())
        )
    if not isinstance(options.airflow_xcoms, bool):
        problems.append(
            f"airflow_xcoms: expected True or False, {_got(options.airflow_xcoms)}; "
            "e.g. airflow_xcoms=False (--no-airflow-xcoms)"
        )
    allowed = options.allowed_types
    if isinstance(allowed, str) or not isinstance(allowed, (list, tuple)):
        problems.append(
            f"allowed_types: expected a list of classes or names, {_got(allowed)}; "
            'e.g. allowed_types=("mylib.models", MyEnum)'
        )
    else:
        bad = [entry for entry in allowed if not isinstance(entry, (str, type)) or entry == ""]
        if bad:
            problems.append(
                f"allowed_types: {bad[0]!r} is neither a class nor a module, package or "
                'pattern name; e.g. allowed_types=("mylib.models", "mylib.dto.*", MyEnum)'
            )
    return problems
