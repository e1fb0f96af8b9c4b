"""Input bindings: known values, context variables, callbacks, mappers and logged inputs."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pypedream import (
    DependencyInputMapper,
    Input,
    InputBinding,
    InputBindingError,
    KeyedInputMapper,
    Parameters,
    Pipeline,
    Stage,
    StageStatus,
    ctx,
)
from pypedream._sentinel import MISSING
from pypedream.definition.binding import BindingKind
from pypedream.input import dependency, immediate, known, param, var
from tests.resources.capture import CapturedLog


def identity(value: Any) -> Any:
    return value


def _run_value(
    binding: InputBinding[Any, Any], parameters: Parameters | None = None, **kw: Any
) -> Any:
    """Run one stage returning the value `binding` resolves to."""
    pipeline = Pipeline(
        "binding",
        parameters,
        stages={"s": Stage(identity, inputs=[Input("value", binding)])},
        log_settings=None,
    )
    return pipeline.run(**kw)["s"]


def test_known_passes_the_value_and_immediate_is_an_alias() -> None:
    marker = ("an immutable value is passed as it is",)

    assert _run_value(InputBinding.known(marker)) is marker
    assert _run_value(InputBinding.immediate(marker)) is marker
    assert InputBinding.immediate(1).kind is BindingKind.KNOWN


def test_known_with_a_mapper_maps_at_every_run() -> None:
    seen: list[int] = []

    def mapper(value: int) -> int:
        seen.append(value)
        return value * 2

    binding = InputBinding.known(21, mapper=mapper)
    pipeline = Pipeline(
        "binding",
        stages={"s": Stage(identity, inputs=[Input("value", binding)])},
        log_settings=None,
    )

    assert seen == []
    assert pipeline.run() == {"s": 42}
    assert pipeline.run() == {"s": 42}
    assert seen == [21, 21]


def test_deferred_reads_a_context_variable_when_the_stage_runs() -> None:
    binding = InputBinding.deferred(ctx.PARAMETERS, mapper=lambda p: p["n"] + 1)

    assert _run_value(binding, Parameters.define(n=1), n=4) == 5


def test_contextual_is_an_alias_of_deferred() -> None:
    binding = InputBinding.contextual(ctx.PARAMETERS, mapper=lambda p: dict(p))

    assert _run_value(binding, Parameters.define(n=1)) == {"n": 1}


def test_deferred_without_get_first_hands_the_mapper_the_context_variable() -> None:
    received: list[Any] = []

    def mapper(var: ContextVar[Any]) -> Any:
        received.append(var)
        return var.get()["n"]

    binding = InputBinding.deferred(ctx.PARAMETERS, mapper=mapper, get_first=False)

    assert _run_value(binding, Parameters.define(n=3)) == 3
    assert received == [ctx.PARAMETERS]


def test_deferred_reads_a_user_context_variable() -> None:
    mine: ContextVar[str] = ContextVar("mine", default="unset")
    token = mine.set("from caller")
    try:
        assert _run_value(InputBinding.deferred(mine)) == "from caller"
    finally:
        mine.reset(token)


def test_deferred_needs_a_context_variable() -> None:
    with pytest.raises(TypeError, match="deferred\\(\\) needs a ContextVar"):
        InputBinding.deferred({"n": 1})  # type: ignore[arg-type]


def test_callback_is_called_with_its_arguments_inside_the_run() -> None:
    calls: list[tuple[Any, ...]] = []

    def fetch(a: int, b: int, *, scale: int) -> int:
        calls.append((a, b, scale, ctx.stage_key(), ctx.parameters()["n"]))
        return (a + b) * scale

    binding = InputBinding.callback(fetch, 1, 2, mapper=lambda v: -v, scale=10)

    assert calls == []
    assert _run_value(binding, Parameters.define(n=7)) == -30
    assert calls == [(1, 2, 10, "s", 7)]


def test_callback_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="callback\\(\\) needs a callable"):
        InputBinding.callback(3)  # type: ignore[arg-type]


def test_bindings_are_frozen() -> None:
    binding = InputBinding.known(1)
    item = Input("x", binding)

    with pytest.raises(AttributeError):
        binding.source = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        item.as_arg = "y"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("as_arg", "bind", "message"),
    [
        pytest.param("", InputBinding.known(1), "as_arg must be a non-empty string", id="empty"),
        pytest.param(3, InputBinding.known(1), "as_arg must be a non-empty string", id="not-str"),
        pytest.param("x", 1, "bind must be an InputBinding", id="bad-bind"),
    ],
)
def test_input_checks_its_fields(as_arg: Any, bind: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        Input(as_arg, bind)


def test_stage_inputs_must_be_inputs() -> None:
    with pytest.raises(TypeError, match="inputs must be Input objects"):
        Stage(identity, inputs=[InputBinding.known(1)])  # type: ignore[list-item]


def test_shorthands_build_the_same_inputs() -> None:
    p = param("alpha", "a", default=1, logged=True)
    v = var("count", "c", required=False)
    d = dependency("load", "data", from_output="rows", default=None)

    assert p.bind.source is ctx.PARAMETERS
    assert p.bind.mapper == KeyedInputMapper("alpha", 1, True)
    assert p.logged
    assert v.bind.source is ctx.VARIABLES
    assert v.bind.mapper == KeyedInputMapper("count", required=False)
    assert d.bind.source is ctx.STAGES
    assert d.bind.mapper == DependencyInputMapper("load", "rows", None)
    assert known(5, "x").bind.source == 5
    assert immediate is known


def test_a_dependency_mapper_inside_any_input_makes_an_edge() -> None:
    mapper = DependencyInputMapper("a", "return")
    pipeline = Pipeline(
        "binding",
        stages={
            "b": Stage(
                identity, inputs=[Input("value", InputBinding.deferred(ctx.STAGES, mapper))]
            ),
            "a": Stage(lambda: "from a"),
        },
        log_settings=None,
    )

    assert pipeline.graph.upstream["b"] == ("a",)
    assert pipeline.run() == {"a": "from a", "b": "from a"}


@pytest.mark.parametrize(
    ("mapper", "source", "expected"),
    [
        pytest.param(KeyedInputMapper("a"), {"a": 1}, 1, id="present"),
        pytest.param(KeyedInputMapper("a", default=2), {}, 2, id="default"),
        pytest.param(KeyedInputMapper("a", default=None), {}, None, id="default-none"),
        pytest.param(KeyedInputMapper("a", required=False), {}, None, id="optional"),
    ],
)
def test_keyed_input_mapper(
    mapper: KeyedInputMapper, source: dict[str, Any], expected: Any
) -> None:
    assert mapper(source) == expected


@pytest.mark.parametrize(
    ("mapper", "source", "message"),
    [
        pytest.param(
            KeyedInputMapper("alpha"),
            {"alpah": 1},
            "key 'alpha' not found. Did you mean 'alpah'?",
            id="keyed-missing",
        ),
        pytest.param(
            KeyedInputMapper("a"), None, "only set while a pipeline runs", id="keyed-unset"
        ),
        pytest.param(
            DependencyInputMapper("a"), None, "ctx.STAGES is not set", id="dependency-unset"
        ),
        pytest.param(
            DependencyInputMapper("a", "x"),
            {"a": {"return": 1}},
            "stage 'a' produced no output 'x' (it produced: 'return')",
            id="dependency-output",
        ),
    ],
)
def test_input_mappers_raise_input_binding_errors(mapper: Any, source: Any, message: str) -> None:
    with pytest.raises(InputBindingError, match=message.replace("(", "\\(").replace(")", "\\)")):
        mapper(source)


def test_a_binding_that_raises_fails_the_stage_naming_stage_and_input() -> None:
    def broken() -> None:
        raise OSError("disk gone")

    pipeline = Pipeline(
        "binding",
        stages={"s": Stage(identity, inputs=[Input("value", InputBinding.callback(broken))])},
        log_settings=None,
    )

    stage = pipeline.run(raise_on_failure=False).stages["s"]

    assert stage.status is StageStatus.FAILED
    assert isinstance(stage.error, InputBindingError)
    assert str(stage.error) == "stage 's' input 'value': its binding raised OSError: disk gone"
    assert isinstance(stage.error.__cause__, OSError)


def test_logged_inputs_are_bound_into_every_event_of_their_stage(captured: CapturedLog) -> None:
    from pypedream.logging import info

    def work(rows: int, secret: str) -> int:
        info("working", extra=1)
        return rows

    pipeline = Pipeline(
        "binding",
        Parameters.define(rows=3),
        stages={
            "work": Stage(work, [param("rows", "rows", logged=True), known("hide", "secret")]),
            "next": Stage(identity, [dependency("work", "value")]),
        },
        log_settings=captured.settings,
    )

    pipeline.run()

    work_events = [e for e in captured.entries if e.get("stage") == "work"]
    assert [e["event"] for e in work_events] == ["stage_started", "working", "stage_succeeded"]
    assert all(e["rows"] == 3 for e in work_events)
    assert all("secret" not in e for e in work_events)
    assert all("rows" not in e for e in captured.entries if e.get("stage") != "work")


def test_logged_inputs_named_like_reserved_fields_are_prefixed(captured: CapturedLog) -> None:
    pipeline = Pipeline(
        "binding",
        stages={"s": Stage(lambda stage: stage, [known("mine", "stage", logged=True)])},
        log_settings=captured.settings,
    )

    pipeline.run()

    (started,) = captured.events("stage_started")
    assert started["stage"] == "s"
    assert started["input.stage"] == "mine"


_NAMES = st.sampled_from(["a", "b", "return", "rows"])
_VALUES = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.lists(st.integers()))


@settings(max_examples=300, deadline=None)
@given(
    outputs=st.dictionaries(_NAMES, st.dictionaries(_NAMES, _VALUES, max_size=3), max_size=3),
    stage=_NAMES,
    output=_NAMES,
    default=st.one_of(st.just(MISSING), _VALUES),
    required=st.booleans(),
)
def test_a_dependency_reads_the_run_outputs_as_its_mapper_reads_ctx_stages(
    outputs: dict[str, dict[str, Any]], stage: str, output: str, default: Any, required: bool
) -> None:
    """The fast path (`ctx.RUN_OUTPUTS`) and the mapper over `ctx.STAGES` agree on every
    value, default and error."""
    mapper = DependencyInputMapper(stage, output, default=default, required=required)
    binding = InputBinding.deferred(ctx.STAGES, mapper)

    def through(resolve: Any) -> tuple[str, Any]:
        try:
            return "value", resolve()
        except InputBindingError as problem:
            return "error", str(problem)

    expected = through(lambda: mapper(outputs))
    run_outputs, stages = ctx.RUN_OUTPUTS.set(outputs), ctx.STAGES.set(outputs)
    try:
        assert through(binding.resolve) == expected
    finally:
        ctx.STAGES.reset(stages)
        ctx.RUN_OUTPUTS.reset(run_outputs)
