"""How stage values travel between Airflow tasks, in one place for both sides.

The Airflow task entry point (`airflow_task`) encodes a stage's outputs and variable writes
with `encode_outputs`/`encode_variable`; a native run with `airflow_fidelity=True` sends every
stage's values through the same encoding (`carry_like_airflow`) before downstream stages see
them. A value that cannot be carried fails the stage with the same `ValueTransportError`
message on both sides.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator, Mapping
from typing import Any

from pypedream.definition.binding import DEFAULT_OUTPUT_KEY
from pypedream.definition.variables import DELETED
from pypedream.errors import ValueTransportError
from pypedream.execution.result import StageResult, StageStatus
from pypedream.worker.allowlist import NO_TYPES, TypeAllowlist
from pypedream.worker.value_codec import UnsupportedValueError, from_tree, to_tree

__all__ = [
    "DecodedOutputs",
    "carry_like_airflow",
    "encode_outputs",
    "encode_variable",
    "transport_error",
]

_PLAIN_DATA = (
    "Return plain data (str, numbers, bools, None, lists, tuples, dicts, sets, dates, Decimal, "
    "UUID, bytes, pandas/numpy objects) or dataclasses, enums and namedtuples from an "
    "importable module in the pipeline's type allowlist; for large or special objects write "
    "them to storage and return the path."
)


def transport_error(key: str, output: str, problem: UnsupportedValueError) -> ValueTransportError:
    """The error for stage `key` output `output` that value_codec cannot encode."""
    return ValueTransportError(
        f"stage {key!r} output {output!r}: {problem}, which cannot be handed to other "
        f"Airflow tasks. {_PLAIN_DATA}"
    )


def encode_outputs(
    key: str, outputs: Mapping[str, Any], allow: TypeAllowlist = NO_TYPES
) -> dict[str, Any]:
    """Each output as a value_codec tree; raises ValueTransportError naming stage and output."""
    encoded = {}
    for name, value in outputs.items():
        try:
            encoded[name] = to_tree(value, allow)
        except UnsupportedValueError as problem:
            raise transport_error(key, name, problem) from problem
    return encoded


def encode_variable(key: str, name: str, value: Any, allow: TypeAllowlist = NO_TYPES) -> Any:
    """A variable write as a value_codec tree; raises ValueTransportError naming it."""
    try:
        return to_tree(value, allow)
    except UnsupportedValueError as problem:
        raise ValueTransportError(
            f"stage {key!r} variable {name!r}: {problem}, which cannot be handed to other "
            "Airflow tasks; store plain data in variables"
        ) from problem


def _through_json(tree: Any) -> Any:
    """The tree after the trip an Airflow task's XCom string makes (json out and back)."""
    return json.loads(json.dumps(tree, separators=(",", ":")))


class DecodedOutputs(Mapping[str, Any]):
    """A stage's outputs as Airflow tasks receive them: each read decodes a fresh copy, so a
    downstream stage mutating its input changes nothing upstream (as in Airflow)."""

    __slots__ = ("_allow", "_trees")

    def __init__(self, trees: Mapping[str, Any], allow: TypeAllowlist = NO_TYPES) -> None:
        self._trees = dict(trees)
        self._allow = allow

    def __getitem__(self, name: str) -> Any:
        return from_tree(self._trees[name], self._allow)

    def __contains__(self, name: object) -> bool:
        return name in self._trees  # without decoding

    def __iter__(self) -> Iterator[str]:
        return iter(self._trees)

    def __len__(self) -> int:
        return len(self._trees)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def carry_like_airflow(
    result: StageResult,
    custom_outputs: bool,
    log: Any,
    *,
    allow: TypeAllowlist = NO_TYPES,
    airflow_xcoms: bool = True,
) -> StageResult:
    """`result` with its outputs and variable writes sent through the Airflow encoding.

    A value that cannot be carried turns the result into the failure the Airflow task would
    report. Every readiness warning about the stage's values is logged as a warning event.
    """
    if result.status is not StageStatus.SUCCEEDED:
        return result
    key = result.key
    stage_log = log.bind(stage=key) if log is not None else None
    try:
        outputs = DecodedOutputs(_through_json(encode_outputs(key, result.outputs, allow)), allow)
        writes = {
            name: value
            if value is DELETED
            else from_tree(_through_json(encode_variable(key, name, value, allow)), allow)
            for name, value in result.variable_writes.items()
        }
    except ValueTransportError as problem:
        if stage_log is not None:
            stage_log.error(
                "stage_failed", error=f"{type(problem).__name__}: {problem}", exc_info=problem
            )
        return StageResult(
            key,
            StageStatus.FAILED,
            error=problem,
            traceback="".join(traceback.format_exception(problem)),
            attempts=result.attempts,
            duration=result.duration,
            started=result.started,
        )
    if stage_log is not None:
        from pypedream.worker.readiness import stage_warnings

        for warning in stage_warnings(result, custom_outputs, allow, airflow_xcoms=airflow_xcoms):
            stage_log.warning(
                "airflow_value_warning",
                output=warning.output,
                path=warning.path or None,
                problem=warning.kind,
                message=warning.message,
                airflow_xcom_only=warning.airflow_xcom_only,
            )
    return_value = result.return_value
    if not custom_outputs and DEFAULT_OUTPUT_KEY in outputs:
        return_value = outputs[DEFAULT_OUTPUT_KEY]
    return result._replace(return_value=return_value, outputs=outputs, variable_writes=writes)
