"""`-p NAME=VALUE` text to parameter values, converted by each parameter's declared type."""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pypedream._iso import parse_datetime
from pypedream._suggest import did_you_mean
from pypedream.cli.errors import CliError, listing

if TYPE_CHECKING:
    from pypedream.definition.parameters import Parameters

__all__ = ["CONVERSION_HELP", "convert_parameters", "convert_value", "parse_assignments"]

CONVERSION_HELP = """\
-p NAME=VALUE is converted to the parameter's type (declared, or its default's):
  str as given; int; float; bool true/false/yes/no/1/0 (any case);
  list and dict as JSON ('[1, 2]', '{"k": 1}'); date and datetime in ISO format
  (2024-01-31, 2024-01-31T12:00:00); another type T: T(VALUE) (an Enum: by value or name).
  A required parameter without a type takes the annotation of the argument it binds
  (`day: date` -> an ISO date). No type at all (no default, or None, no annotation):
  JSON when VALUE parses as JSON (1, true, null, [..]), else the text as given."""

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def parse_assignments(
    items: Sequence[str],
    *,
    option: str = "-p",
    noun: str = "parameter",
    example: str = "alpha=0.5",
) -> dict[str, str]:
    """`["a=1", "b=x=y"]` -> `{"a": "1", "b": "x=y"}`; malformed or repeated names are errors.

    `option`, `noun` and `example` word the errors for options other than `-p`.
    """
    found: dict[str, str] = {}
    problems: list[str] = []
    for item in items:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals or not name:
            problems.append(f"{option} {item!r}: expected NAME=VALUE, e.g. {option} {example}")
        elif name in found:
            problems.append(
                f"{noun} {name!r} given twice ({option} {name}={found[name]} and {option} "
                f"{item}); pass it once"
            )
        else:
            found[name] = text
    if problems:
        if len(problems) == 1:
            raise CliError(problems[0])
        raise CliError(listing(f"{len(problems)} problems with {option}", problems))
    return found


def convert_parameters(
    parameters: Parameters,
    texts: Mapping[str, str],
    pipeline: str,
    annotated: Mapping[str, type] | None = None,
) -> dict[str, Any]:
    """Convert every `-p` text by its parameter's type; one CliError lists every problem.

    A parameter with neither a type nor a default takes its type from `annotated` (the
    annotation of the function argument it binds, `definition.parameter_use`).
    """
    specs = parameters.specs
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, text in texts.items():
        spec = specs.get(name)
        if spec is None:
            problems.append(_unknown(name, list(specs), pipeline))
            continue
        expected = spec.value_type
        if expected is None and spec.required and annotated:
            expected = annotated.get(name)
        try:
            values[name] = convert_value(text, expected)
        except ValueError as problem:
            reason = str(problem)
            if spec.secret:
                reason = reason.replace(repr(text), "***")
            problems.append(f"parameter {name!r}: {reason}")
    if problems:
        noun = "parameter problem" if len(problems) == 1 else "parameter problems"
        headline = f"{len(problems)} {noun} in pipeline {pipeline!r} (nothing was run)"
        raise CliError(listing(headline, problems))
    return values


def convert_value(text: str, expected: type | None) -> Any:
    """`text` as a value of type `expected` (None: JSON, else the text). Raises ValueError."""
    if expected is None:
        try:
            return json.loads(text)
        except ValueError:
            return text
    if expected is str:
        return text
    converter, wanted, example = _converter(expected)
    try:
        return converter(text)
    except (ValueError, TypeError, KeyError, OverflowError):
        raise ValueError(f"expected {wanted}, got {text!r}; e.g. {example}") from None


def _converter(expected: type) -> tuple[Callable[[str], Any], str, str]:
    """(convert, what is expected, an example) for a declared type."""
    if expected is bool:
        return _to_bool, "bool (true/false/yes/no/1/0)", "true"
    if expected is int:
        return int, "int", "3"
    if expected is float:
        return float, "float", "0.5"
    if expected is list:
        return _json_of(list), "a JSON list", "'[1, 2]'"
    if expected is tuple:
        return (lambda text: tuple(_json_of(list)(text))), "a JSON list", "'[1, 2]'"
    if expected is dict:
        return _json_of(dict), "a JSON object", "'{\"key\": 1}'"
    if expected is dt.datetime:
        return parse_datetime, "an ISO datetime", "2024-01-31T12:00:00"
    if expected is dt.date:
        return dt.date.fromisoformat, "an ISO date", "2024-01-31"
    if isinstance(expected, type) and issubclass(expected, enum.Enum):
        members = [member.name for member in expected]
        return _enum_of(expected), f"one of {', '.join(members)}", members[0] if members else "?"
    return expected, expected.__name__, f"a value {expected.__name__}(VALUE) accepts"


def _to_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


def _json_of(kind: type) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        value = json.loads(text)
        if not isinstance(value, kind):
            raise ValueError(text)
        return value

    return convert


def _enum_of(kind: type[enum.Enum]) -> Callable[[str], enum.Enum]:
    def convert(text: str) -> enum.Enum:
        for member in kind:
            if member.name == text or str(member.value) == text:
                return member
        raise ValueError(text)

    return convert


def _unknown(name: str, known: list[str], pipeline: str) -> str:
    if not known:
        return f"unknown parameter {name!r}: pipeline {pipeline!r} takes no parameters"
    hint = did_you_mean(name, known)
    if not hint:
        hint = f" (it takes: {', '.join(known)})"
    return f"unknown parameter {name!r}{hint}"
