"""Definition checks: every problem, reported at once, before any stage runs."""

from __future__ import annotations

from typing import Any

import pytest

from pypedream import (
    CHILL,
    PRESERVE,
    STRICT,
    Input,
    InputBinding,
    KeyedOutputMapper,
    Parameters,
    Pipeline,
    PipelineDefinitionError,
    SequentialOutputMapper,
    Stage,
    ctx,
)
from pypedream.input import dependency, known, param
from tests.resources.pipelines import Calls, recorded


def one(x: int) -> int:
    return x


def two(a: int, b: int = 0) -> int:
    return a + b


def kwargs_only(**options: Any) -> dict[str, Any]:
    return options


def positional_only(x: int, /) -> int:
    return x


def _pipeline(stages: dict[str, Stage], parameters: Parameters | None = None) -> Pipeline:
    return Pipeline("daily", parameters, stages=stages, log_settings=None)


def _problems(stages: dict[str, Stage], parameters: Parameters | None = None) -> tuple[str, ...]:
    with pytest.raises(PipelineDefinitionError) as raised:
        _pipeline(stages, parameters).validate()
    return raised.value.problems


@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        pytest.param(
            {"load": Stage(one, [known(1, "x")]), "clean": Stage(one, [dependency("lod", "x")])},
            "stage 'clean' input 'x': no stage named 'lod' in pipeline 'daily'. "
            "Did you mean 'load'?",
            id="unknown-dependency",
        ),
        pytest.param(
            {
                "load": Stage(one, [known(1, "x")]),
                "clean": Stage(one, [known(1, "x")], after=["laod"]),
            },
            "stage 'clean' after: no stage named 'laod' in pipeline 'daily'. Did you mean 'load'?",
            id="unknown-after",
        ),
        pytest.param(
            {"a": Stage(one, [known(1, "x")]), "b": Stage(one, [known(1, "x")], after=["zzz"])},
            "stage 'b' after: no stage named 'zzz' in pipeline 'daily'",
            id="unknown-without-suggestion",
        ),
        pytest.param(
            {"a": Stage(two, [known(1, "a"), known(2, "c")])},
            "stage 'a': function two() has no argument 'c' (it takes: a, b)",
            id="as-arg-not-accepted",
        ),
        pytest.param(
            {"a": Stage(two, [known(1, "a"), known(2, "bb")])},
            "has no argument 'bb' (it takes: a, b). Did you mean 'b'?",
            id="as-arg-suggestion",
        ),
        pytest.param(
            {"a": Stage(two, [known(1, "b")])},
            "stage 'a': function two() argument 'a' is not bound; add an input for it, "
            "e.g. known(value, as_arg='a')",
            id="required-unbound",
        ),
        pytest.param(
            {"a": Stage(positional_only)},
            "argument 'x' is positional-only and has no default",
            id="positional-only",
        ),
        pytest.param(
            {"a": Stage(one, [known(1, "x"), known(2, "x")])},
            "stage 'a': argument 'x' is bound twice",
            id="bound-twice",
        ),
        pytest.param(
            {"a": Stage(one, [param("alhpa", "x")])},
            "stage 'a' input 'x': no parameter named 'alhpa'. Did you mean 'alpha'?",
            id="undefined-parameter",
        ),
        pytest.param(
            {
                "a": Stage(lambda: (1, 2), output_mapper=SequentialOutputMapper(["left", "right"])),
                "b": Stage(one, [dependency("a", "x", from_output="rigth")]),
            },
            "stage 'b' input 'x': stage 'a' has no output 'rigth' (its outputs: 'left', 'right')."
            " Did you mean 'right'?",
            id="output-not-produced-sequential",
        ),
        pytest.param(
            {
                "a": Stage(lambda: {}, output_mapper=KeyedOutputMapper({"k": "key"}, STRICT)),
                "b": Stage(one, [dependency("a", "x", from_output="k")]),
            },
            "stage 'a' has no output 'k' (its outputs: 'key')",
            id="output-not-produced-keyed",
        ),
        pytest.param(
            {"a": Stage(lambda: 1), "b": Stage(one, [dependency("a", "x", from_output="value")])},
            "stage 'a' has no output 'value' (its outputs: 'return')",
            id="output-not-produced-default",
        ),
        pytest.param(
            {
                "a": Stage(lambda: 1),
                "b": Stage(
                    lambda x: x,
                    [Input("x", InputBinding.deferred(ctx.STAGES, lambda s: s["a"]["return"]))],
                ),
            },
            "stage 'b': an input reads ctx.STAGES through a custom mapper, so the stages it "
            "needs are unknown; list them in after=[...]",
            id="opaque-stages-read",
        ),
        pytest.param(
            {"a": Stage(one, [dependency("b", "x")]), "b": Stage(one, [dependency("a", "x")])},
            "stages 'a' -> 'b' -> 'a' form a cycle",
            id="cycle-of-two",
        ),
        pytest.param(
            {"a": Stage(one, [dependency("a", "x")])},
            "stages 'a' -> 'a' form a cycle",
            id="self-cycle",
        ),
        pytest.param(
            {"x": Stage(lambda: 1), 3: Stage(lambda: 1)},
            "stage keys must be non-empty strings, got 3",
            id="non-string-key",
        ),
        pytest.param(
            {"a": one},
            "stage 'a' must be a Stage, got function",
            id="not-a-stage",
        ),
    ],
)
def test_each_problem_is_reported(stages: dict[str, Any], expected: str) -> None:
    problems = _problems(stages, Parameters.define(alpha=0.1))

    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_cycle_lists_its_members_in_data_flow_order() -> None:
    problems = _problems(
        {
            "start": Stage(lambda: 1),
            "a": Stage(two, [dependency("start", "a"), dependency("c", "b")]),
            "b": Stage(one, [dependency("a", "x")]),
            "c": Stage(one, [known(0, "x")], after=["b"]),
            "downstream": Stage(one, [dependency("c", "x")]),
        }
    )

    assert problems == ("stages 'a' -> 'b' -> 'c' -> 'a' form a cycle",)


def test_every_problem_is_reported_at_once_and_nothing_runs(calls: Calls) -> None:
    pipeline = _pipeline(
        {
            "ok": Stage(recorded(calls, "ok")),
            "unknown": Stage(one, [dependency("okk", "x")]),
            "bad_arg": Stage(one, [known(1, "x"), known(2, "y")]),
            "unbound": Stage(two, [known(1, "b")]),
            "twice": Stage(one, [known(1, "x"), known(2, "x")]),
            "param": Stage(one, [param("nope", "x")]),
            "cycle1": Stage(one, [dependency("cycle2", "x")]),
            "cycle2": Stage(one, [dependency("cycle1", "x")]),
        },
        Parameters.define(yes=1),
    )

    with pytest.raises(PipelineDefinitionError) as raised:
        pipeline.run()

    error = raised.value
    assert len(error.problems) == 6, error.problems
    assert str(error).startswith("6 problems in pipeline 'daily' (nothing was run):\n  - ")
    for fragment in (
        "no stage named 'okk'",
        "has no argument 'y'",
        "argument 'a' is not bound",
        "'x' is bound twice",
        "no parameter named 'nope'",
        "'cycle1' -> 'cycle2' -> 'cycle1' form a cycle",
    ):
        assert fragment in str(error)
    assert len(calls) == 0


def test_single_problem_reads_on_one_line() -> None:
    with pytest.raises(PipelineDefinitionError) as raised:
        _pipeline({"a": Stage(one)}).validate()

    assert str(raised.value) == (
        "1 problem in pipeline 'daily' (nothing was run): stage 'a': function one() argument "
        "'x' is not bound; add an input for it, e.g. known(value, as_arg='x')"
    )


def test_graph_and_run_report_the_same_problems(calls: Calls) -> None:
    pipeline = _pipeline({"a": Stage(one, [known(1, "y")])})

    with pytest.raises(PipelineDefinitionError) as from_graph:
        _ = pipeline.graph
    with pytest.raises(PipelineDefinitionError) as from_run:
        pipeline.run()

    assert from_graph.value.problems == from_run.value.problems
    assert issubclass(PipelineDefinitionError, ValueError)


@pytest.mark.parametrize(
    "upstream",
    [
        pytest.param(
            Stage(lambda: {"k": 1, "extra": 2}, output_mapper=KeyedOutputMapper(["k"], PRESERVE)),
            id="preserve-mapper",
        ),
        pytest.param(Stage(lambda: {"extra": 2}, output_mapper=lambda v: v), id="custom-mapper"),
    ],
)
def test_outputs_of_non_strict_mappers_are_checked_at_run_time(upstream: Stage) -> None:
    pipeline = _pipeline(
        {"a": upstream, "b": Stage(one, [dependency("a", "x", from_output="extra")])}
    )

    assert pipeline.run() == {"a": upstream.function(), "b": 2}


def test_a_missing_output_with_a_default_is_not_a_problem() -> None:
    pipeline = _pipeline(
        {
            "a": Stage(lambda: (1,), output_mapper=SequentialOutputMapper(["x"], CHILL)),
            "b": Stage(two, [dependency("a", "a", from_output="y", default=5)]),
        }
    )

    assert pipeline.run()["b"] == 5


def test_an_opaque_stages_read_with_after_is_valid_and_sees_only_ancestors() -> None:
    def read(stages: Any) -> list[str]:
        return sorted(stages)

    pipeline = _pipeline(
        {
            "a": Stage(lambda: 1),
            "unrelated": Stage(lambda: 2),
            "b": Stage(
                read,
                [Input("stages", InputBinding.deferred(ctx.STAGES, lambda s: s))],
                after=["a"],
            ),
        }
    )

    assert pipeline.run()["b"] == ["a"]


def test_a_function_taking_kwargs_accepts_any_argument() -> None:
    pipeline = _pipeline({"a": Stage(kwargs_only, [known(1, "anything"), known(2, "else_")])})

    assert pipeline.run() == {"a": {"anything": 1, "else_": 2}}


def test_arguments_with_defaults_need_no_input() -> None:
    assert _pipeline({"a": Stage(two, [known(1, "a")])}).run() == {"a": 1}


def test_builtins_without_a_signature_are_checked_when_called() -> None:
    assert _pipeline({"a": Stage(dict, [known(1, "x")])}).run() == {"a": {"x": 1}}
