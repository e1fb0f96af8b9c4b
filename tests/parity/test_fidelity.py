"""`run(airflow_fidelity=True)`: values travel natively as they do between Airflow tasks."""

from __future__ import annotations

import structlog
from structlog.testing import capture_logs

from pypedream import LoggerSettings, Pipeline, Stage, StageStatus, ValueTransportError
from pypedream.input import dependency
from pypedream.worker.task import ValueTransportError as TaskValueTransportError
from pypedream.worker.transport import encode_outputs
from tests.parity.resources.pipelines import readiness, unsupported


def test_unsupported_value_fails_its_stage_with_the_airflow_tasks_error() -> None:
    result = unsupported.run(airflow_fidelity=True, raise_on_failure=False)
    failed = result.stages["makes_object"]
    assert failed.status is StageStatus.FAILED
    assert result.stages["uses_object"].status is StageStatus.UPSTREAM_FAILED
    assert type(failed.error) is ValueTransportError is TaskValueTransportError
    try:  # the very function the Airflow task calls
        encode_outputs("makes_object", {"return": {"handle": object()}})
    except ValueTransportError as airflow_side:
        assert str(failed.error) == str(airflow_side)
    assert str(failed.error).startswith(
        "stage 'makes_object' output 'return': value at ['handle'] has type builtins.object, "
        "which cannot be handed to other Airflow tasks."
    )
    assert "ValueTransportError" in (failed.traceback or "")


def test_without_the_flag_the_same_pipeline_succeeds() -> None:
    assert unsupported.run().ok


def _grow(items: list) -> list:
    items.append("!")  # mutates its input in place
    return [*items, "x"]


COPIES = Pipeline(
    "copies",
    stages={
        "make": Stage(lambda: ["upstream"]),
        "grow": Stage(_grow, inputs=[dependency("make", "items")]),
    },
    log_settings=None,
)


def test_downstream_stages_get_a_decoded_copy_as_in_airflow() -> None:
    plain = COPIES.run()
    faithful = COPIES.run(airflow_fidelity=True)
    assert plain["make"] == ["upstream", "!"]  # natively the downstream mutated it in place
    assert faithful["make"] == ["upstream"]  # as in Airflow: each task decodes its own copy
    assert faithful["grow"] == ["upstream", "!", "x"]


def test_values_keep_their_exact_types_through_the_round_trip() -> None:
    result = readiness.run(airflow_fidelity=True, raise_on_failure=False)
    assert type(result["integral"]) is float
    assert result["traps"]["nested"] == [(1, 2)]
    assert result.stages["named"].outputs == {"total": 3.0, "rows": [1, 2]}
    assert result.stages["plain"].status is StageStatus.FAILED
    pair = result.stages["pair"].outputs["return"]["pair"]  # a namedtuple is carried
    assert (type(pair).__name__, pair) == ("Pair", (1, 2))


def test_each_readiness_warning_is_logged_as_a_warning_event() -> None:
    with capture_logs() as entries:
        pipeline = readiness
        settings = LoggerSettings(override_logger=structlog.get_logger())
        faithful = Pipeline(
            pipeline.name, pipeline.parameters, pipeline.stages, log_settings=settings
        )
        faithful.run(airflow_fidelity=True, raise_on_failure=False)
    warnings = [e for e in entries if e["event"] == "airflow_value_warning"]
    kinds = {(e["stage"], e["problem"], e.get("path")) for e in warnings}
    assert ("integral", "integral-float", None) in kinds
    assert ("traps", "refused", "['raw']") in kinds
    assert ("big", "large", None) in kinds
    assert all(e["log_level"] == "warning" for e in warnings)
    failed = [e for e in entries if e["event"] == "stage_failed"]
    assert {e["stage"] for e in failed} == {"plain"}
    assert "ValueTransportError" in failed[0]["error"]


def test_the_flag_off_leaves_the_executor_path_untouched() -> None:
    from pypedream.execution.executor import _Run

    pipeline = COPIES
    seen = []
    original = _Run.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append("execute" in self.__dict__)

    try:
        _Run.__init__ = spy  # type: ignore[method-assign]
        pipeline.run()
        pipeline.run(airflow_fidelity=True)
    finally:
        _Run.__init__ = original  # type: ignore[method-assign]
    assert seen == [False, True]
