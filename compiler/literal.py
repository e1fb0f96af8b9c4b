"""Render plain data as Python literal source: the only way user text enters a DAG file."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["py_literal"]

_WIDTH = 96


def py_literal(value: Any, indent: int = 0) -> str:
    """Python source that evaluates to `value` (str, int, float, bool, None, list, tuple, dict).

    Collections that don't fit on one line are split one item a line, indented from `indent`.
    """
    flat = _flat(value)
    if len(flat) + indent <= _WIDTH or not isinstance(value, (list, tuple, dict)) or not value:
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{_flat(k)}: {py_literal(v, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{py_literal(v, indent + 4)}," for v in value]
    opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
    return opening + "\n" + "\n".join(items) + "\n" + " " * indent + closing


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
