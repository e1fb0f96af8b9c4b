"""Variables: a stage sees its ancestors' writes only; unordered writers of one name conflict."""

from __future__ import annotations

from typing import Any

import pytest

from pypedream import (
    Pipeline,
    PipelineFailed,
    Stage,
    StageStatus,
    VariableConflictError,
    Variables,
    ctx,
)
from pypedream.definition.variables import DELETED
from pypedream.input import known, var

WORKERS = [pytest.param(None, id="sequential"), pytest.param(4, id="threads")]


def write(**values: Any) -> Any:
    def writer() -> dict[str, Any]:
        variables = ctx.variables()
        for name, value in values.items():
            if value is DELETED:
                del variables[name]
            else:
                variables[name] = value
        return dict(variables)

    return writer


def snapshot() -> dict[str, Any]:
    return dict(ctx.variables())


@pytest.mark.parametrize("workers", WORKERS)
def test_a_stage_sees_the_writes_of_its_ancestors_only(workers: int | None) -> None:
    pipeline = Pipeline(
        "vars",
        stages={
            "root": Stage(write(a=1)),
            "sibling": Stage(write(b=2), after=["root"]),
            "child": Stage(snapshot, after=["root"]),
            "grandchild": Stage(snapshot, after=["child", "sibling"]),
        },
        variables={"start": 0},
        log_settings=None,
    )

    result = pipeline.run(max_workers=workers)

    assert result["root"] == {"start": 0, "a": 1}
    assert result["child"] == {"start": 0, "a": 1}  # not the sibling's b
    assert result["grandchild"] == {"start": 0, "a": 1, "b": 2}
    assert result.variables == {"start": 0, "a": 1, "b": 2}


def test_a_later_write_on_a_path_wins_and_deletes_are_seen() -> None:
    pipeline = Pipeline(
        "vars",
        stages={
            "first": Stage(write(x=1, gone=DELETED)),
            "second": Stage(write(x=2), after=["first"]),
            "reader": Stage(lambda x: (x, snapshot()), inputs=[var("x", "x")], after=["second"]),
        },
        variables=Variables.define(gone="soon"),
        log_settings=None,
    )

    result = pipeline.run()

    assert result["reader"] == (2, {"x": 2})
    assert result.variables == {"x": 2}
    assert result.stages["first"].variable_writes == {"x": 1, "gone": DELETED}


@pytest.mark.parametrize("workers", WORKERS)
def test_unordered_stages_writing_the_same_name_conflict(workers: int | None) -> None:
    pipeline = Pipeline(
        "vars",
        stages={
            "left": Stage(write(shared=1, own_left=1)),
            "right": Stage(write(shared=2)),
            "after_right": Stage(snapshot, after=["right"]),
        },
        log_settings=None,
    )

    with pytest.raises(PipelineFailed) as raised:
        pipeline.run(max_workers=workers)

    result = raised.value.result
    (failed,) = result.failed
    error = result.stages[failed].error
    assert isinstance(error, VariableConflictError)
    assert "stages 'left' and 'right' both write variable(s) 'shared'" in str(error)
    assert "order them with after=[...]" in str(error)
    if failed == "right":
        assert result.stages["after_right"].status is StageStatus.UPSTREAM_FAILED


def test_ordered_stages_may_write_the_same_name() -> None:
    pipeline = Pipeline(
        "vars",
        stages={"a": Stage(write(n=1)), "b": Stage(write(n=2), after=["a"])},
        log_settings=None,
    )

    assert pipeline.run().variables == {"n": 2}


def test_var_input_reads_a_default_and_falls_back() -> None:
    pipeline = Pipeline(
        "vars",
        stages={
            "a": Stage(
                lambda x, y, z: (x, y, z),
                inputs=[
                    var("x", "x"),
                    var("missing", "y", default=7),
                    var("nope", "z", required=False),
                ],
            )
        },
        variables={"x": "start"},
        log_settings=None,
    )

    assert pipeline.run() == {"a": ("start", 7, None)}


def test_a_missing_variable_fails_the_stage_naming_it() -> None:
    pipeline = Pipeline(
        "vars",
        stages={"a": Stage(lambda x: x, inputs=[var("colour", "x")])},
        variables={"color": 1},
        log_settings=None,
    )

    result = pipeline.run(raise_on_failure=False)

    message = str(result.stages["a"].error)
    assert message == "stage 'a' input 'x': key 'colour' not found. Did you mean 'color'?"


def test_runs_do_not_share_variables() -> None:
    calls: list[dict[str, Any]] = []

    def count() -> None:
        variables = ctx.variables()
        calls.append(dict(variables))
        variables["n"] = variables.get("n", 0) + 1

    pipeline = Pipeline("vars", stages={"count": Stage(count)}, variables={}, log_settings=None)

    assert pipeline.run().variables == {"n": 1}
    assert pipeline.run().variables == {"n": 1}
    assert calls == [{}, {}]
    assert dict(pipeline.variables) == {}


def test_pipeline_variables_are_read_only() -> None:
    pipeline = Pipeline("vars", stages={}, variables={"a": 1}, log_settings=None)

    with pytest.raises(TypeError):
        pipeline.variables["a"] = 2  # type: ignore[index]


def test_a_failed_attempt_leaves_no_writes() -> None:
    attempts: list[dict[str, Any]] = []

    def flaky() -> None:
        variables = ctx.variables()
        attempts.append(dict(variables))
        variables["tried"] = len(attempts)
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")

    pipeline = Pipeline("vars", stages={"f": Stage(flaky, retries=1)}, log_settings=None)

    result = pipeline.run()

    assert attempts == [{}, {}]
    assert result.variables == {"tried": 2}


def test_a_run_without_variables_reports_none() -> None:
    pipeline = Pipeline(
        "vars", stages={"a": Stage(lambda v: v, inputs=[known(1, "v")])}, log_settings=None
    )

    assert pipeline.run().variables == {}


class TestVariablesMapping:
    def test_writes_are_recorded_and_the_base_is_untouched(self) -> None:
        base = {"a": 1, "b": 2}
        variables = Variables.over(base)

        variables["a"] = 10
        variables["c"] = 3
        del variables["b"]

        assert dict(variables) == {"a": 10, "c": 3}
        assert variables.writes == {"a": 10, "c": 3, "b": DELETED}
        assert base == {"a": 1, "b": 2}
        assert "b" not in variables
        assert len(variables) == 2

    def test_deleting_a_missing_name_raises(self) -> None:
        with pytest.raises(KeyError):
            del Variables()["nope"]

    def test_names_must_be_strings(self) -> None:
        with pytest.raises(TypeError, match="variable names must be strings"):
            Variables()[1] = 2  # type: ignore[index]

    def test_define_sets_starting_values(self) -> None:
        assert dict(Variables.define(a=1)) == {"a": 1}
        assert Variables.define(a=1).writes == {}
