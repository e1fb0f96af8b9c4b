"""Output mappers: turn a stage's return value into named outputs.

Downstream stages read one output with `dependency(..., from_output="key")`. The default mapper
stores the whole return value under "return".
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pypedream.definition.binding import DEFAULT_OUTPUT_KEY
from pypedream.errors import OutputMappingError

__all__ = [
    "CHILL",
    "PRESERVE",
    "STRICT",
    "WARN_UNEXPECTED",
    "KeyedOutputMapper",
    "OutputMapper",
    "OutputMapperBehaviour",
    "SequentialOutputMapper",
    "declared_output_keys",
    "default_output_mapper",
    "map_outputs",
]

OutputMapper = Callable[[Any], Mapping[str, Any]]


class OutputMapperBehaviour(enum.Flag):
    """What a mapper does with missing or unexpected values. Combine WARN_UNEXPECTED with one."""

    STRICT = enum.auto()
    """Fail the stage unless the value has exactly the declared keys."""
    CHILL = enum.auto()
    """Map what can be mapped; drop extras; leave missing keys out."""
    PRESERVE = enum.auto()
    """Map what can be mapped and keep extras (under their own key, or "_extra")."""
    WARN_UNEXPECTED = enum.auto()
    """Also log a warning naming missing and unexpected values."""


STRICT = OutputMapperBehaviour.STRICT
CHILL = OutputMapperBehaviour.CHILL
PRESERVE = OutputMapperBehaviour.PRESERVE
WARN_UNEXPECTED = OutputMapperBehaviour.WARN_UNEXPECTED
_MODES = (STRICT, CHILL, PRESERVE)


def _behaviour_text(behaviour: OutputMapperBehaviour) -> str:
    """`CHILL | WARN_UNEXPECTED`: the flags as they are written, not the enum's repr."""
    names = [flag.name for flag in OutputMapperBehaviour if flag in behaviour and flag.name]
    return " | ".join(names) or repr(behaviour)


def _mapper_repr(kind: str, keys: Any, behaviour: OutputMapperBehaviour) -> str:
    extra = "" if behaviour is STRICT else f", behaviour={_behaviour_text(behaviour)}"
    return f"{kind}({keys!r}{extra})"


def _mode(behaviour: OutputMapperBehaviour) -> OutputMapperBehaviour:
    if not isinstance(behaviour, OutputMapperBehaviour):
        raise TypeError(f"behaviour must be an OutputMapperBehaviour, got {behaviour!r}")
    modes = [mode for mode in _MODES if mode in behaviour]
    if len(modes) != 1:
        raise ValueError(
            f"behaviour {behaviour!r} must include exactly one of STRICT, CHILL or PRESERVE"
        )
    return modes[0]


def default_output_mapper(value: Any) -> dict[str, Any]:
    """Store the return value under "return"."""
    return {DEFAULT_OUTPUT_KEY: value}


def _warn(mapper: object, missing: Sequence[Any], extra: Sequence[Any]) -> None:
    from pypedream.logging import warning

    warning("unexpected stage outputs", mapper=repr(mapper), missing=list(missing), extra=extra)


@dataclass(frozen=True)
class SequentialOutputMapper:
    """Name the items of a returned sequence: `keys[i]` gets item i. Extras go to "_extra"."""

    keys: Sequence[str]
    behaviour: OutputMapperBehaviour = STRICT

    EXTRA_KEY = "_extra"

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.keys))
        _mode(self.behaviour)

    def __repr__(self) -> str:
        return _mapper_repr("SequentialOutputMapper", list(self.keys), self.behaviour)

    def __call__(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
            raise OutputMappingError(f"{self!r} needs a list or tuple, got {type(value).__name__}")
        keys = self.keys
        if len(value) == len(keys):
            return dict(zip(keys, value, strict=False))
        mode = _mode(self.behaviour)
        if mode is STRICT:
            raise OutputMappingError(f"{self!r} expected {len(keys)} values, got {len(value)}")
        outputs = dict(zip(keys, value, strict=False))
        extra = value[len(keys) :]
        if mode is PRESERVE and len(extra):
            outputs[self.EXTRA_KEY] = extra
        if WARN_UNEXPECTED in self.behaviour:
            _warn(self, keys[len(value) :], list(extra))
        return outputs


@dataclass(frozen=True)
class KeyedOutputMapper:
    """Pick keys of a returned mapping: `{"found_key": "output_key"}` or a list of keys."""

    keys: Mapping[str, str] | Sequence[str]
    behaviour: OutputMapperBehaviour = STRICT

    def __post_init__(self) -> None:
        keys = self.keys
        pairs = dict(keys) if isinstance(keys, Mapping) else {key: key for key in keys}
        object.__setattr__(self, "keys", pairs)
        _mode(self.behaviour)

    def __repr__(self) -> str:
        keys: dict[str, str] = self.keys  # type: ignore[assignment]
        shown: Any = list(keys) if all(k == v for k, v in keys.items()) else keys
        return _mapper_repr("KeyedOutputMapper", shown, self.behaviour)

    def __call__(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise OutputMappingError(f"{self!r} needs a mapping, got {type(value).__name__}")
        keys: dict[str, str] = self.keys  # type: ignore[assignment]
        outputs = {target: value[source] for source, target in keys.items() if source in value}
        missing = [source for source in keys if source not in value]
        extra = [key for key in value if key not in keys]
        if not missing and not extra:
            return outputs
        mode = _mode(self.behaviour)
        if mode is STRICT:
            raise OutputMappingError(f"{self!r}: missing keys {missing}, unexpected keys {extra}")
        if mode is PRESERVE:
            for key in extra:
                if key in outputs:
                    raise OutputMappingError(
                        f"{self!r}: unexpected key {key!r} clashes with a mapped output"
                    )
                outputs[key] = value[key]
        if WARN_UNEXPECTED in self.behaviour:
            _warn(self, missing, extra)
        return outputs


def map_outputs(mapper: OutputMapper, value: Any) -> dict[str, Any]:
    """Apply `mapper` and check it produced a dict with string keys."""
    if mapper is default_output_mapper:
        return {DEFAULT_OUTPUT_KEY: value}
    outputs = mapper(value)
    if not isinstance(outputs, Mapping):
        raise OutputMappingError(
            f"output mapper {mapper!r} returned {type(outputs).__name__}, expected a dict"
        )
    bad = [key for key in outputs if not isinstance(key, str)]
    if bad:
        raise OutputMappingError(f"output mapper {mapper!r} returned non-string keys {bad!r}")
    return dict(outputs)


def declared_output_keys(mapper: OutputMapper) -> frozenset[str] | None:
    """The output keys a mapper can produce, or None when they cannot be known in advance."""
    if mapper is default_output_mapper:
        return frozenset({DEFAULT_OUTPUT_KEY})
    if isinstance(mapper, (SequentialOutputMapper, KeyedOutputMapper)):
        if _mode(mapper.behaviour) is PRESERVE:
            return None
        keys = mapper.keys.values() if isinstance(mapper.keys, Mapping) else mapper.keys
        return frozenset(keys)
    return None
