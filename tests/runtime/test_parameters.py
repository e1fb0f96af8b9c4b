"""Parameters: declaration, per-run overrides, and checks that fail before any stage runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pypedream import MISSING, Parameter, ParameterError, Parameters, Pipeline, Stage, ctx
from pypedream.input import param
from tests.resources.pipelines import Calls


def _echo_pipeline(calls: Calls, parameters: Parameters) -> Pipeline:
    """One stage that records and returns the run's parameters as a dict."""

    def echo() -> dict[str, Any]:
        calls.add("echo")
        return dict(ctx.parameters())

    return Pipeline("params", parameters, stages={"echo": Stage(echo)}, log_settings=None)


def test_define_declares_required_and_defaulted_parameters() -> None:
    params = Parameters.define(
        "required", x=1, y=Parameter(0.5, description="learning rate"), z=None
    )

    assert list(params) == ["required", "x", "y", "z"]
    assert params.specs["required"].required
    assert params.specs["required"].default is MISSING
    assert not params.specs["x"].required
    assert params.specs["y"].description == "learning rate"
    assert params.specs["y"].value_type is float
    assert params["x"] == 1
    assert params["y"] == 0.5
    assert params["z"] is None


def test_define_rejects_a_name_both_required_and_defaulted() -> None:
    with pytest.raises(ValueError, match="'x' is declared both required and with a default"):
        Parameters.define("x", x=1)


@pytest.mark.parametrize("name", [pytest.param("", id="empty"), pytest.param(3, id="not-str")])
def test_define_rejects_bad_required_names(name: Any) -> None:
    with pytest.raises(TypeError, match="non-empty strings"):
        Parameters.define(name)


def test_run_takes_parameters_as_keywords(calls: Calls) -> None:
    pipeline = _echo_pipeline(calls, Parameters.define("required", x=1, y=0.5))

    result = pipeline.run(required="r", y=2.5)

    assert result["echo"] == {"required": "r", "x": 1, "y": 2.5}
    assert result.parameters == {"required": "r", "x": 1, "y": 2.5}


def test_run_takes_parameters_as_a_dict(calls: Calls) -> None:
    params = Parameters.define(max_workers=2, fail_fast="no")
    pipeline = _echo_pipeline(calls, params)

    result = pipeline.run({"max_workers": 5, "fail_fast": "yes"})

    assert result["echo"] == {"max_workers": 5, "fail_fast": "yes"}


def test_param_input_passes_the_run_value_and_its_own_default(calls: Calls) -> None:
    def f(a: int, b: int, c: Any) -> tuple[int, int, Any]:
        return a, b, c

    pipeline = Pipeline(
        "p",
        Parameters.define(a=1, b=2),
        stages={
            "f": Stage(
                f,
                inputs=[
                    param("a", as_arg="a"),
                    param("b", as_arg="b"),
                    param("a", as_arg="c"),
                ],
            )
        },
        log_settings=None,
    )

    assert pipeline.run(a=10) == {"f": (10, 2, 10)}
    assert pipeline.run() == {"f": (1, 2, 1)}


def test_a_run_does_not_change_the_pipeline_parameters(calls: Calls) -> None:
    params = Parameters.define(x=1)
    pipeline = _echo_pipeline(calls, params)

    pipeline.run(x=5)

    assert pipeline.parameters["x"] == 1
    assert pipeline.run()["echo"] == {"x": 1}


@pytest.mark.parametrize(
    ("params", "overrides", "expected"),
    [
        pytest.param(
            Parameters.define(alpha=0.1),
            {"alhpa": 0.2},
            "unknown parameter 'alhpa'. Did you mean 'alpha'?",
            id="unknown-with-suggestion",
        ),
        pytest.param(
            Parameters.define("day"),
            {},
            "parameter 'day' is required and has no default; pass day=...",
            id="missing-required",
        ),
        pytest.param(
            Parameters.define(count=1),
            {"count": "3"},
            "parameter 'count': expected int, got str ('3')",
            id="str-for-int",
        ),
        pytest.param(
            Parameters.define(count=1),
            {"count": True},
            "parameter 'count': expected int, got bool (True)",
            id="bool-not-int",
        ),
        pytest.param(
            Parameters.define(rate=0.5),
            {"rate": False},
            "parameter 'rate': expected float, got bool",
            id="bool-not-float",
        ),
        pytest.param(
            Parameters.define(day=dt.date(2024, 1, 1)),
            {"day": dt.datetime(2024, 1, 1, 12)},
            "parameter 'day': expected date, got datetime",
            id="datetime-not-date",
        ),
        pytest.param(
            Parameters.define(n=Parameter(type=int)),
            {"n": 1.5},
            "parameter 'n': expected int, got float",
            id="explicit-type",
        ),
    ],
)
def test_bad_parameters_fail_before_any_stage_runs(
    calls: Calls, params: Parameters, overrides: dict[str, Any], expected: str
) -> None:
    pipeline = _echo_pipeline(calls, params)

    with pytest.raises(ParameterError) as raised:
        pipeline.run(overrides)

    assert expected in str(raised.value)
    assert "(nothing was run)" in str(raised.value)
    assert raised.value.pipeline == "params"
    assert len(calls) == 0


@pytest.mark.parametrize(
    ("params", "overrides"),
    [
        pytest.param(Parameters.define(rate=0.5), {"rate": 2}, id="int-for-float"),
        pytest.param(Parameters.define(items=[1]), {"items": (1, 2)}, id="tuple-for-list"),
        pytest.param(Parameters.define(anything=None), {"anything": object()}, id="none-default"),
        pytest.param(Parameters.define("free"), {"free": [1, "x"]}, id="required-untyped"),
        pytest.param(
            Parameters.define(when=dt.datetime(2024, 1, 1)),
            {"when": dt.datetime(2025, 1, 1)},
            id="datetime",
        ),
    ],
)
def test_compatible_values_are_accepted(
    calls: Calls, params: Parameters, overrides: dict[str, Any]
) -> None:
    result = _echo_pipeline(calls, params).run(overrides)

    assert result.ok
    for name, value in overrides.items():
        assert result["echo"][name] is value


def test_every_parameter_problem_is_reported_at_once(calls: Calls) -> None:
    pipeline = _echo_pipeline(calls, Parameters.define("day", count=1))

    with pytest.raises(ParameterError) as raised:
        pipeline.run(cuont=2, count="x")

    problems = raised.value.problems
    assert len(problems) == 3
    assert str(raised.value).startswith("3 parameter problems in pipeline 'params'")
    assert any("unknown parameter 'cuont'. Did you mean 'count'?" in p for p in problems)
    assert any("'count': expected int, got str" in p for p in problems)
    assert any("'day' is required" in p for p in problems)
    assert len(calls) == 0


def test_parameter_error_is_a_value_error() -> None:
    assert issubclass(ParameterError, ValueError)


def test_reading_an_unknown_parameter_suggests_the_closest_name() -> None:
    params = Parameters.define(source1="a")

    with pytest.raises(KeyError, match="Did you mean 'source1'"):
        params["sourc1"]


def test_reading_a_required_parameter_without_a_value_says_so() -> None:
    with pytest.raises(KeyError, match="'day' is required and has no value"):
        Parameters.define("day")["day"]
