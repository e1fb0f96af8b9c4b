"""`-p NAME=VALUE`: parsing, conversion by declared type, and the errors."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Any

import pytest

from pypedream import Parameter, Parameters
from pypedream.cli.conversion import convert_parameters, convert_value, parse_assignments
from pypedream.cli.errors import CliError

UTC = dt.timezone.utc


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@pytest.mark.parametrize(
    ("text", "expected_type", "expected"),
    [
        pytest.param("hello world", str, "hello world", id="str"),
        pytest.param("42", str, "42", id="str-stays-text"),
        pytest.param("", str, "", id="str-empty"),
        pytest.param("42", int, 42, id="int"),
        pytest.param("-7", int, -7, id="int-negative"),
        pytest.param("0.25", float, 0.25, id="float"),
        pytest.param("3", float, 3.0, id="float-from-int-text"),
        pytest.param("1e-3", float, 0.001, id="float-exponent"),
        pytest.param("true", bool, True, id="bool-true"),
        pytest.param("TRUE", bool, True, id="bool-upper"),
        pytest.param("yes", bool, True, id="bool-yes"),
        pytest.param("1", bool, True, id="bool-1"),
        pytest.param("False", bool, False, id="bool-false"),
        pytest.param("no", bool, False, id="bool-no"),
        pytest.param("0", bool, False, id="bool-0"),
        pytest.param("[1, 2, 3]", list, [1, 2, 3], id="list"),
        pytest.param('["a", {"b": 1}]', list, ["a", {"b": 1}], id="list-nested"),
        pytest.param("[1, 2]", tuple, (1, 2), id="tuple"),
        pytest.param('{"k": [1], "v": null}', dict, {"k": [1], "v": None}, id="dict"),
        pytest.param("2024-01-31", dt.date, dt.date(2024, 1, 31), id="date"),
        pytest.param(
            "2024-01-31T12:30:00", dt.datetime, dt.datetime(2024, 1, 31, 12, 30), id="datetime"
        ),
        pytest.param(
            "2024-01-31T12:30:00Z",
            dt.datetime,
            dt.datetime(2024, 1, 31, 12, 30, tzinfo=UTC),
            id="datetime-zulu",
        ),
        pytest.param("2024-01-31", dt.datetime, dt.datetime(2024, 1, 31), id="datetime-date-only"),
        pytest.param("green", Colour, Colour.GREEN, id="enum-value"),
        pytest.param("RED", Colour, Colour.RED, id="enum-name"),
        pytest.param("out/x.csv", Path, Path("out/x.csv"), id="other-type-constructor"),
        pytest.param("12", None, 12, id="untyped-json-number"),
        pytest.param("true", None, True, id="untyped-json-bool"),
        pytest.param("null", None, None, id="untyped-json-null"),
        pytest.param('{"a": 1}', None, {"a": 1}, id="untyped-json-object"),
        pytest.param("hello", None, "hello", id="untyped-text"),
        pytest.param("[not json", None, "[not json", id="untyped-broken-json-is-text"),
    ],
)
def test_convert_value(text: str, expected_type: type | None, expected: Any) -> None:
    value = convert_value(text, expected_type)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected_type", "message"),
    [
        pytest.param("abc", int, "expected int, got 'abc'; e.g. 3", id="int"),
        pytest.param("1.5", int, "expected int, got '1.5'", id="int-from-float"),
        pytest.param("", int, "expected int, got ''", id="int-empty"),
        pytest.param("fast", float, "expected float, got 'fast'; e.g. 0.5", id="float"),
        pytest.param(
            "maybe", bool, "expected bool (true/false/yes/no/1/0), got 'maybe'", id="bool"
        ),
        pytest.param("2", bool, "expected bool", id="bool-2"),
        pytest.param("1,2", list, "expected a JSON list, got '1,2'; e.g. '[1, 2]'", id="list"),
        pytest.param('{"a": 1}', list, "expected a JSON list", id="list-got-object"),
        pytest.param("[1]", dict, "expected a JSON object, got '[1]'", id="dict-got-list"),
        pytest.param("a=1", dict, "expected a JSON object", id="dict-not-json"),
        pytest.param("31/01/2024", dt.date, "expected an ISO date, got '31/01/2024'", id="date"),
        pytest.param("2024-13-01", dt.date, "expected an ISO date", id="date-bad-month"),
        pytest.param("noon", dt.datetime, "expected an ISO datetime, got 'noon'", id="datetime"),
        pytest.param("blue", Colour, "expected one of RED, GREEN, got 'blue'", id="enum"),
    ],
)
def test_convert_value_rejects(text: str, expected_type: type, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        convert_value(text, expected_type)
    assert message in str(caught.value)


def test_parse_assignments_splits_at_the_first_equals_sign() -> None:
    assert parse_assignments(["a=1", "query=x=y", "empty="]) == {
        "a": "1",
        "query": "x=y",
        "empty": "",
    }


@pytest.mark.parametrize(
    ("items", "message"),
    [
        pytest.param(["alpha"], "-p 'alpha': expected NAME=VALUE, e.g. -p alpha=0.5", id="no-eq"),
        pytest.param(["=1"], "-p '=1': expected NAME=VALUE", id="no-name"),
        pytest.param(
            ["a=1", "a=2"],
            "parameter 'a' given twice (-p a=1 and -p a=2); pass it once",
            id="repeated",
        ),
        pytest.param(
            ["x", "a=1", "a=2"],
            "2 problems with -p:\n  - -p 'x': expected NAME=VALUE",
            id="several",
        ),
    ],
)
def test_parse_assignments_rejects(items: list[str], message: str) -> None:
    with pytest.raises(CliError) as caught:
        parse_assignments(items)
    assert message in str(caught.value)


PARAMETERS = Parameters.define(alpha=0.1, steps=10, label="x", when=Parameter(None, type=dt.date))


def test_convert_parameters_uses_each_declared_type() -> None:
    texts = {"alpha": "0.5", "steps": "3", "label": "7", "when": "2024-02-01"}
    assert convert_parameters(PARAMETERS, texts, "daily") == {
        "alpha": 0.5,
        "steps": 3,
        "label": "7",
        "when": dt.date(2024, 2, 1),
    }


def test_convert_parameters_unknown_name_with_hint() -> None:
    with pytest.raises(CliError) as caught:
        convert_parameters(PARAMETERS, {"alpah": "1"}, "daily")
    assert str(caught.value) == (
        "1 parameter problem in pipeline 'daily' (nothing was run): "
        "unknown parameter 'alpah'. Did you mean 'alpha'?"
    )


def test_convert_parameters_unknown_name_lists_known_ones() -> None:
    with pytest.raises(CliError, match=r"unknown parameter 'zzz' \(it takes: alpha, steps"):
        convert_parameters(PARAMETERS, {"zzz": "1"}, "daily")


def test_convert_parameters_when_pipeline_takes_none() -> None:
    with pytest.raises(CliError, match="pipeline 'daily' takes no parameters"):
        convert_parameters(Parameters(), {"a": "1"}, "daily")


def test_convert_parameters_lists_every_problem() -> None:
    with pytest.raises(CliError) as caught:
        convert_parameters(PARAMETERS, {"alpha": "fast", "steps": "many", "beta": "1"}, "daily")
    assert str(caught.value) == (
        "3 parameter problems in pipeline 'daily' (nothing was run):\n"
        "  - parameter 'alpha': expected float, got 'fast'; e.g. 0.5\n"
        "  - parameter 'steps': expected int, got 'many'; e.g. 3\n"
        "  - unknown parameter 'beta' (it takes: alpha, steps, label, when)"
    )
