"""Run parameters: declared once on a pipeline, overridden per run."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pypedream._sentinel import MISSING

__all__ = ["Parameter", "Parameters"]

_JSON_TYPES: tuple[type, ...] = (bool, int, float, str, list, dict, dt.datetime, dt.date)


@dataclass(frozen=True)
class Parameter:
    """A declared parameter: its default (MISSING = required), description and accepted type.

    `type` defaults to the type of the default value (an int is accepted for a float, a tuple for
    a list). A default of None, or no default and no type, accepts any value.
    `secret=True` masks the value as `***` in logs, summaries, reprs and reports, and makes the
    exported DAG's trigger form a password field that holds no default.
    """

    default: Any = MISSING
    description: str | None = None
    type: type | None = None
    secret: bool = False

    @property
    def required(self) -> bool:
        return self.default is MISSING

    @property
    def value_type(self) -> builtins.type | None:
        """The accepted type, explicit or inferred from the default (None: anything)."""
        if self.type is not None:
            return self.type
        if self.default is MISSING or self.default is None:
            return None
        for candidate in _JSON_TYPES:
            if type(self.default) is candidate:
                return candidate
        return None

    def check(self, value: Any) -> str | None:
        """Return why `value` is not acceptable, or None."""
        expected = self.value_type
        if expected is None or _accepts(expected, value):
            return None
        shown = "***" if self.secret else f"{value!r:.60}"
        return f"expected {expected.__name__}, got {type(value).__name__} ({shown})"


def _accepts(expected: type, value: Any) -> bool:
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is list:
        return isinstance(value, (list, tuple))
    if expected is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return isinstance(value, expected)


class Parameters(Mapping[str, Any]):
    """The parameters a pipeline accepts, readable as a mapping of name to value.

    Declare with `Parameters.define("required_name", name=default, other=Parameter(...))`.
    A run sees a resolved copy (`resolve(overrides)`) through `ctx.PARAMETERS`.
    """

    __slots__ = ("_specs", "_values")

    def __init__(
        self,
        specs: Mapping[str, Parameter] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        self._specs: dict[str, Parameter] = dict(specs or {})
        self._values: dict[str, Any] = dict(values or {})

    @classmethod
    def define(cls, *required: str, **defaults: Any) -> Parameters:
        """Declare parameters: positional names are required, keywords give defaults.

        A keyword's value may be a `Parameter` to add a description or a type.
        """
        specs: dict[str, Parameter] = {}
        for name in required:
            if not isinstance(name, str) or not name:
                raise TypeError(f"required parameter names must be non-empty strings, got {name!r}")
            specs[name] = Parameter()
        for name, default in defaults.items():
            if name in specs:
                raise ValueError(f"parameter {name!r} is declared both required and with a default")
            specs[name] = default if isinstance(default, Parameter) else Parameter(default)
        return cls(specs)

    @property
    def specs(self) -> Mapping[str, Parameter]:
        """Declared parameters by name, in declaration order."""
        return self._specs

    @property
    def secret_names(self) -> frozenset[str]:
        """Names of the parameters declared `secret=True`."""
        return frozenset(name for name, spec in self._specs.items() if spec.secret)

    def secret_values(self) -> list[Any]:
        """The values (this run's, else the defaults) of the secret parameters, to mask."""
        found = []
        for name, spec in self._specs.items():
            if spec.secret:
                value = self._values.get(name, spec.default)
                if value is not MISSING and value is not None:
                    found.append(value)
        return found

    def masked(self) -> dict[str, Any]:
        """Every value, with the secret parameters' values shown as `***` (for logs)."""
        return {
            name: "***" if spec.secret else self._values.get(name, spec.default)
            for name, spec in self._specs.items()
        }

    def problems(self, overrides: Mapping[str, Any]) -> list[str]:
        """Everything wrong with running on `overrides` (unknown, missing, mistyped)."""
        found: list[str] = []
        for name in overrides:
            if name not in self._specs:
                found.append(f"unknown parameter {name!r}{_suggest(name, self._specs)}")
        for name, spec in self._specs.items():
            if name in overrides:
                reason = spec.check(overrides[name])
                if reason:
                    found.append(f"parameter {name!r}: {reason}")
            elif name not in self._values and spec.required:
                found.append(f"parameter {name!r} is required and has no default; pass {name}=...")
        return found

    def resolve(self, overrides: Mapping[str, Any], pipeline: str = "?") -> Parameters:
        """A copy holding a value for every parameter; raises ParameterError listing problems."""
        from pypedream.errors import ParameterError

        found = self.problems(overrides)
        if found:
            raise ParameterError(pipeline, found)
        from pypedream._copy import fresh_copy

        # Defaults are copied so that a run mutating one in place cannot change the next run.
        values = {
            name: overrides[name]
            if name in overrides
            else fresh_copy(self._values.get(name, spec.default))
            for name, spec in self._specs.items()
        }
        return Parameters(self._specs, values)

    def __getitem__(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        spec = self._specs.get(name)
        if spec is None:
            raise KeyError(f"no parameter named {name!r}{_suggest(name, self._specs)}")
        if spec.required:
            raise KeyError(f"parameter {name!r} is required and has no value in this run")
        return spec.default

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}=***"
            if spec.secret
            else f"{name}={self._values[name]!r}"
            if name in self._values
            else f"{name}={spec.default!r}"
            for name, spec in self._specs.items()
        )
        return f"Parameters({shown})"


def _suggest(name: str, known: Mapping[str, Any]) -> str:
    from pypedream._suggest import did_you_mean

    return did_you_mean(name, known)
