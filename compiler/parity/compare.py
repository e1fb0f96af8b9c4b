"""Exact comparison of two values, reporting the path to the first difference.

"Equal" means same type and same value: floats bit for bit (so 25.0 != 25 and 0.0 != -0.0),
dict key order, tuple vs list, date vs datetime, DataFrames including dtypes and index.
Optional tolerances loosen only float comparisons, and the caller reports them as such.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from typing import Any

__all__ = ["describe", "first_difference"]

_MAX_SHOWN = 80


def describe(value: Any) -> str:
    """A short `repr (type)` for messages."""
    text = repr(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 1] + "…"
    return f"{text} ({type(value).__name__})"


def _same_float(a: float, b: float, rtol: float, atol: float) -> bool:
    if rtol or atol:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))


def first_difference(
    expected: Any, actual: Any, *, path: str = "", rtol: float = 0.0, atol: float = 0.0
) -> str | None:
    """None when equal, else `"<path>: <expected> vs <actual>"`."""
    here = path or "value"
    if type(expected) is not type(actual):
        return f"{here}: {describe(expected)} vs {describe(actual)}"
    if isinstance(expected, float):
        if _same_float(expected, actual, rtol, atol):
            return None
        return f"{here}: {describe(expected)} vs {describe(actual)}"
    module = type(expected).__module__.split(".")[0]
    if module == "pandas":
        return _pandas_difference(expected, actual, here, rtol, atol)
    if module == "numpy" and type(expected).__name__ == "ndarray":
        if expected.dtype != actual.dtype or expected.shape != actual.shape:
            return f"{here}: array {expected.dtype}{expected.shape} vs {actual.dtype}{actual.shape}"
        return _sequence_difference(expected.tolist(), actual.tolist(), path, rtol, atol)
    if isinstance(expected, Mapping):
        keys_e, keys_a = list(expected), list(actual)
        if keys_e != keys_a:
            if set(keys_e) == set(keys_a):
                return f"{here}: same keys in another order: {keys_e!r:.60} vs {keys_a!r:.60}"
            missing = [k for k in keys_e if k not in actual]
            extra = [k for k in keys_a if k not in expected]
            return f"{here}: keys differ (missing {missing!r:.60}, unexpected {extra!r:.60})"
        for key in keys_e:
            found = first_difference(
                expected[key], actual[key], path=f"{path}[{key!r}]", rtol=rtol, atol=atol
            )
            if found:
                return found
        return None
    if isinstance(expected, (list, tuple)):
        return _sequence_difference(expected, actual, path, rtol, atol)
    if isinstance(expected, (set, frozenset)):
        if expected == actual:
            return None
        return f"{here}: {describe(expected)} vs {describe(actual)}"
    try:
        equal = bool(expected == actual)
    except Exception:  # values that refuse comparison: fall back to their repr
        equal = repr(expected) == repr(actual)
    return None if equal else f"{here}: {describe(expected)} vs {describe(actual)}"


def _sequence_difference(
    expected: Any, actual: Any, path: str, rtol: float, atol: float
) -> str | None:
    for index, (item_e, item_a) in enumerate(zip(expected, actual, strict=False)):
        found = first_difference(item_e, item_a, path=f"{path}[{index}]", rtol=rtol, atol=atol)
        if found:
            return found
    if len(expected) != len(actual):
        return f"{path or 'value'}: length {len(expected)} vs {len(actual)}"
    return None


def _pandas_difference(
    expected: Any, actual: Any, here: str, rtol: float, atol: float
) -> str | None:
    import pandas.testing as pdt

    check = pdt.assert_frame_equal if type(expected).__name__ == "DataFrame" else None
    check = check or (pdt.assert_series_equal if type(expected).__name__ == "Series" else None)
    if check is None:
        return (
            None
            if expected.equals(actual)
            else f"{here}: {describe(expected)} vs {describe(actual)}"
        )
    try:
        if rtol or atol:
            check(expected, actual, check_exact=False, rtol=rtol, atol=atol)
        else:
            check(expected, actual, check_exact=True)
    except AssertionError as problem:
        detail = " ".join(str(problem).split())
        return f"{here}: {detail[:200]}"
    return None
