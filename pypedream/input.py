"""Shorthands that build the common `Input`s: known values, parameters, variables, dependencies."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, TypeVar

from pypedream._sentinel import MISSING
from pypedream.ctx import PARAMETERS, STAGES, VARIABLES
from pypedream.definition.binding import (
    DEFAULT_OUTPUT_KEY,
    DependencyInputMapper,
    Input,
    InputBinding,
    KeyedInputMapper,
)

__all__ = ["dependency", "immediate", "known", "param", "var"]

T = TypeVar("T")


def known(value: T, as_arg: str, logged: bool = False) -> Input[T]:
    """Pass a value known when the pipeline is defined."""
    return Input(as_arg, InputBinding.known(value), logged)


immediate = known


def param(
    name: str,
    as_arg: str,
    default: Any = MISSING,
    required: bool = True,
    logged: bool = False,
) -> Input[Any]:
    """Pass the run's value of parameter `name`."""
    return _keyed(PARAMETERS, name, as_arg, default, required, logged)


def var(
    name: str,
    as_arg: str,
    default: Any = MISSING,
    required: bool = True,
    logged: bool = False,
) -> Input[Any]:
    """Pass variable `name` as the stage's ancestors left it (or the pipeline's default)."""
    return _keyed(VARIABLES, name, as_arg, default, required, logged)


def _keyed(
    source: ContextVar[Any], name: str, as_arg: str, default: Any, required: bool, logged: bool
) -> Input[Any]:
    mapper = KeyedInputMapper(name, default, required)
    return Input(as_arg, InputBinding.deferred(source, mapper), logged)


def dependency(
    from_stage: str,
    as_arg: str,
    from_output: str = DEFAULT_OUTPUT_KEY,
    default: Any = MISSING,
    required: bool = True,
    logged: bool = False,
) -> Input[Any]:
    """Pass output `from_output` of stage `from_stage` (and run after it)."""
    mapper = DependencyInputMapper(from_stage, from_output, default, required)
    return Input(as_arg, InputBinding.deferred(STAGES, mapper), logged)
