"""The public API the README promises: names, modules and their members."""

from __future__ import annotations

import inspect
import re
import types
from contextvars import ContextVar

import pytest

import pypedream
from pypedream import ctx

PROMISED = [
    "Pipeline",
    "Parameters",
    "Variables",
    "Stage",
    "Input",
    "InputBinding",
    "KeyedInputMapper",
    "DependencyInputMapper",
    "KeyedOutputMapper",
    "SequentialOutputMapper",
    "LoggerSettings",
    "AirflowOptions",
    "ctx",
    "PypedreamError",
    "PipelineDefinitionError",
    "ParameterError",
    "InputBindingError",
    "OutputMappingError",
    "VariableConflictError",
    "LogDestinationError",
    "RunInterrupted",
    "PipelineFailed",
    "SkipStage",
]


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest."""
    if re.fullmatch(r"[A-Z0-9_]+", name) and len(name) > 1:
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize("name", PROMISED)
def test_promised_names_are_exported(name: str) -> None:
    assert name in pypedream.__all__
    assert getattr(pypedream, name) is not None


def test_all_is_sorted_and_is_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(pypedream).items()
        if not name.startswith("_") and (not isinstance(value, types.ModuleType) or name == "ctx")
    }

    assert pypedream.__all__ == sorted(pypedream.__all__, key=_isort_key)
    assert len(set(pypedream.__all__)) == len(pypedream.__all__)
    assert set(pypedream.__all__) == public


def test_every_error_type_is_exported_and_catchable_as_pypedream_error() -> None:
    from pypedream import errors

    for name in errors.__all__:
        assert name in pypedream.__all__
        error = getattr(pypedream, name)
        if name not in ("SkipStage", "RunInterrupted"):
            assert issubclass(error, pypedream.PypedreamError)
    assert not issubclass(pypedream.SkipStage, pypedream.PypedreamError)
    # a Ctrl-C stays a KeyboardInterrupt: `except Exception` must not swallow it
    assert issubclass(pypedream.RunInterrupted, KeyboardInterrupt)
    assert not issubclass(pypedream.RunInterrupted, Exception)


@pytest.mark.parametrize(
    ("function", "parameters"),
    [
        pytest.param("known", ["value", "as_arg", "logged"], id="known"),
        pytest.param("param", ["name", "as_arg", "default", "required", "logged"], id="param"),
        pytest.param("var", ["name", "as_arg", "default", "required", "logged"], id="var"),
        pytest.param(
            "dependency",
            ["from_stage", "as_arg", "from_output", "default", "required", "logged"],
            id="dependency",
        ),
    ],
)
def test_input_shorthands(function: str, parameters: list[str]) -> None:
    from pypedream import input as shorthands

    signature = inspect.signature(getattr(shorthands, function))

    assert list(signature.parameters) == parameters
    if function == "dependency":
        assert signature.parameters["from_output"].default == "return"


@pytest.mark.parametrize(
    "function", ["info", "debug", "warning", "error", "critical", "exception", "log"]
)
def test_logging_functions(function: str) -> None:
    from pypedream import logging as plog

    assert function in plog.__all__
    assert callable(getattr(plog, function))


@pytest.mark.parametrize(
    ("variable", "accessor"),
    [
        pytest.param("PIPELINE", "pipeline", id="PIPELINE"),
        pytest.param("PARAMETERS", "parameters", id="PARAMETERS"),
        pytest.param("VARIABLES", "variables", id="VARIABLES"),
        pytest.param("STAGES", "stages", id="STAGES"),
        pytest.param("STAGE", "stage", id="STAGE"),
        pytest.param("LOG", "logger", id="LOG"),
    ],
)
def test_ctx_variables_and_accessors(variable: str, accessor: str) -> None:
    var = getattr(ctx, variable)

    assert isinstance(var, ContextVar)
    assert var.get() is None
    assert {variable, accessor} <= set(ctx.__all__)
    token = var.set("sentinel")
    try:
        assert getattr(ctx, accessor)() == "sentinel"
    finally:
        var.reset(token)


def test_the_package_ships_py_typed_and_a_version() -> None:
    from pathlib import Path

    assert (Path(pypedream.__file__).parent / "py.typed").is_file()
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", pypedream.__version__)


def test_pipeline_signature_matches_the_seed() -> None:
    parameters = list(inspect.signature(pypedream.Pipeline).parameters)
    stage = list(inspect.signature(pypedream.Stage).parameters)

    assert parameters[:5] == ["name", "parameters", "stages", "variables", "log_settings"]
    assert stage[:6] == ["function", "inputs", "output_mapper", "after", "retries", "retry_delay"]


def test_airflow_options_import_as_the_readme_and_export_error_say() -> None:
    from pypedream import AirflowOptions

    assert AirflowOptions(schedule="@daily").schedule == "@daily"
