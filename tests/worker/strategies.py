"""Hypothesis strategies for every value type the codec carries, nested, DataFrames included."""

from __future__ import annotations

import datetime as dt
import decimal
import pathlib
import uuid
import zoneinfo
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from tests.worker.resources.types import Color, Frozen, Level, NoEq, Pair, Perm, Point, Typed

_ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]
timezones = st.one_of(
    st.none(),
    st.just(dt.timezone.utc),
    st.sampled_from(_ZONES).map(zoneinfo.ZoneInfo),
    st.builds(
        dt.timezone,
        st.integers(-23 * 60, 23 * 60).map(lambda m: dt.timedelta(minutes=m)),
        st.sampled_from(["CET", "EST", "+05:30", "zone"]),
    ),
    st.integers(-23 * 60, 23 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m))),
)
_flags = st.integers(0, 7).map(Perm)

hashables = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.binary(max_size=6),
    st.dates(),
    st.sampled_from(list(Color)),
    st.sampled_from(list(Level)),
    _flags,
    st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)

scalars = st.one_of(
    hashables,
    st.floats(),  # nan, inf and -0.0 included
    st.tuples(st.integers(4400, 6000), st.sampled_from([1, -1])).map(
        lambda t: t[1] * (10 ** t[0] + 12345)  # past str()'s 4,300-digit limit
    ),
    st.complex_numbers(),
    st.decimals(),
    st.datetimes(timezones=timezones, allow_imaginary=False),
    st.times(timezones=timezones),
    st.timedeltas(),
    st.text(max_size=10).map(pathlib.PurePosixPath),
    st.builds(Point, st.integers(-5, 5), st.floats(allow_nan=False, width=32)),
    st.builds(Frozen, st.integers(), st.text(max_size=3)),
    st.builds(NoEq, st.lists(st.integers(), max_size=3)),
    st.builds(Pair, st.integers(), st.text(max_size=3)),
    st.builds(Typed, st.integers()),
    st.sampled_from(
        [
            np.int8(-3),
            np.uint64(2**64 - 1),
            np.float32("nan"),
            np.bool_(True),
            np.complex64(1 - 2j),
            np.longdouble("1.1"),
            np.datetime64("2024-01-01T00:00:00.123456789"),
            np.datetime64("NaT"),
            np.timedelta64(5, "h"),
            np.str_("héllo"),
        ]
    ),
    st.lists(st.integers(-9, 9), max_size=6).map(lambda xs: np.array(xs, dtype=np.int16)),
    st.just(uuid.UUID(int=0)),
    st.just(decimal.Decimal("-0.00")),
)


@st.composite
def frames(draw: Any) -> pd.DataFrame | pd.Series:
    """Small DataFrames and Series over the dtypes pipelines use (pyarrow must carry them)."""
    rows = draw(st.integers(0, 4))

    def cells(elements: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(elements, min_size=rows, max_size=rows))

    def dates(start: str, freq: str, tz: str | None = None) -> Any:
        return pd.date_range(start, periods=rows, freq=freq, tz=tz).array

    makers = {
        "int": lambda: pd.array(cells(st.integers(-(2**62), 2**62)), dtype="int64"),
        "float": lambda: np.array(cells(st.floats()), dtype="float64"),
        "bool": lambda: np.array(cells(st.booleans()), dtype=bool),
        "str": lambda: pd.Series(cells(st.text(max_size=4)), dtype=object).to_numpy(),
        "category": lambda: pd.Categorical(
            cells(st.sampled_from("abc")),
            categories=list(draw(st.permutations("abc"))),
            ordered=draw(st.booleans()),
        ),
        "utc": lambda: dates("2024-03-30", "7h", "UTC"),
        "paris": lambda: dates("2024-03-30", "7h", "Europe/Paris"),
        "naive": lambda: dates("2024-01-01", "D"),
        "Int64": lambda: pd.array(cells(st.none() | st.integers(-9, 9)), dtype="Int64"),
    }
    kinds = draw(st.lists(st.sampled_from(sorted(makers)), max_size=4))
    names = draw(st.sampled_from(["str", "int"]))
    columns = {(f"c{i}" if names == "str" else i): makers[kind]() for i, kind in enumerate(kinds)}
    index_kind = draw(st.sampled_from(["range", "named-range", "int", "str"]))
    index: Any = None
    if index_kind == "named-range":
        index = pd.RangeIndex(5, 5 + 2 * rows, 2, name="r")
    elif index_kind == "int":
        index = pd.Index(range(rows), dtype="int64", name=draw(st.sampled_from([None, "i"])))
    elif index_kind == "str":
        index = pd.Index([f"r{i}" for i in range(rows)], dtype=object)
    frame = pd.DataFrame(columns, index=index)
    if draw(st.booleans()):
        frame.attrs["source"] = draw(st.text(max_size=4))
    if frame.shape[1] and draw(st.booleans()):
        series = frame.iloc[:, 0].copy()
        series.name = draw(st.sampled_from([None, 0, "s", ("a", 1)]))
        return series
    return frame


def values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Nested supported values: containers of scalars, frames and hashable-keyed dicts."""

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.lists(children, max_size=4),
            st.tuples(children, children),
            st.dictionaries(st.text(max_size=5), children, max_size=4),
            st.dictionaries(hashables, children, max_size=3),
            st.sets(hashables, max_size=4),
            st.frozensets(hashables, max_size=3),
            st.builds(NoEq, st.lists(children, max_size=3)),
            st.builds(Pair, children, children),
        )

    return st.recursive(st.one_of(scalars, frames()), extend, max_leaves=max_leaves)
