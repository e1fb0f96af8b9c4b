"""Output mappers: the default, sequential and keyed mappers, custom callables, and errors."""

from __future__ import annotations

from typing import Any

import pytest

from pypedream import (
    CHILL,
    PRESERVE,
    STRICT,
    WARN_UNEXPECTED,
    KeyedOutputMapper,
    OutputMappingError,
    Pipeline,
    SequentialOutputMapper,
    Stage,
    StageStatus,
)
from pypedream.definition.outputs import declared_output_keys, default_output_mapper
from pypedream.input import dependency
from tests.resources.capture import CapturedLog


def _run_one(value: Any, mapper: Any, **options: Any) -> Any:
    """Run one stage `produce` returning `value` through `mapper`; return its StageResult."""
    pipeline = Pipeline(
        "outputs",
        stages={"produce": Stage(lambda: value, output_mapper=mapper)},
        log_settings=options.pop("log_settings", None),
    )
    return pipeline.run(raise_on_failure=False).stages["produce"]


def test_the_default_mapper_stores_the_value_under_return() -> None:
    pipeline = Pipeline("outputs", stages={"a": Stage(lambda: [1, 2])}, log_settings=None)

    result = pipeline.run()

    assert result.outputs("a") == {"return": [1, 2]}
    assert result == {"a": [1, 2]}
    assert default_output_mapper(5) == {"return": 5}


@pytest.mark.parametrize(
    ("value", "mapper", "outputs"),
    [
        pytest.param((1, 2), SequentialOutputMapper(["a", "b"]), {"a": 1, "b": 2}, id="seq-exact"),
        pytest.param(
            [1], SequentialOutputMapper(["a", "b"], CHILL), {"a": 1}, id="seq-chill-short"
        ),
        pytest.param(
            [1, 2, 3],
            SequentialOutputMapper(["a", "b"], CHILL),
            {"a": 1, "b": 2},
            id="seq-chill-long",
        ),
        pytest.param(
            (1, 2, 3),
            SequentialOutputMapper(["a"], PRESERVE),
            {"a": 1, "_extra": (2, 3)},
            id="seq-preserve",
        ),
        pytest.param(
            {"a": 1, "b": 2}, KeyedOutputMapper(["a", "b"]), {"a": 1, "b": 2}, id="keyed-exact"
        ),
        pytest.param(
            {"raw": 1}, KeyedOutputMapper({"raw": "clean"}), {"clean": 1}, id="keyed-rename"
        ),
        pytest.param(
            {"a": 1, "x": 9}, KeyedOutputMapper(["a", "b"], CHILL), {"a": 1}, id="keyed-chill"
        ),
        pytest.param(
            {"a": 1, "x": 9},
            KeyedOutputMapper(["a", "b"], PRESERVE),
            {"a": 1, "x": 9},
            id="keyed-preserve",
        ),
        pytest.param(
            7,
            lambda v: {"half": v / 2, "double": v * 2},
            {"half": 3.5, "double": 14},
            id="callable",
        ),
    ],
)
def test_mappers_name_the_outputs(value: Any, mapper: Any, outputs: dict[str, Any]) -> None:
    stage = _run_one(value, mapper)

    assert stage.status is StageStatus.SUCCEEDED
    assert dict(stage.outputs) == outputs
    assert stage.return_value is value


@pytest.mark.parametrize(
    ("value", "mapper", "message"),
    [
        pytest.param(
            (1, 2, 3),
            SequentialOutputMapper(["a", "b"]),
            "stage 'produce': SequentialOutputMapper(['a', 'b']) expected 2 values, got 3",
            id="seq-strict-count",
        ),
        pytest.param(
            "ab", SequentialOutputMapper(["a", "b"]), "needs a list or tuple", id="seq-str"
        ),
        pytest.param(
            {"a": 1},
            KeyedOutputMapper(["a", "b"], STRICT),
            "missing keys ['b'], unexpected keys []",
            id="keyed-strict-missing",
        ),
        pytest.param(
            {"a": 1, "b": 2, "c": 3},
            KeyedOutputMapper(["a", "b"]),
            "missing keys [], unexpected keys ['c']",
            id="keyed-strict-extra",
        ),
        pytest.param([1], KeyedOutputMapper(["a"]), "needs a mapping, got list", id="keyed-list"),
        pytest.param(
            {"a": 1, "b": 2},
            KeyedOutputMapper({"a": "b"}, PRESERVE),
            "unexpected key 'b' clashes with a mapped output",
            id="keyed-preserve-clash",
        ),
        pytest.param(1, lambda v: [v], "stage 'produce': output mapper", id="callable-non-dict"),
        pytest.param(1, lambda v: {1: v}, "returned non-string keys [1]", id="callable-int-keys"),
        pytest.param(
            1,
            lambda v: 1 / 0,
            "stage 'produce': output mapper raised ZeroDivisionError",
            id="callable-raises",
        ),
    ],
)
def test_a_rejected_value_fails_the_stage_naming_it(value: Any, mapper: Any, message: str) -> None:
    stage = _run_one(value, mapper)

    assert stage.status is StageStatus.FAILED
    assert isinstance(stage.error, OutputMappingError)
    assert str(stage.error).startswith("stage 'produce': ")
    assert message in str(stage.error)


def test_a_non_dict_from_a_callable_names_the_type() -> None:
    stage = _run_one(1, lambda v: [v])

    assert "returned list, expected a dict" in str(stage.error)


@pytest.mark.parametrize(
    ("value", "mapper", "missing", "extra"),
    [
        pytest.param(
            [1], SequentialOutputMapper(["a", "b"], CHILL | WARN_UNEXPECTED), ["b"], [], id="seq"
        ),
        pytest.param(
            {"a": 1, "x": 2},
            KeyedOutputMapper(["a", "b"], PRESERVE | WARN_UNEXPECTED),
            ["b"],
            ["x"],
            id="keyed",
        ),
    ],
)
def test_warn_unexpected_logs_a_warning_event(
    captured: CapturedLog, value: Any, mapper: Any, missing: list[str], extra: list[str]
) -> None:
    stage = _run_one(value, mapper, log_settings=captured.settings)

    assert stage.status is StageStatus.SUCCEEDED
    (warning,) = captured.events("unexpected stage outputs")
    assert warning["log_level"] == "warning"
    assert warning["stage"] == "produce"
    assert warning["missing"] == missing
    assert warning["extra"] == extra


def test_without_warn_unexpected_nothing_is_logged(captured: CapturedLog) -> None:
    _run_one([1], SequentialOutputMapper(["a", "b"], CHILL), log_settings=captured.settings)

    assert captured.events("unexpected stage outputs") == []


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        pytest.param(WARN_UNEXPECTED, ValueError, id="warn-alone"),
        pytest.param(STRICT | CHILL, ValueError, id="two-modes"),
        pytest.param("strict", TypeError, id="not-a-behaviour"),
    ],
)
@pytest.mark.parametrize("mapper", [SequentialOutputMapper, KeyedOutputMapper])
def test_a_behaviour_needs_exactly_one_mode(mapper: Any, behaviour: Any, error: type) -> None:
    with pytest.raises(error):
        mapper(["a"], behaviour)


def test_dependency_reads_one_named_output() -> None:
    pipeline = Pipeline(
        "outputs",
        stages={
            "split": Stage(
                lambda: ("train", "test"), output_mapper=SequentialOutputMapper(["train", "test"])
            ),
            "fit": Stage(lambda data: f"fit on {data}", [dependency("split", "data", "train")]),
            "score": Stage(lambda data: f"score on {data}", [dependency("split", "data", "test")]),
        },
        log_settings=None,
    )

    result = pipeline.run()

    assert result == {
        "split": ("train", "test"),
        "fit": "fit on train",
        "score": "score on test",
    }


def test_a_missing_output_fails_the_reader_at_run_time() -> None:
    pipeline = Pipeline(
        "outputs",
        stages={
            "a": Stage(lambda: {"x": 1}, output_mapper=lambda v: v),
            "b": Stage(lambda y: y, [dependency("a", "y", from_output="y")]),
        },
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False)

    assert str(result.stages["b"].error) == (
        "stage 'b' input 'y': stage 'a' produced no output 'y' (it produced: 'x')"
    )


@pytest.mark.parametrize(
    ("mapper", "keys"),
    [
        pytest.param(default_output_mapper, {"return"}, id="default"),
        pytest.param(SequentialOutputMapper(["a", "b"]), {"a", "b"}, id="seq-strict"),
        pytest.param(KeyedOutputMapper({"x": "y"}, CHILL), {"y"}, id="keyed-chill"),
        pytest.param(KeyedOutputMapper(["x"], PRESERVE), None, id="keyed-preserve"),
        pytest.param(lambda v: v, None, id="callable"),
    ],
)
def test_declared_output_keys(mapper: Any, keys: set[str] | None) -> None:
    assert declared_output_keys(mapper) == (None if keys is None else frozenset(keys))
