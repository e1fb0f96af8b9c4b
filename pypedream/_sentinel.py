"""The sentinel for "no value given", distinct from None."""

from __future__ import annotations

import enum


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing.MISSING
"""Marks an argument that was not given (a default of None is a real default)."""
