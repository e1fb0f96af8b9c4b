"""Render plain data as Python literal source: the only way user text enters a DAG file.

Layout follows the Black/Ruff style at line length 88, so a generated file passes
`ruff format --check`: a literal stays on one line when it fits, else one item a line.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["LINE_LENGTH", "call_arguments", "py_literal"]

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


def call_arguments(arguments: list[str], indent: int, before: int, after: int) -> str:
    """The text between a call's parentheses, split the way Black splits calls."""
    flat = ", ".join(arguments)
    if indent + before + len(flat) + after <= LINE_LENGTH:
        return flat
    pad = " " * (indent + 4)
    if indent + 4 + len(flat) <= LINE_LENGTH:
        return f"\n{pad}{flat}\n" + " " * indent
    return "\n" + "".join(f"{pad}{argument},\n" for argument in arguments) + " " * indent


def _string(text: str) -> str:
    """repr(), but double-quoted like formatted code when that needs no escaping."""
    literal = repr(text)
    if literal[0] == "'" and '"' not in text:
        # repr chose single quotes and text has no quote of either kind: swap the delimiters.
        return f'"{literal[1:-1]}"'
    return literal


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
