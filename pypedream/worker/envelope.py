"""The XComs a pypedream task writes, and the one reader and writer of its envelope.

A task pushes:

- `ENVELOPE_KEY` ("pypedream"): the envelope, `pypedream:v1:{"outputs": {...}, "variables": {...}}`
  with every value as a `value_codec` tree. Downstream pypedream tasks read only this. Files
  exported earlier rely on this format: change it only with a new version prefix that
  `read_envelope` still reads alongside the old one.
- `RETURN_VALUE_KEY` ("return_value"): the stage's plain return value, for Airflow-native
  consumers (skipped for None, which Airflow does not store);
- with an output mapper, each named output under its own key, except the reserved keys.

`dev-airflow/airflow_dev.py` keeps a standard-library copy of `read_envelope`; a test pins it
against this one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pypedream.worker.value_codec import PREFIX, from_tree

__all__ = [
    "ENVELOPE_KEY",
    "RESERVED_XCOM_KEYS",
    "RETURN_VALUE_KEY",
    "airflow_xcom_pushes",
    "envelope_outputs",
    "read_envelope",
    "write_envelope",
]

ENVELOPE_KEY = "pypedream"
RETURN_VALUE_KEY = "return_value"
RESERVED_XCOM_KEYS = frozenset({RETURN_VALUE_KEY, ENVELOPE_KEY})
"""Output names that never get an XCom of their own (they would overwrite these)."""


def write_envelope(outputs: Mapping[str, Any], variables: Mapping[str, Any]) -> str:
    """The envelope string: output value trees and the variable writes visible downstream."""
    envelope = {"outputs": outputs, "variables": variables}
    return PREFIX + json.dumps(envelope, separators=(",", ":"))


def read_envelope(text: str) -> dict[str, Any]:
    """Inverse of `write_envelope` (values still as `value_codec` trees)."""
    if not isinstance(text, str) or not text.startswith(PREFIX):
        raise ValueError(f"not a pypedream envelope: {str(text)[:40]!r}")
    envelope = json.loads(text[len(PREFIX) :])
    if not isinstance(envelope, dict) or not isinstance(envelope.get("outputs"), dict):
        raise ValueError("not a pypedream envelope: no 'outputs' mapping")
    return envelope


def envelope_outputs(text: str) -> dict[str, Any]:
    """The stage outputs a task handed on, decoded to exact values."""
    return {name: from_tree(tree) for name, tree in read_envelope(text)["outputs"].items()}


def airflow_xcom_pushes(
    return_value: Any, outputs: Mapping[str, Any], custom_outputs: bool
) -> list[tuple[str, Any]]:
    """The idiomatic XComs a task pushes besides the envelope, as (key, value) pairs."""
    pushes: list[tuple[str, Any]] = []
    if return_value is not None:  # Airflow stores nothing for None
        pushes.append((RETURN_VALUE_KEY, return_value))
    if custom_outputs:
        pushes += [(k, v) for k, v in outputs.items() if k not in RESERVED_XCOM_KEYS]
    return pushes
