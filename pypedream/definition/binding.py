"""Stage inputs: where each function argument's value comes from when the stage runs.

An `Input` names the argument; its `InputBinding` says where the value comes from (a known
value, a context variable read at run time, or a callback) and an optional mapper shapes it.
The same resolution code runs natively and inside Airflow tasks.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pypedream._copy import fresh_copy
from pypedream._preview import preview
from pypedream._sentinel import MISSING
from pypedream._suggest import did_you_mean
from pypedream.ctx import RUN_OUTPUTS, STAGES
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

    def __repr__(self) -> str:
        """As it is built: `deferred(ctx.PARAMETERS, mapper=_title)`, no object addresses."""
        if self.kind is BindingKind.KNOWN:
            parts = [preview(self.source)]
        elif self.kind is BindingKind.DEFERRED:
            parts = [_source_name(self.source)]
            if not self.get_first:
                parts.append("get_first=False")
        else:
            parts = [_callable_name(self.source)]
            parts += [preview(arg) for arg in self.args]
            parts += [f"{name}={preview(arg)}" for name, arg in self.kwargs.items()]
        if self.mapper is not None:
            parts.append(f"mapper={_callable_name(self.mapper)}")
        return f"{self.kind.value}({', '.join(parts)})"


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
        if isinstance(mapper, DependencyInputMapper) and source is STAGES:
            return _dependency_resolver(get, mapper)
        return get if mapper is None else (lambda: mapper(get()))
    args, kwargs = binding.args, binding.kwargs
    if mapper is None:
        return lambda: source(*args, **kwargs)
    return lambda: mapper(source(*args, **kwargs))


def _dependency_resolver(
    get: Callable[[], Any], mapper: DependencyInputMapper
) -> Callable[[], Any]:
    """The hot path of a dependency: one lookup in the run's outputs (its stage is a direct
    upstream, so no ancestry check is needed); anything unusual goes through the mapper and
    `ctx.STAGES`, which give the defaults and the errors that name what is missing."""
    from_stage, from_output = mapper.from_stage, mapper.from_output
    run_outputs = RUN_OUTPUTS.get

    def resolve() -> Any:
        try:
            return run_outputs()[from_stage][from_output]  # type: ignore[index]
        except (KeyError, TypeError):
            return mapper(get())

    return resolve


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

    def __repr__(self) -> str:
        """The `pypedream.input` helper call that builds it, e.g. `param('day', 'for_day')`."""
        bind, mapper = self.bind, self.bind.mapper
        extra = [] if not self.logged else ["logged=True"]
        helper = None
        if bind.kind is BindingKind.KNOWN and mapper is None:
            helper, parts = "known", [preview(bind.source), repr(self.as_arg)]
        elif bind.kind is BindingKind.DEFERRED and bind.get_first:
            name = _source_name(bind.source)
            if isinstance(mapper, DependencyInputMapper) and name == "ctx.STAGES":
                helper, parts = "dependency", [repr(mapper.from_stage), repr(self.as_arg)]
                if mapper.from_output != DEFAULT_OUTPUT_KEY:
                    parts.append(f"from_output={mapper.from_output!r}")
            elif isinstance(mapper, KeyedInputMapper) and name in _KEYED_HELPERS:
                helper = _KEYED_HELPERS[name]
                parts = [repr(mapper.from_key), repr(self.as_arg)]
            if isinstance(mapper, (DependencyInputMapper, KeyedInputMapper)):
                if mapper.default is not MISSING:
                    extra.insert(0, f"default={preview(mapper.default)}")
                if not mapper.required:
                    extra.insert(0, "required=False")
        if helper is None:
            return f"Input({', '.join([repr(self.as_arg), repr(bind), *extra])})"
        return f"{helper}({', '.join([*parts, *extra])})"


_KEYED_HELPERS = {"ctx.PARAMETERS": "param", "ctx.VARIABLES": "var"}


def _source_name(source: Any) -> str:
    """`ctx.PARAMETERS` for pypedream's context variables, else the ContextVar's name."""
    name = getattr(source, "name", None)
    if not isinstance(name, str):
        return preview(source)
    if name.startswith("pypedream."):
        return "ctx." + name.removeprefix("pypedream.")
    return f"ContextVar({name!r})"


def _callable_name(function: Any) -> str:
    """A function's name (`_title`, `<lambda>`); any other callable's bounded repr."""
    if isinstance(function, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return str(function.__qualname__).rpartition("<locals>.")[2]
    return preview(function)


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
    """Read output `from_output` of stage `from_stage` from `ctx.STAGES`; makes a graph edge.

    `default` (or `required=False`, giving None) stands in when the output is missing, or when
    the stage did not succeed and a trigger rule ran this one anyway (e.g. after a branch).
    """

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
            # The upstream did not succeed (a trigger rule let this stage run anyway).
            value = _fallback(self.default, self.required)
            if value is not MISSING:
                return value
            raise InputBindingError(missing.args[0] if missing.args else str(missing)) from None
        if self.from_output in outputs:  # a KeyError while reading it is not "no output"
            return outputs[self.from_output]
        value = _fallback(self.default, self.required)
        if value is MISSING:
            produced = ", ".join(repr(key) for key in outputs) or "nothing"
            raise InputBindingError(
                f"stage {self.from_stage!r} produced no output {self.from_output!r} "
                f"(it produced: {produced})"
            )
        return value
