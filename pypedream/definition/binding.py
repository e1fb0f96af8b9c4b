"""Stage inputs: where each function argument's value comes from when the stage runs.

An `Input` names the argument; its `InputBinding` says where the value comes from (a known
value, a context variable read at run time, or a callback) and an optional mapper shapes it.
The same resolution code runs natively and inside Airflow tasks.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pypedream._copy import fresh_copy
from pypedream._sentinel import MISSING
from pypedream._suggest import did_you_mean
from pypedream.errors import InputBindingError

__all__ = [
    "DEFAULT_OUTPUT_KEY",
    "BindingKind",
    "DependencyInputMapper",
    "Input",
    "InputBinding",
    "KeyedInputMapper",
]

S = TypeVar("S")
V = TypeVar("V")

DEFAULT_OUTPUT_KEY = "return"
"""The output key a stage's return value is stored under by the default output mapper."""


class BindingKind(str, enum.Enum):
    KNOWN = "known"
    DEFERRED = "deferred"
    CALLBACK = "callback"


@dataclass(frozen=True, eq=False)
class InputBinding(Generic[S, V]):
    """Where an input's value comes from. Build one with a classmethod, not directly."""

    kind: BindingKind
    source: Any
    mapper: Callable[[S], V] | None = None
    get_first: bool = True
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def known(cls, value: S, mapper: Callable[[S], V] | None = None) -> InputBinding[S, V]:
        """A value known when the pipeline is defined (mapped each run if `mapper` is given)."""
        return cls(BindingKind.KNOWN, value, mapper)

    immediate = known

    @classmethod
    def deferred(
        cls,
        ctxvar: ContextVar[S],
        mapper: Callable[[S], V] | None = None,
        get_first: bool = True,
    ) -> InputBinding[S, V]:
        """Read a context variable (e.g. `ctx.PARAMETERS`) when the stage runs.

        With `get_first=False` the mapper receives the ContextVar itself instead of its value.
        """
        if not isinstance(ctxvar, ContextVar):
            raise TypeError(f"deferred() needs a ContextVar such as ctx.PARAMETERS, got {ctxvar!r}")
        return cls(BindingKind.DEFERRED, ctxvar, mapper, get_first)

    contextual = deferred

    @classmethod
    def callback(
        cls,
        fn: Callable[..., S],
        *args: Any,
        mapper: Callable[[S], V] | None = None,
        **kwargs: Any,
    ) -> InputBinding[S, V]:
        """Call `fn(*args, **kwargs)` when the stage runs (inside the run's context)."""
        if not callable(fn):
            raise TypeError(f"callback() needs a callable, got {fn!r}")
        return cls(BindingKind.CALLBACK, fn, mapper, True, args, dict(kwargs))

    resolve: Callable[[], V] = field(init=False, repr=False)
    """Produce the value now (a closure built once, as this runs for every stage of a run)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "resolve", _resolver(self))


def _resolver(binding: InputBinding[Any, Any]) -> Callable[[], Any]:
    source, mapper = binding.source, binding.mapper
    if binding.kind is BindingKind.KNOWN:
        if fresh_copy(source) is not source:
            # Each stage gets its own copy, as each Airflow task starts fresh: a list appended
            # to in one run (or stage) never shows up in the next.
            if mapper is None:
                return lambda: fresh_copy(source)
            return lambda: mapper(fresh_copy(source))
        if mapper is None:
            return lambda: source
        return lambda: mapper(source)
    if binding.kind is BindingKind.DEFERRED:
        if not binding.get_first:
            return (lambda: source) if mapper is None else (lambda: mapper(source))
        get = source.get
        return get if mapper is None else (lambda: mapper(get()))
    args, kwargs = binding.args, binding.kwargs
    if mapper is None:
        return lambda: source(*args, **kwargs)
    return lambda: mapper(source(*args, **kwargs))


@dataclass(frozen=True, eq=False)
class Input(Generic[V]):
    """Bind one function argument (`as_arg`). `logged=True` adds the value to every log event."""

    as_arg: str
    bind: InputBinding[Any, V]
    logged: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.as_arg, str) or not self.as_arg:
            raise TypeError(f"Input.as_arg must be a non-empty string, got {self.as_arg!r}")
        if not isinstance(self.bind, InputBinding):
            raise TypeError(
                f"Input {self.as_arg!r}: bind must be an InputBinding "
                f"(e.g. InputBinding.known(...)), got {self.bind!r}"
            )


def _fallback(default: Any, required: bool) -> Any:
    """The value to use when a key is absent, or MISSING when that is an error."""
    if default is not MISSING:
        return default
    return MISSING if required else None


@dataclass(frozen=True)
class KeyedInputMapper:
    """Read `from_key` from a mapping (e.g. parameters or variables)."""

    from_key: str
    default: Any = MISSING
    required: bool = True

    def __call__(self, source: Mapping[str, Any] | None) -> Any:
        if source is None:
            raise InputBindingError(
                f"key {self.from_key!r}: the context variable is not set "
                "(it is only set while a pipeline runs)"
            )
        if self.from_key in source:
            return source[self.from_key]
        value = _fallback(self.default, self.required)
        if value is MISSING:
            raise InputBindingError(
                f"key {self.from_key!r} not found{did_you_mean(self.from_key, source)}"
            )
        return value


@dataclass(frozen=True)
class DependencyInputMapper:
    """Read output `from_output` of stage `from_stage` from `ctx.STAGES`; makes a graph edge."""

    from_stage: str
    from_output: str = DEFAULT_OUTPUT_KEY
    default: Any = MISSING
    required: bool = True

    def __call__(self, stages: Mapping[str, Mapping[str, Any]] | None) -> Any:
        if stages is None:
            raise InputBindingError(
                f"stage {self.from_stage!r}: ctx.STAGES is not set "
                "(it is only set while a pipeline runs)"
            )
        try:
            outputs = stages[self.from_stage]
        except KeyError as missing:
            raise InputBindingError(missing.args[0] if missing.args else str(missing)) from None
        try:
            return outputs[self.from_output]
        except KeyError:
            pass
        value = _fallback(self.default, self.required)
        if value is MISSING:
            produced = ", ".join(repr(key) for key in outputs) or "nothing"
            raise InputBindingError(
                f"stage {self.from_stage!r} produced no output {self.from_output!r} "
                f"(it produced: {produced})"
            )
        return value
