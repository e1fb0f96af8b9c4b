"""Render plain data as Python literal source: the only way user text enters a DAG file.

Layout follows the Black/Ruff style at line length 88, so a generated file passes
`ruff format --check`: a literal stays on one line when it fits, else one item a line.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

__all__ = ["LINE_LENGTH", "call_arguments", "py_literal", "py_text", "py_value"]

LINE_LENGTH = 88


def py_literal(value: Any, indent: int = 0, before: int = 0, after: int = 0) -> str:
    """Python source that evaluates to `value` (str, int, float, bool, None, list, tuple, dict).

    `indent` is the indentation of the line the literal starts on, `before` the characters
    in front of it on that line (after the indentation), `after` those following it.
    """
    flat = _flat(value)
    fits = indent + before + len(flat) + after <= LINE_LENGTH
    if fits or not isinstance(value, (list, tuple, dict)) or not value:
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            key_text = _flat(key)
            lines.append(f"{pad}{key_text}: {py_literal(item, indent + 4, len(key_text) + 2, 1)},")
        return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"
    lines = [f"{pad}{py_literal(item, indent + 4, 0, 1)}," for item in value]
    opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
    return opening + "\n" + "\n".join(lines) + "\n" + " " * indent + closing


def py_value(value: Any, indent: int = 0, before: int = 0, after: int = 0) -> str:
    """`py_literal`, except that a timedelta becomes `datetime.timedelta(...)` (the DAG file
    imports `datetime`)."""
    if isinstance(value, dt.timedelta):
        return _timedelta(value)
    return py_literal(value, indent, before, after)


def _timedelta(delta: dt.timedelta) -> str:
    if delta.microseconds == 0 and delta.days >= 0:
        seconds = delta.days * 86400 + delta.seconds
        for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
            if seconds and seconds % size == 0:
                return f"datetime.timedelta({unit}={seconds // size})"
        return f"datetime.timedelta(seconds={seconds})"
    parts = [("days", delta.days), ("seconds", delta.seconds), ("microseconds", delta.microseconds)]
    inner = ", ".join(f"{name}={amount}" for name, amount in parts if amount)
    return f"datetime.timedelta({inner})"


def py_text(text: str, indent: int = 0, before: int = 0, after: int = 0) -> str:
    """A string literal; text of several lines becomes one literal per line, implicitly
    concatenated inside parentheses, as people write long strings by hand."""
    flat = _string(text)
    lines = text.splitlines(keepends=True)
    if len(lines) <= 1 and indent + before + len(flat) + after <= LINE_LENGTH:
        return flat
    if len(lines) <= 1:
        return flat  # one long line: no way to split it that reads better
    pad = " " * (indent + 4)
    return "(\n" + "".join(f"{pad}{_string(line)}\n" for line in lines) + " " * indent + ")"


def call_arguments(arguments: list[str], indent: int, before: int, after: int) -> str:
    """The text between a call's parentheses, split the way Black splits calls."""
    flat = ", ".join(arguments)
    if "\n" in flat:  # an argument spans lines: one argument a line
        return "\n" + "".join(f"{' ' * (indent + 4)}{a},\n" for a in arguments) + " " * indent
    if indent + before + len(flat) + after <= LINE_LENGTH:
        return flat
    pad = " " * (indent + 4)
    if indent + 4 + len(flat) <= LINE_LENGTH:
        return f"\n{pad}{flat}\n" + " " * indent
    return "\n" + "".join(f"{pad}{argument},\n" for argument in arguments) + " " * indent


def _string(text: str) -> str:
    """repr(), but quoted the way ruff format quotes: double quotes unless the text holds
    more double than single quotes."""
    literal = repr(text)
    if literal[0] == '"':
        return literal  # repr chose double quotes: the text has ' and no "
    if '"' not in text:
        return f'"{literal[1:-1]}"'
    if "'" not in text or text.count('"') > text.count("'"):
        return literal
    # Both quotes, no more " than ': swap the delimiters and which quote is escaped.
    inner = re.sub(r"\\'", "'", literal[1:-1]).replace('"', '\\"')
    return f'"{inner}"'


def _flat(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None or kind is bool or kind is int:
        return repr(value)
    if kind is float:
        if not math.isfinite(value):
            raise TypeError(f"cannot write the non-finite float {value!r} as a literal")
        return repr(value)
    if kind is list:
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    if kind is tuple:
        inner = ", ".join(_flat(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if kind is dict:
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write a {kind.__name__} as a Python literal")
