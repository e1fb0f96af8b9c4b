"""Variables: values stages write at run time and their downstream stages read.

A stage sees the defaults plus the writes of its ancestors only, so a run behaves the same when
every stage is a separate Airflow task.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

__all__ = ["DELETED", "Variables"]


class _Deleted:
    __slots__ = ()

    def __repr__(self) -> str:
        return "DELETED"


DELETED: Any = _Deleted()
"""Recorded as the written value of a variable a stage deleted."""

_NO_WRITES: dict[str, Any] = {}  # shared until the first write (most stages write nothing)


class Variables(MutableMapping[str, Any]):
    """A mutable mapping of variables that remembers what was written through it."""

    __slots__ = ("_base", "_writes")

    def __init__(self, initial: Mapping[str, Any] | None = None) -> None:
        self._base: Mapping[str, Any] = dict(initial or {})
        self._writes: dict[str, Any] = {}

    @classmethod
    def define(cls, **defaults: Any) -> Variables:
        """Declare variables with their starting values."""
        return cls(defaults)

    @classmethod
    def over(cls, base: Mapping[str, Any]) -> Variables:
        """A fresh view over `base` (not copied: the caller must not change it)."""
        view = cls.__new__(cls)
        view._base = base
        view._writes = _NO_WRITES
        return view

    @property
    def writes(self) -> Mapping[str, Any]:
        """What was written through this mapping: name -> value, or DELETED."""
        return self._writes

    def __getitem__(self, name: str) -> Any:
        if name in self._writes:
            value = self._writes[name]
            if value is DELETED:
                raise KeyError(name)
            return value
        return self._base[name]

    def __setitem__(self, name: str, value: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"variable names must be strings, got {name!r}")
        if self._writes is _NO_WRITES:
            self._writes = {}
        self._writes[name] = value

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        if self._writes is _NO_WRITES:
            self._writes = {}
        self._writes[name] = DELETED

    def __contains__(self, name: object) -> bool:
        if name in self._writes:
            return self._writes[name] is not DELETED
        return name in self._base

    def __iter__(self) -> Iterator[str]:
        for name in self._base:
            if name in self:
                yield name
        for name, value in self._writes.items():
            if name not in self._base and value is not DELETED:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"Variables({dict(self)!r})"
