"""Exact, JSON-based encoding of stage outputs, so values cross process boundaries unchanged.

Airflow's own XCom serialisation changes some values (SQLite turns a top-level 25.0 into 25,
tuples nested in lists become lists on 2.x, ...). pypedream therefore hands values between its
tasks as one opaque string made here, and decodes it with the same code on the other side.
Types outside the supported set raise `UnsupportedValueError` naming where the value sits.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import enum
import importlib
import io
import json
import pathlib
import uuid
from typing import Any

__all__ = [
    "PREFIX",
    "UnsupportedValueError",
    "decode",
    "encode",
    "from_tree",
    "is_encoded",
    "to_tree",
]

PREFIX = "pypedream:v1:"
"""Starts every encoded string. Not valid JSON, so no XCom backend parses it a second time."""

_TAG = "__pypedream__"


class UnsupportedValueError(TypeError):
    """A value (or something inside it) has a type pypedream cannot carry between tasks."""

    def __init__(self, path: str, value: Any, why: str = "") -> None:
        self.path = path
        self.type_name = f"{type(value).__module__}.{type(value).__qualname__}"
        reason = f": {why}" if why else ""
        super().__init__(f"value at {path or 'top level'} has type {self.type_name}{reason}")


def to_tree(value: Any) -> Any:
    """`value` as JSON-ready data (lists, str-keyed dicts, scalars) that `from_tree` inverts."""
    return _tree(value, "")


def from_tree(tree: Any) -> Any:
    """Inverse of `to_tree`."""
    return _value(tree)


def encode(value: Any) -> str:
    """Encode `value` into a string that `decode` turns back into an equal value."""
    return PREFIX + json.dumps(_tree(value, ""), ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> Any:
    """Inverse of `encode`."""
    if not is_encoded(text):
        raise ValueError(f"not a pypedream-encoded value: {text[:40]!r}")
    return _value(json.loads(text[len(PREFIX) :]))


def is_encoded(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def _tagged(kind: str, payload: Any) -> dict[str, Any]:
    return {_TAG: kind, "v": payload}


def _class_ref(cls: type, path: str, value: Any) -> str:
    module = cls.__module__
    if module == "__main__" or "<locals>" in cls.__qualname__:
        raise UnsupportedValueError(
            path,
            value,
            f"{cls.__qualname__} is defined in {module} or a local scope; "
            "define it in an importable module",
        )
    return f"{module}:{cls.__qualname__}"


def _tree(value: Any, path: str) -> Any:
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value
    if kind is float:
        return value  # json writes repr(): exact, including nan, inf and -0.0
    if kind is list:
        return [_tree(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind is dict:
        if all(type(k) is str for k in value) and _TAG not in value:
            return {k: _tree(v, f"{path}[{k!r}]") for k, v in value.items()}
        return _tagged(
            "dict",
            [[_tree(k, f"{path}<key>"), _tree(v, f"{path}[{k!r}]")] for k, v in value.items()],
        )
    if kind is tuple:
        return _tagged("tuple", [_tree(item, f"{path}[{i}]") for i, item in enumerate(value)])
    if kind is set or kind is frozenset:
        items = [_tree(item, f"{path}<item>") for item in value]
        return _tagged(kind.__name__, items)
    if kind is dt.datetime:
        zone = getattr(value.tzinfo, "key", None)  # zoneinfo.ZoneInfo keeps its name
        return _tagged("datetime", [value.isoformat(), zone, value.fold])
    if kind is dt.date:
        return _tagged("date", value.isoformat())
    if kind is dt.time:
        return _tagged("time", value.isoformat())
    if kind is dt.timedelta:
        return _tagged("timedelta", [value.days, value.seconds, value.microseconds])
    if kind is decimal.Decimal:
        return _tagged("decimal", str(value))
    if kind is uuid.UUID:
        return _tagged("uuid", str(value))
    if kind is bytes:
        return _tagged("bytes", base64.b64encode(value).decode("ascii"))
    if kind is complex:
        return _tagged("complex", [value.real, value.imag])
    if isinstance(value, pathlib.PurePath):
        return _tagged("path", [kind.__name__, str(value)])
    if isinstance(value, enum.Enum):
        return _tagged("enum", [_class_ref(kind, path, value), value.name])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: _tree(getattr(value, f.name), f"{path}.{f.name}")
            for f in dataclasses.fields(value)
        }
        return _tagged("dataclass", [_class_ref(kind, path, value), fields])
    module = kind.__module__.split(".")[0]
    if module == "pandas" and kind.__name__ in ("DataFrame", "Series"):
        return _tagged(f"pandas.{kind.__name__}", _pandas_bytes(value, path))
    if module == "numpy" and kind.__name__ == "ndarray":
        return _tagged("numpy.ndarray", _numpy_bytes(value, path))
    if module == "numpy" and hasattr(value, "item") and getattr(value, "shape", None) == ():
        return _tagged("numpy.scalar", [str(value.dtype), _tree(value.item(), path)])
    raise UnsupportedValueError(path, value)


def _pandas_bytes(value: Any, path: str) -> str:
    try:
        import pyarrow as pa
    except ImportError as missing:
        raise UnsupportedValueError(
            path, value, "install pyarrow to carry pandas objects"
        ) from missing
    frame = value.to_frame() if type(value).__name__ == "Series" else value
    table = pa.Table.from_pandas(frame, preserve_index=True)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return base64.b64encode(sink.getvalue()).decode("ascii")


def _numpy_bytes(value: Any, path: str) -> str:
    import numpy as np

    if value.dtype.hasobject:
        raise UnsupportedValueError(path, value, "object arrays cannot be carried safely")
    sink = io.BytesIO()
    np.save(sink, value, allow_pickle=False)
    return base64.b64encode(sink.getvalue()).decode("ascii")


def _import(ref: str) -> Any:
    module, _, qualname = ref.partition(":")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _value(tree: Any) -> Any:
    if isinstance(tree, list):
        return [_value(item) for item in tree]
    if not isinstance(tree, dict):
        return tree
    kind = tree.get(_TAG)
    if kind is None:
        return {k: _value(v) for k, v in tree.items()}
    payload = tree["v"]
    if kind == "dict":
        return {_value(k): _value(v) for k, v in payload}
    if kind == "tuple":
        return tuple(_value(item) for item in payload)
    if kind == "set":
        return {_value(item) for item in payload}
    if kind == "frozenset":
        return frozenset(_value(item) for item in payload)
    if kind == "datetime":
        text, zone, fold = payload
        value = dt.datetime.fromisoformat(text)
        if zone:
            import zoneinfo

            value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone))
        return value.replace(fold=fold)
    if kind == "date":
        return dt.date.fromisoformat(payload)
    if kind == "time":
        return dt.time.fromisoformat(payload)
    if kind == "timedelta":
        return dt.timedelta(days=payload[0], seconds=payload[1], microseconds=payload[2])
    if kind == "decimal":
        return decimal.Decimal(payload)
    if kind == "uuid":
        return uuid.UUID(payload)
    if kind == "bytes":
        return base64.b64decode(payload)
    if kind == "complex":
        return complex(payload[0], payload[1])
    if kind == "path":
        return getattr(pathlib, payload[0])(payload[1])
    if kind == "enum":
        return _import(payload[0])[payload[1]]
    if kind == "dataclass":
        cls = _import(payload[0])
        instance = cls.__new__(cls)
        for name, item in payload[1].items():
            object.__setattr__(instance, name, _value(item))
        return instance
    if kind in ("pandas.DataFrame", "pandas.Series"):
        import pyarrow as pa

        reader = pa.ipc.open_stream(base64.b64decode(payload))
        frame = reader.read_all().to_pandas()
        return frame.iloc[:, 0] if kind == "pandas.Series" else frame
    if kind == "numpy.ndarray":
        import numpy as np

        return np.load(io.BytesIO(base64.b64decode(payload)), allow_pickle=False)
    if kind == "numpy.scalar":
        import numpy as np

        return np.dtype(payload[0]).type(_value(payload[1]))
    raise ValueError(f"unknown encoded type {kind!r}; was it written by a newer pypedream?")
