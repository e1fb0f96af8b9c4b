"""The parity comparator is strict enough to see every loss issue 8 listed, and says where."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import zoneinfo
from typing import Any

import pandas as pd
import pytest
from pypedream_compiler.parity.compare import first_difference


class Perm(enum.Flag):
    R = 4
    W = 2


@dataclasses.dataclass(eq=False)
class Box:
    size: int

    def __post_init__(self) -> None:
        self.area = self.size**2


def _box(area: int) -> Box:
    box = Box(2)
    box.area = area
    return box


def _with_attrs() -> pd.DataFrame:
    frame = pd.DataFrame({"a": [1]})
    frame.attrs["unit"] = "kg"
    return frame


CET = dt.timezone(dt.timedelta(hours=1), "CET")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("expected", "actual", "words"),
    [
        pytest.param(pd.Series([1]), pd.Series([1], name=0), "name", id="series-name"),
        pytest.param(
            pd.DataFrame({"a": [1]}),
            pd.DataFrame({"a": [1]}, index=pd.Index([0])),
            "index classes are different",
            id="range-index",
        ),
        pytest.param(
            pd.DataFrame({"a": [1]}, index=pd.Index([0], name="k")),
            pd.DataFrame({"a": [1]}, index=pd.Index([0])),
            "names",
            id="index-name",
        ),
        pytest.param(
            pd.DataFrame({"c": pd.Categorical(["x"], categories=["x", "y"])}),
            pd.DataFrame({"c": pd.Categorical(["x"], categories=["y", "x"])}),
            "categor",
            id="category-order",
        ),
        pytest.param(
            pd.Series(pd.date_range("2024-01-01", periods=1, tz="Europe/Paris")),
            pd.Series(pd.date_range("2024-01-01", periods=1, tz="Europe/Berlin")),
            "dtype",
            id="tz-dtype",
        ),
        pytest.param(
            pd.Series([1, "a"], dtype=object),
            pd.Series([1.0, "a"], dtype=object),
            "[0]",
            id="object-cell-type",
        ),
        pytest.param(pd.DataFrame({"a": [1]}), _with_attrs(), ".attrs", id="attrs"),
        pytest.param(dt.time(9, tzinfo=PARIS), dt.time(9), "tzinfo", id="time-zone"),
        pytest.param(
            dt.datetime(2024, 1, 1, tzinfo=CET),
            dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            "tzinfo",
            id="zone-name",
        ),
        pytest.param(
            dt.datetime(2024, 1, 1, 12, tzinfo=PARIS),
            dt.datetime(2024, 1, 1, 11, tzinfo=dt.timezone.utc),
            "tzinfo",
            id="same-instant",
        ),
        pytest.param(Perm.R | Perm.W, Perm.R, "Perm", id="flag"),
        pytest.param(Perm(0), Perm.W, "Perm", id="flag-zero"),
        pytest.param(Box(2), _box(5), ".area: 4 (int) vs 5 (int)", id="dataclass-state"),
        pytest.param({1: "a"}, {True: "a"}, "<key 1>", id="key-type"),
        pytest.param({0.0}, {-0.0}, "value", id="set-member"),
        pytest.param(complex(1, -0.0), complex(1, 0.0), "value", id="complex-sign"),
    ],
)
def test_each_loss_is_a_difference(expected: Any, actual: Any, words: str) -> None:
    found = first_difference(expected, actual)
    assert found is not None and words in found, found
    assert first_difference(expected, expected) is None
