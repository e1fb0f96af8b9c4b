"""Exact comparison of two values, reporting the path to the first difference.

"Equal" means same type and same value: floats bit for bit (so 25.0 != 25 and 0.0 != -0.0),
dict key order, tuple vs list, date vs datetime, the tzinfo itself (ZoneInfo key, a fixed
offset's name), Enum/Flag values, a dataclass's whole instance state (not only its fields),
pandas objects including dtypes, names and the index class. Optional tolerances loosen only
float comparisons, and the caller reports them as such.

The value codec promises `decode(encode(v))` is the same as `v` under this comparison, so
the readiness check and the parity harness both use it (`pypedream_compiler.parity.compare`
re-exports it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import decimal
import enum
import math
import struct
from collections.abc import Mapping
from typing import Any

__all__ = ["describe", "first_difference", "instance_state"]

_MAX_SHOWN = 80


def describe(value: Any) -> str:
    """A short `repr (type)` for messages."""
    try:
        text = repr(value)
    except Exception:  # a broken or recursive repr
        text = f"<{type(value).__name__}>"
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 1] + "…"
    return f"{text} ({type(value).__name__})"


def instance_state(value: Any) -> dict[str, Any]:
    """An instance's own attributes: its `__dict__` then its slots, in that order."""
    state = dict(getattr(value, "__dict__", {}))
    for klass in type(value).__mro__:
        slots = vars(klass).get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and name not in state:
                with contextlib.suppress(AttributeError):  # an unset slot
                    state[name] = object.__getattribute__(value, name)
    return state


def _same_float(a: float, b: float, rtol: float, atol: float) -> bool:
    if rtol or atol:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))


def _tz_key(tz: Any) -> Any:
    """What identifies a tzinfo: its type and ZoneInfo key or timezone offset and name."""
    if tz is None:
        return None
    if isinstance(tz, dt.timezone):
        return (dt.timezone, tz.__getinitargs__())  # type: ignore[attr-defined]
    key = getattr(tz, "key", None)
    return (type(tz), key) if key is not None else (type(tz), id(tz))


def _temporal_difference(expected: Any, actual: Any, here: str) -> str | None:
    if isinstance(expected, (dt.datetime, dt.time)):
        if _tz_key(expected.tzinfo) != _tz_key(actual.tzinfo):
            return f"{here}: tzinfo {expected.tzinfo!r} vs {actual.tzinfo!r}"
        naive_e, naive_a = expected.replace(tzinfo=None), actual.replace(tzinfo=None)
        if naive_e != naive_a or expected.fold != actual.fold:
            return f"{here}: {describe(expected)} vs {describe(actual)}"
        return None
    return None if expected == actual else f"{here}: {describe(expected)} vs {describe(actual)}"


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
    if isinstance(expected, complex):
        if _same_float(expected.real, actual.real, rtol, atol) and _same_float(
            expected.imag, actual.imag, rtol, atol
        ):
            return None
        return f"{here}: {describe(expected)} vs {describe(actual)}"
    if isinstance(expected, (dt.date, dt.time)):
        return _temporal_difference(expected, actual, here)
    module = type(expected).__module__.split(".")[0]
    if module == "pandas":
        return _pandas_difference(expected, actual, here, rtol, atol)
    if module == "numpy":
        return _numpy_difference(expected, actual, path, rtol, atol)
    if isinstance(expected, enum.Enum):
        if expected._name_ != actual._name_:
            return f"{here}: {describe(expected)} vs {describe(actual)}"
        return first_difference(expected._value_, actual._value_, path=f"{path}.value")
    if isinstance(expected, Mapping):
        return _mapping_difference(expected, actual, path, rtol, atol)
    if isinstance(expected, (list, tuple)):
        return _sequence_difference(expected, actual, path, rtol, atol)
    if isinstance(expected, (set, frozenset)):
        if sorted(map(_set_key, expected)) == sorted(map(_set_key, actual)):
            return None
        return f"{here}: {describe(expected)} vs {describe(actual)}"
    if isinstance(expected, decimal.Decimal):  # Decimal("1.0") == Decimal("1.00")
        if str(expected) == str(actual):
            return None
        return f"{here}: {describe(expected)} vs {describe(actual)}"
    if dataclasses.is_dataclass(expected):
        state_e, state_a = instance_state(expected), instance_state(actual)
        return _mapping_difference(state_e, state_a, path, rtol, atol, attributes=True)
    try:
        equal = bool(expected == actual)
    except Exception:  # values that refuse comparison: fall back to their repr
        equal = repr(expected) == repr(actual)
    return None if equal else f"{here}: {describe(expected)} vs {describe(actual)}"


def _mapping_difference(
    expected: Mapping[Any, Any],
    actual: Mapping[Any, Any],
    path: str,
    rtol: float,
    atol: float,
    *,
    attributes: bool = False,
) -> str | None:
    here = path or "value"
    keys_e, keys_a = list(expected), list(actual)
    what = "attributes" if attributes else "keys"
    if keys_e != keys_a:
        if set(keys_e) == set(keys_a):
            return f"{here}: same {what} in another order: {keys_e!r:.60} vs {keys_a!r:.60}"
        missing = [k for k in keys_e if k not in actual]
        extra = [k for k in keys_a if k not in expected]
        return f"{here}: {what} differ (missing {missing!r:.60}, unexpected {extra!r:.60})"
    for (key, item_e), (key_a, item_a) in zip(expected.items(), actual.items(), strict=True):
        where = f"{path}.{key}" if attributes else f"{path}[{key!r}]"
        found = first_difference(key, key_a, path=f"{path}<key {key!r}>")  # 1 == True
        found = found or first_difference(item_e, item_a, path=where, rtol=rtol, atol=atol)
        if found:
            return found
    return None


def _set_key(item: Any) -> tuple[str, str]:
    """Sorts set members by type and exact repr: {1} and {True}, {0.0} and {-0.0} differ."""
    try:
        text = repr(item)
    except Exception:
        text = f"<{id(item)}>"
    return (f"{type(item).__module__}.{type(item).__qualname__}", text)


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


def _numpy_difference(
    expected: Any, actual: Any, path: str, rtol: float, atol: float
) -> str | None:
    here = path or "value"
    if not hasattr(expected, "dtype"):
        return None if expected == actual else f"{here}: {describe(expected)} vs {describe(actual)}"
    if expected.dtype != actual.dtype or expected.shape != actual.shape:
        return f"{here}: {expected.dtype}{expected.shape} vs {actual.dtype}{actual.shape}"
    if type(expected).__name__ == "ndarray":
        return _sequence_difference(expected.tolist(), actual.tolist(), path, rtol, atol)
    if expected.tobytes() == actual.tobytes():
        return None
    return first_difference(expected.item(), actual.item(), path=path, rtol=rtol, atol=atol)


def _pandas_difference(
    expected: Any, actual: Any, here: str, rtol: float, atol: float
) -> str | None:
    import pandas.testing as pdt

    name = type(expected).__name__
    strict: dict[str, Any] = {"check_exact": True}
    if rtol or atol:
        strict = {"check_exact": False, "rtol": rtol, "atol": atol}
    try:
        if name == "DataFrame":
            pdt.assert_frame_equal(
                expected, actual, check_index_type=True, check_column_type=True, **strict
            )
        elif name == "Series":
            pdt.assert_series_equal(expected, actual, check_index_type=True, **strict)
        elif not expected.equals(actual):
            return f"{here}: {describe(expected)} vs {describe(actual)}"
    except AssertionError as problem:
        detail = " ".join(str(problem).split())
        return f"{here}: {detail[:200]}"
    except Exception as problem:  # values pandas cannot compare
        return f"{here}: cannot compare ({type(problem).__name__}: {problem})"
    if name in ("DataFrame", "Series"):
        found = _pandas_object_cells(expected, actual, here, rtol, atol)
        if found:
            return found
        return first_difference(
            dict(expected.attrs), dict(actual.attrs), path=f"{here}.attrs", rtol=rtol, atol=atol
        )
    return None


def _pandas_object_cells(
    expected: Any, actual: Any, here: str, rtol: float, atol: float
) -> str | None:
    """Type-strict comparison of object-dtype cells, which pandas compares with `==`."""
    frame = type(expected).__name__ == "DataFrame"
    parts = []
    if frame:
        for i, column in enumerate(expected.columns):
            parts.append((f"{here}[{column!r}]", expected.iloc[:, i], actual.iloc[:, i]))
    if not frame:
        parts.append((here, expected, actual))
    parts.append((f"{here}.index", expected.index, actual.index))
    if frame:
        parts.append((f"{here}.columns", expected.columns, actual.columns))
    for where, part_e, part_a in parts:
        if str(getattr(part_e, "dtype", "")) != "object":
            continue
        found = _sequence_difference(list(part_e), list(part_a), where, rtol, atol)
        if found:
            return found
    return None
