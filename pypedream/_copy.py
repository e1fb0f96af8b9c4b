"""Per-run copies of declared defaults, so a stage that mutates one in place cannot leak it."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

_IMMUTABLE = frozenset(
    {str, int, float, bool, bytes, type(None), dt.date, dt.datetime, dt.time, dt.timedelta}
)


def fresh_copy(value: Any) -> Any:
    """A deep copy of `value` (the value itself when immutable or when it cannot be copied)."""
    if type(value) in _IMMUTABLE:
        return value
    try:
        return copy.deepcopy(value)
    except Exception:
        return value
