"""Every value the codec accepts comes back identical under the parity comparator; the
comparator sees each loss the codec used to make; what cannot be carried is refused cleanly."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pandas as pd
import pytest
from hypothesis import given

from pypedream import Pipeline, Stage
from pypedream.errors import ValueTransportError
from pypedream.execution.result import StageStatus
from pypedream.input import dependency
from pypedream.worker.allowlist import TypeAllowlist
from pypedream.worker.readiness import check_readiness
from pypedream.worker.sameness import first_difference
from pypedream.worker.value_codec import MAX_DEPTH, UnsupportedValueError, decode, encode
from tests.worker import strategies
from tests.worker.budget import CODEC
from tests.worker.resources.types import Frozen, Perm, Point

ALLOW = TypeAllowlist.of("tests")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _round_trip(value: Any) -> Any:
    return decode(encode(value, ALLOW), ALLOW)


def _with_norm_dropped() -> Point:
    point = Point(1, 2.0)
    del point.norm  # what the old codec handed downstream: fields only
    return point


@pytest.mark.parametrize(
    ("value", "lossy"),
    [
        pytest.param(pd.Series([1, 2]), pd.Series([1, 2], name=0), id="series-name"),
        pytest.param(
            pd.DataFrame({"a": [1, 2]}),
            pd.DataFrame({"a": [1, 2]}, index=pd.Index([0, 1])),
            id="range-index",
        ),
        pytest.param(
            pd.DataFrame([[1, 2]]),
            pd.DataFrame([[1, 2]], columns=pd.Index([0, 1])),
            id="range-columns",
        ),
        pytest.param(
            pd.DataFrame({"c": pd.Categorical(["x", "y"])}),
            pd.DataFrame({"c": ["x", "y"]}),
            id="categorical",
        ),
        pytest.param(
            pd.DataFrame({"t": pd.date_range("2024-01-01", periods=2, tz="Europe/Paris")}),
            pd.DataFrame({"t": pd.date_range("2024-01-01", periods=2, tz="UTC")}),
            id="tz-aware-dtype",
        ),
        pytest.param(
            pd.Series([1], index=pd.Index(["a"], name="key")),
            pd.Series([1], index=pd.Index(["a"])),
            id="index-name",
        ),
        pytest.param(dt.time(10, tzinfo=PARIS), dt.time(10), id="time-zoneinfo"),
        pytest.param(
            dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1), "CET")),
            dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            id="named-offset",
        ),
        pytest.param(
            dt.datetime(2024, 1, 1, 12, tzinfo=PARIS),
            dt.datetime(2024, 1, 1, 11, tzinfo=dt.timezone.utc),
            id="same-instant-other-zone",
        ),
        pytest.param(Perm.R | Perm.W, Perm.R, id="flag-combination"),
        pytest.param(Perm(0), Perm.X, id="flag-zero"),
        pytest.param(Point(1, 2.0), _with_norm_dropped(), id="dataclass-post-init"),
        pytest.param({1: "a"}, {True: "a"}, id="dict-key-type"),
        pytest.param({1}, {True}, id="set-member-type"),
        pytest.param(
            __import__("decimal").Decimal("1.0"),
            __import__("decimal").Decimal("1.00"),
            id="decimal",
        ),
        pytest.param(10**5000, 10**5000 + 1, id="huge-int"),
    ],
)
def test_each_former_loss_is_carried_and_seen_by_the_comparator(value: Any, lossy: Any) -> None:
    assert first_difference(value, _round_trip(value)) is None
    assert first_difference(value, lossy) is not None


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def _self_containing() -> dict[str, Any]:
    value: dict[str, Any] = {"rows": []}
    value["rows"].append(value)
    return value


@pytest.mark.parametrize(
    ("value", "path", "words"),
    [
        pytest.param(_nested(MAX_DEPTH + 400), "[0]" * MAX_DEPTH, "nested deeper", id="deep"),
        pytest.param(_self_containing(), "['rows'][0]", "contains itself", id="self"),
        pytest.param({"k": {Frozen(1)}}, "['k']<item>", "its own __hash__", id="dataclass-in-set"),
        pytest.param([pd.DataFrame({"m": [1, "a"]})], "[0]", "pyarrow cannot", id="mixed-column"),
    ],
)
def test_what_cannot_be_carried_is_refused_with_its_path(value: Any, path: str, words: str) -> None:
    with pytest.raises(UnsupportedValueError) as caught:
        encode(value, ALLOW)
    assert caught.value.path == path
    assert words in str(caught.value)


def test_nesting_up_to_the_limit_is_carried() -> None:
    value = _nested(MAX_DEPTH - 1)
    assert first_difference(value, _round_trip(value)) is None


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(_nested(600), id="deep"),
        pytest.param(_self_containing(), id="self"),
        pytest.param([Perm.R | Perm.X, Perm(0)], id="flags"),  # carried: the stage succeeds
        pytest.param(10**5000, id="huge-int"),
    ],
)
def test_fidelity_run_fails_only_the_stage_with_a_transport_error(value: Any) -> None:
    pipeline = _pipeline(value)
    result = pipeline.run(airflow_fidelity=True, raise_on_failure=False)
    make = result.stages["make"]
    if make.status is StageStatus.SUCCEEDED:
        assert first_difference(value, result.stages["use"].return_value) is None
        return
    assert isinstance(make.error, ValueTransportError)
    assert "stage 'make' output 'return'" in str(make.error)
    assert result.stages["use"].status is StageStatus.UPSTREAM_FAILED
    report = check_readiness(pipeline.run(raise_on_failure=False), pipeline)
    assert report.blocking and "make" in report.render()


def _pipeline(value: Any) -> Pipeline:
    return Pipeline(
        "roundtrip",
        stages={
            "make": Stage(lambda: value),
            "use": Stage(lambda got: got, inputs=[dependency("make", "got")]),
        },
        log_settings=None,
    )


@CODEC
@given(strategies.values())
def test_supported_values_round_trip_identically(value: Any) -> None:
    assert first_difference(value, _round_trip(value)) is None


@CODEC
@given(strategies.values(max_leaves=6))
def test_ready_implies_identity(value: Any) -> None:
    pipeline = _pipeline(value)
    report = check_readiness(pipeline.run(), pipeline)
    assert not report.blocking, report.render()
    carried = pipeline.run(airflow_fidelity=True)
    assert first_difference(value, carried.stages["use"].return_value) is None


class _Broken(dict):  # type: ignore[type-arg]
    """Outputs whose value fails to load with a KeyError (as Flag decoding once did)."""

    def __getitem__(self, key: Any) -> Any:
        raise KeyError("inner detail")


def test_an_output_that_fails_to_load_is_not_reported_as_missing() -> None:
    from pypedream import ctx
    from pypedream.errors import InputBindingError

    binding = dependency("make", "got").bind
    token = ctx.STAGES.set({"make": _Broken({"return": 1})})
    try:
        with pytest.raises(KeyError, match="inner detail"):
            binding.resolve()
        bad = dependency("make", "got", from_output="other").bind
        with pytest.raises(InputBindingError, match="produced no output 'other'"):
            bad.resolve()
    finally:
        ctx.STAGES.reset(token)


def test_a_huge_int_is_carried_but_airflow_own_xcom_refuses_it() -> None:
    # measured: Airflow 3.3 and 2.11 store no return_value for it; pypedream's XCom carries it
    report = check_readiness(_pipeline([10**5000]).run(), _pipeline([10**5000]))
    kinds = {(w.stage, w.kind, w.path, w.blocking) for w in report.warnings}
    assert ("make", "refused", "[0]", False) in kinds
    assert not report.blocking
