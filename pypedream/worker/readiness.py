"""Export readiness: will each stage value of a native run survive the trip through Airflow?

From a finished native run, for every stage output: its type, its serialized size (what
pypedream's own XCom stores) and a warning for every value that

- cannot be carried at all (value_codec refuses it: the Airflow task fails with
  ValueTransportError) -- the only *blocking* problem;
- pypedream carries exactly, but Airflow's own serializer refuses or changes in the idiomatic
  XComs (`return_value`, one per named output) that Airflow-native consumers read
  (`xcom_pull`, templates, other DAGs): pypedream stages downstream are unaffected;
- does not come back identical from pypedream's encoding (blocking: so READY implies that every
  value round-trips exactly under the parity comparator);
- is large for the metadata database.

It also shows the XCom bytes each task writes: the envelope (outputs and variable writes) and
the idiomatic copies (`return_value`, named outputs; off with `airflow_xcoms=False`), the latter
estimated from pypedream's own JSON encoding.

Needs no Airflow: the rules are those measured in real Airflow 3.3 and 2.11.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import decimal
import enum
import math
import pathlib
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pypedream.definition.binding import DEFAULT_OUTPUT_KEY
from pypedream.definition.variables import DELETED
from pypedream.execution.result import StageResult, StageStatus
from pypedream.worker.allowlist import NO_TYPES, TypeAllowlist, pipeline_allowlist
from pypedream.worker.envelope import airflow_xcom_pushes, write_envelope
from pypedream.worker.sameness import first_difference
from pypedream.worker.value_codec import (
    UnsupportedValueError,
    UntrustedValueError,
    dump_json,
    from_tree,
    load_json,
    to_tree,
)

if TYPE_CHECKING:
    from pypedream.definition.pipeline import Pipeline
    from pypedream.execution.result import RunResult

__all__ = [
    "AIRFLOW_XCOM_NOTE",
    "LARGE_VALUE_BYTES",
    "OutputReadiness",
    "ReadinessReport",
    "TaskStorage",
    "ValueWarning",
    "check_readiness",
    "stage_warnings",
]

LARGE_VALUE_BYTES = 1_000_000
_DIGITS_PER_BIT = 0.30103  # log10(2): past sys.get_int_max_str_digits(), str(int) refuses
_MAX_NODES = 200_000  # values walked per XCom; the rest is not looked at
AIRFLOW_XCOM_NOTE = (
    "Warnings about Airflow's own XComs (return_value, named outputs) do not affect the "
    "pipeline: pypedream stages downstream receive the exact values through pypedream's own "
    "XCom; only Airflow-native consumers (xcom_pull, templates, other DAGs) see the change."
)
_BACKEND = (
    "configure the object-storage XCom backend ([core] xcom_backend = "
    "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend, [common.io] "
    "xcom_objectstorage_path = s3://conn_id@bucket/xcom, xcom_objectstorage_threshold = "
    "1048576), or write the data to storage and return its path"
)


@dataclass(frozen=True)
class ValueWarning:
    """One problem with one value: where it is, what Airflow does to it, and whether it blocks."""

    stage: str
    xcom: str  # an output key (unsupported, large), else the key of Airflow's own XCom
    path: str  # inside the value, '' for the value itself
    # unsupported | inexact | large | integral-float | big-int | refused | changed | needs-config
    kind: str
    message: str
    blocking: bool = False
    # Which metadata DB it happens on: "any", "sqlite" or "postgresql" (Airflow 3 stores its own
    # XComs as JSON text on SQLite and as JSONB on PostgreSQL; the pypedream envelope is a
    # string, exact on both).
    backend: str = "any"

    @property
    def airflow_xcom_only(self) -> bool:
        """True when only Airflow-native consumers of Airflow's own XComs are affected."""
        return self.kind not in ("unsupported", "inexact", "large")

    @property
    def output(self) -> str:
        return self.xcom

    def describe(self) -> str:
        where = f" at {self.path}" if self.path else ""
        what = "Airflow XCom" if self.airflow_xcom_only else "output"
        backend = {"sqlite": " [SQLite only]", "postgresql": " [PostgreSQL only]"}
        text = f"stage {self.stage!r} {what} {self.xcom!r}{where}: {self.message}"
        return text + backend.get(self.backend, "")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class OutputReadiness:
    """One stage output: its type, its size in pypedream's XCom (None: cannot be encoded)."""

    stage: str
    output: str
    type_name: str
    size: int | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TaskStorage:
    """The XCom bytes one task writes: its envelope and Airflow's idiomatic copies."""

    stage: str
    envelope: int  # outputs + this stage's variable writes (upstream writes ride along too)
    airflow_xcoms: int | None  # estimated; None when the export turns them off

    @property
    def total(self) -> int:
        return self.envelope + (self.airflow_xcoms or 0)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "total": self.total}


@dataclass(frozen=True)
class ReadinessReport:
    """Every stage output of one native run and every warning about them."""

    pipeline: str
    run_id: str
    outputs: tuple[OutputReadiness, ...]
    warnings: tuple[ValueWarning, ...]
    not_checked: Mapping[str, str]  # stage key -> status, for stages that produced no outputs
    storage: tuple[TaskStorage, ...] = ()

    @property
    def blocking(self) -> bool:
        """True when some value cannot be carried between Airflow tasks at all."""
        return any(w.blocking for w in self.warnings)

    def render(self) -> str:
        """A table of outputs, then the warnings, then a one-line verdict."""
        rows = [("stage", "output", "type", "size")]
        for item in self.outputs:
            size = "cannot encode" if item.size is None else _size(item.size)
            rows.append((item.stage, item.output, item.type_name, size))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        for key, status in self.not_checked.items():
            lines.append(f"(stage {key!r} {status} natively: no outputs to check)")
        if self.storage:
            lines += ["", *self._storage_lines()]
        if self.warnings:
            lines.append("")
            for warning in self.warnings:
                mark = "BLOCKING" if warning.blocking else "warning"
                lines.append(f"{mark}: {warning.describe()}")
            if any(w.airflow_xcom_only for w in self.warnings):
                lines.append(f"note: {AIRFLOW_XCOM_NOTE}")
        lines.append("")
        lines.append(self.verdict())
        return "\n".join(line.rstrip() for line in lines)

    def _storage_lines(self) -> list[str]:
        rows = [("task", "envelope", "airflow xcoms", "total")]
        for item in self.storage:
            copies = "off" if item.airflow_xcoms is None else f"~{_size(item.airflow_xcoms)}"
            rows.append((item.stage, _size(item.envelope), copies, _size(item.total)))
        total = sum(item.total for item in self.storage)
        rows.append(("(all tasks)", "", "", _size(total)))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = ["XCom bytes written per task run:"]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
        lines.insert(2, "  ".join("-" * w for w in widths))
        return lines

    def verdict(self) -> str:
        blocking = sum(w.blocking for w in self.warnings)
        others = len(self.warnings) - blocking
        if blocking:
            head = f"NOT READY: {blocking} value(s) cannot be carried between Airflow tasks"
        else:
            head = "READY: every value can be carried between Airflow tasks"
        tail = f"; {others} warning(s)" if others else ""
        count = len(self.outputs)
        noun = "output" if count == 1 else "outputs"
        return f"{head}{tail} (pipeline {self.pipeline!r}, {count} {noun})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "run_id": self.run_id,
            "ready": not self.blocking,
            "outputs": [item.to_dict() for item in self.outputs],
            "warnings": [w.to_dict() for w in self.warnings],
            "not_checked": dict(self.not_checked),
            "storage": [item.to_dict() for item in self.storage],
        }


def check_readiness(result: RunResult, pipeline: Pipeline | None = None) -> ReadinessReport:
    """The readiness report of a finished native run (`pipeline` tells custom output mappers,
    its type allowlist and whether the export pushes Airflow's idiomatic XComs)."""
    allow = pipeline_allowlist(pipeline)
    airflow_xcoms = getattr(getattr(pipeline, "airflow", None), "airflow_xcoms", True)
    outputs: list[OutputReadiness] = []
    warnings: list[ValueWarning] = []
    storage: list[TaskStorage] = []
    not_checked: dict[str, str] = {}
    for key, stage_result in result.stages.items():
        if stage_result.status is not StageStatus.SUCCEEDED:
            not_checked[key] = stage_result.status.value
            continue
        trees: dict[str, Any] = {}
        for name, value in stage_result.outputs.items():
            try:
                trees[name] = to_tree(value, allow)
                size: int | None = len(dump_json(trees[name]))
            except UnsupportedValueError:
                size = None
            outputs.append(OutputReadiness(key, name, _type_name(value), size))
        custom = _custom(pipeline, key, stage_result)
        found = stage_warnings(stage_result, custom, allow, airflow_xcoms=airflow_xcoms)
        warnings += [  # a secret parameter's value may have reached an output
            dataclasses.replace(
                w, message=result.redact_text(w.message), path=result.redact_text(w.path)
            )
            for w in found
        ]
        if len(trees) == len(stage_result.outputs):
            storage.append(_storage(stage_result, trees, custom, allow, airflow_xcoms))
    return ReadinessReport(
        result.pipeline,
        result.run_id,
        tuple(outputs),
        tuple(warnings),
        not_checked,
        tuple(storage),
    )


def _storage(
    stage_result: StageResult,
    trees: Mapping[str, Any],
    custom: bool,
    allow: TypeAllowlist,
    airflow_xcoms: bool,
) -> TaskStorage:
    writes: dict[str, Any] = {}
    for name, value in stage_result.variable_writes.items():
        try:
            writes[name] = [0] if value is DELETED else [0, to_tree(value, allow)]
        except UnsupportedValueError:
            writes[name] = [0]
    envelope = len(write_envelope(trees, writes).encode())
    if not airflow_xcoms:
        return TaskStorage(stage_result.key, envelope, None)
    copies = 0
    for _, value in airflow_xcom_pushes(stage_result.return_value, stage_result.outputs, custom):
        with contextlib.suppress(UnsupportedValueError):  # Airflow refuses it too: no estimate
            copies += len(dump_json(to_tree(value, allow)).encode())
    return TaskStorage(stage_result.key, envelope, copies)


def _custom(pipeline: Pipeline | None, key: str, stage_result: StageResult) -> bool:
    if pipeline is not None and key in pipeline.stages:
        from pypedream.definition.outputs import default_output_mapper

        return pipeline.stages[key].output_mapper is not default_output_mapper
    return list(stage_result.outputs) != [DEFAULT_OUTPUT_KEY]


def stage_warnings(
    stage_result: StageResult,
    custom_outputs: bool,
    allow: TypeAllowlist = NO_TYPES,
    *,
    airflow_xcoms: bool = True,
) -> list[ValueWarning]:
    """Warnings about one succeeded stage's values, in both pypedream's and Airflow's XComs."""
    key = stage_result.key
    found: list[ValueWarning] = []
    for name, value in stage_result.outputs.items():
        try:
            text = dump_json(to_tree(value, allow))
            size = len(text)
        except UnsupportedValueError as problem:
            found.append(
                ValueWarning(
                    key,
                    name,
                    problem.path,
                    "unsupported",
                    f"{problem.type_name} cannot be carried at all"
                    f"{f' ({problem.why})' if problem.why else ''}: pypedream cannot encode it, "
                    "so the Airflow task fails with ValueTransportError (a native run with "
                    "airflow_fidelity=True fails the same way); return plain data, or write "
                    "it to storage and return the path",
                    blocking=True,
                )
            )
            continue
        inexact = _round_trip_difference(value, text, allow)
        if inexact is not None:
            found.append(
                ValueWarning(
                    key,
                    name,
                    "",
                    "inexact",
                    f"does not come back identical from pypedream's encoding ({inexact}); "
                    "return plain data",
                    blocking=True,
                )
            )
        if size > LARGE_VALUE_BYTES:
            found.append(
                ValueWarning(
                    key,
                    name,
                    "",
                    "large",
                    f"{_size(size)} serialized; Airflow keeps XComs in its metadata database, "
                    f"where large values slow every run: {_BACKEND}",
                )
            )
    if any(w.blocking for w in found) or not airflow_xcoms:
        return found  # no idiomatic XComs: the task fails first, or the export turned them off
    for xcom, value in airflow_xcom_pushes(
        stage_result.return_value, stage_result.outputs, custom_outputs
    ):
        found += _airflow_warnings(key, xcom, value)
    return found


def _round_trip_difference(value: Any, text: str, allow: TypeAllowlist) -> str | None:
    """None when `value` decodes back identical under the parity comparator."""
    try:
        back = from_tree(load_json(text), allow)
    except UntrustedValueError as problem:
        return str(problem)
    return first_difference(value, back)


# -- Airflow's own serializer -------------------------------------------------------------
def _airflow_warnings(key: str, xcom: str, value: Any) -> list[ValueWarning]:
    """What Airflow's XCom serializer does to `value` stored under `xcom` (top level)."""
    found: list[ValueWarning] = []
    if type(value) is float and math.isfinite(value) and value.is_integer():
        found.append(
            ValueWarning(
                key,
                xcom,
                "",
                "integral-float",
                f"{value!r} (float) comes back as {int(value)!r} (int) on Airflow 3 with SQLite "
                "(a top-level float with an integral value)",
                backend="sqlite",
            )
        )
    elif type(value) is int and abs(value) >= 2**63 and not _too_long(value):
        found.append(
            ValueWarning(
                key,
                xcom,
                "",
                "big-int",
                f"an int of {value.bit_length()} bits comes back as a float on Airflow 3 with "
                "SQLite (a top-level int >= 2**63)",
                backend="sqlite",
            )
        )
    if isinstance(value, Mapping) and len(value) > 1 and list(value) != _jsonb_order(value):
        found.append(
            ValueWarning(
                key,
                xcom,
                "",
                "reordered",
                "its keys come back in JSONB order (shorter keys first), not insertion order, "
                "on Airflow 3 with PostgreSQL",
                backend="postgresql",
            )
        )
    seen: dict[str, list[str]] = {}
    for kind, path, what in _walk(value, "", inside_list=False, budget=[_MAX_NODES]):
        seen.setdefault(f"{kind}\0{what}", []).append(path)
    for label, paths in seen.items():
        kind, what = label.split("\0")
        more = f" (and {len(paths) - 1} more place(s))" if len(paths) > 1 else ""
        found.append(ValueWarning(key, xcom, paths[0], kind, f"{what}{more}"))
    return found


def _jsonb_order(value: Mapping[Any, Any]) -> list[Any]:
    """PostgreSQL JSONB's key order: by length in bytes, then bytewise."""
    return sorted(value, key=lambda k: (len(str(k).encode()), str(k).encode()))


def _walk(
    value: Any, path: str, *, inside_list: bool, budget: list[int]
) -> Iterator[tuple[str, str, str]]:
    """(kind, path, what Airflow does) for every trap inside `value`."""
    budget[0] -= 1
    if budget[0] < 0:
        return
    kind = type(value)
    if kind is int and _too_long(value):
        yield "refused", path, "an int this long is refused by Airflow's JSON serializer"
        return
    if value is None or kind in (bool, int, str, dt.date, dt.datetime, dt.timedelta):
        return
    if kind is float:
        if not math.isfinite(value):
            yield "refused", path, f"{value!r} is refused by Airflow's serializer (NaN/inf)"
        return
    if kind is list or kind is set or kind is frozenset:
        for index, item in enumerate(value):
            where = f"{path}[{index}]" if kind is list else f"{path}<item>"
            yield from _walk(item, where, inside_list=kind is list, budget=budget)
        return
    if isinstance(value, tuple):
        if hasattr(value, "_fields") and kind is not tuple:
            yield "changed", path, f"namedtuple {kind.__qualname__} becomes a plain tuple"
        elif inside_list:
            yield "changed", path, "a tuple inside a list becomes a list on Airflow 2"
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]", inside_list=False, budget=budget)
        return
    if isinstance(value, Mapping):
        for name, item in value.items():
            if type(name) is not str:
                what = f"a dict key of type {type(name).__name__} becomes a str"
                yield "changed", f"{path}<key>", what
            yield from _walk(item, f"{path}[{name!r}]", inside_list=False, budget=budget)
        return
    if kind is decimal.Decimal:
        yield "changed", path, "a Decimal goes through float (precision may be lost)"
        return
    if kind is uuid.UUID:
        yield "refused", path, "a UUID is refused by Airflow 2's serializer"
        return
    if kind in (bytes, complex) or isinstance(value, (enum.Enum, pathlib.PurePath)):
        yield "refused", path, f"{_type_name(value)} is refused by Airflow's serializer"
        return
    module = kind.__module__.split(".")[0]
    if module == "pandas" and kind.__name__ in ("DataFrame", "Series"):
        return  # kept by Airflow 3 (with pyarrow)
    if module == "numpy":
        if kind.__name__ == "ndarray":
            yield "refused", path, "a numpy.ndarray is refused by Airflow's serializer"
        return
    if dataclasses.is_dataclass(value) or hasattr(kind, "model_dump"):
        what = (
            f"{_type_name(value)} is kept only if [core] allowed_deserialization_classes "
            "matches it and its module is importable by the workers"
        )
        yield "needs-config", path, what
        return
    yield "refused", path, f"{_type_name(value)} is refused by Airflow's serializer"


def _too_long(number: int) -> bool:
    """True when str(number) passes Python's digit limit (Airflow's JSON then refuses it)."""
    return number.bit_length() * _DIGITS_PER_BIT > sys.get_int_max_str_digits()


def _type_name(value: Any) -> str:
    kind = type(value)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"
