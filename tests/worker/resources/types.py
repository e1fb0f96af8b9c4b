"""User types for the value codec tests (importable, so inside the tests' type allowlist).

`Trap` and `NotAData` record every call of their own code in CALLS: the decoder must never
run any of it.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
from typing import Any, NamedTuple

CALLS: list[str] = []


class Color(enum.Enum):
    RED = 1
    GREEN = "g"
    BLUE = (1, 2)


class Perm(enum.Flag):
    R = 4
    W = 2
    X = 1


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Point:
    x: int
    y: float

    def __post_init__(self) -> None:
        self.norm = abs(self.x) + abs(self.y)  # not a field: travels all the same


@dataclasses.dataclass(frozen=True, slots=True)
class Frozen:
    a: int
    b: Any = None


@dataclasses.dataclass(eq=False)
class NoEq:
    items: list[Any]


Pair = collections.namedtuple("Pair", "left right")


class Typed(NamedTuple):
    a: int
    b: str = "x"


@dataclasses.dataclass
class Trap:
    value: Any = None

    def __new__(cls, *args: Any, **kwargs: Any) -> Trap:
        CALLS.append("Trap.__new__")
        return super().__new__(cls)

    def __post_init__(self) -> None:
        CALLS.append("Trap.__post_init__")

    def __setattr__(self, name: str, value: Any) -> None:
        CALLS.append("Trap.__setattr__")
        super().__setattr__(name, value)

    def __getattr__(self, name: str) -> Any:
        CALLS.append("Trap.__getattr__")
        raise AttributeError(name)

    def __hash__(self) -> int:
        CALLS.append("Trap.__hash__")
        return 0


class NotAData:
    """A plain class: never rebuilt, whatever the envelope claims it is."""

    def __init__(self, *args: Any) -> None:
        CALLS.append("NotAData.__init__")

    def __new__(cls, *args: Any) -> NotAData:
        CALLS.append("NotAData.__new__")
        return super().__new__(cls)

    @classmethod
    def __class_getitem__(cls, item: Any) -> Any:
        CALLS.append("NotAData.__class_getitem__")
        return cls


def __getattr__(name: str) -> Any:  # a module-level hook the decoder must not trigger
    CALLS.append(f"module.__getattr__({name})")
    raise AttributeError(name)
