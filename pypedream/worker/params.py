"""Airflow params back to the Python values a native run has.

DAG params carry dates and datetimes as ISO strings (JSON has no date type). Both the task
entry point and the parity harness turn them back here, with one parser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pypedream._iso import parse_datetime

if TYPE_CHECKING:
    from pypedream.definition.parameters import Parameters

__all__ = ["decode_airflow_params"]


def decode_airflow_params(parameters: Parameters, params: Mapping[str, Any]) -> dict[str, Any]:
    """The declared parameters present in `params`, ISO dates and datetimes parsed back.

    A secret parameter left empty (None) is left out: the exported DAG holds no default for
    it, so the pipeline's own default applies, read from its module on the worker.
    """
    values: dict[str, Any] = {}
    for name, spec in parameters.specs.items():
        if name not in params:
            continue
        value = params[name]
        if value is None and spec.secret and not spec.required:
            continue
        if isinstance(value, str) and spec.value_type is dt.datetime:
            value = parse_datetime(value)
        elif isinstance(value, str) and spec.value_type is dt.date:
            value = dt.date.fromisoformat(value)
        values[name] = value
    return values
