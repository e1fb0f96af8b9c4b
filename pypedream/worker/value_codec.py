"""Exact, JSON-based encoding of stage values, so they cross process boundaries unchanged.

Airflow's own XCom serialisation changes some values (SQLite turns a top-level 25.0 into 25,
tuples nested in lists become lists on 2.x, ...). pypedream therefore hands values between its
tasks as JSON trees made here, and decodes them with the same code on the other side.

Promise: for every value `encode` accepts, `decode(encode(v))` is the same value under
`sameness.first_difference`. What cannot be carried exactly raises `UnsupportedValueError`
naming the path inside the value (huge ints, deep nesting and self-containing containers
included).

Safety: an encoded value is untrusted data (anyone who can write an XCom can change it). The
decoder builds builtins and the standard-library types listed in `encode`, pandas/numpy values
through pyarrow/`np.load(allow_pickle=False)`, and user classes that really are `Enum`
subclasses, dataclasses or namedtuples *and* are in the `TypeAllowlist`. It imports a module only
after the allowlist admits the class in it, looks classes up in module and class `__dict__`s
(never a dunder, never through `__getattr__`), and builds instances with `object.__new__` /
`tuple.__new__` and `__dict__` updates, never calling a user `__init__`, `__new__` or
`__setattr__`. Anything else raises `UntrustedValueError`, with nothing imported or called.
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
import sys
import uuid
import zoneinfo
from typing import Any, TypeAlias

from pypedream.errors import PypedreamError
from pypedream.worker.allowlist import NO_TYPES, TypeAllowlist, is_safe_path
from pypedream.worker.sameness import first_difference, instance_state

__all__ = [
    "MAX_DEPTH",
    "PREFIX",
    "UnsupportedValueError",
    "UntrustedValueError",
    "decode",
    "encode",
    "from_tree",
    "is_encoded",
    "to_tree",
]

PREFIX = "pypedream:v1:"
"""Starts every encoded string. Not valid JSON, so no XCom backend parses it a second time."""

MAX_DEPTH = 100
"""Containers nested deeper than this are refused (both ways), well before Python's limit."""

_TAG = "__pypedream__"
_BIG_INT_BITS = 10_000  # above this, ints travel as hex: str(int) stops at 4,300 digits
_PATHS = {
    cls.__name__: cls
    for cls in (
        pathlib.PurePath,
        pathlib.PurePosixPath,
        pathlib.PureWindowsPath,
        pathlib.Path,
        pathlib.PosixPath,
        pathlib.WindowsPath,
    )
}
_NUMPY_SCALAR_KINDS = frozenset("biufcmMSU")  # fixed-size, no objects: carried as raw bytes
_JSON_SCALARS = frozenset({type(None), bool, int, float, str})
_HASHING_MODULES = frozenset({"builtins", "datetime", "decimal", "enum", "pathlib", "uuid"})


class UnsupportedValueError(TypeError):
    """A value (or something inside it) has a type pypedream cannot carry between tasks."""

    def __init__(self, path: str, value: Any, why: str = "") -> None:
        self.path = path
        self.why = why
        self.type_name = f"{type(value).__module__}.{type(value).__qualname__}"
        reason = f": {why}" if why else ""
        super().__init__(f"value at {path or 'top level'} has type {self.type_name}{reason}")


class UntrustedValueError(PypedreamError, ValueError):
    """An encoded value is malformed or names a class the allowlist does not admit.

    Raised before anything it names is imported or called.
    """

    def __init__(self, path: _Path, why: str) -> None:
        self.path = _render(path)
        self.why = why
        super().__init__(f"refused encoded value at {self.path or 'top level'}: {why}")


def to_tree(value: Any, allow: TypeAllowlist = NO_TYPES) -> Any:
    """`value` as JSON-ready data (lists, str-keyed dicts, scalars) that `from_tree` inverts.

    User enums, dataclasses and namedtuples must be admitted by `allow`.
    """
    try:
        return _Encoder(allow).tree(value, "", 0)
    except RecursionError:  # deep nesting inside an object the codec does not walk itself
        raise UnsupportedValueError("", value, "nested too deeply") from None


def from_tree(tree: Any, allow: TypeAllowlist = NO_TYPES) -> Any:
    """Inverse of `to_tree`; raises UntrustedValueError for anything `allow` does not admit."""
    try:
        return _Decoder(allow).value(tree, "", 0)
    except RecursionError:
        raise UntrustedValueError("", "nested too deeply") from None


def encode(value: Any, allow: TypeAllowlist = NO_TYPES) -> str:
    """Encode `value` into a string that `decode` turns back into the same value."""
    return PREFIX + dump_json(to_tree(value, allow))


def decode(text: str, allow: TypeAllowlist = NO_TYPES) -> Any:
    """Inverse of `encode`."""
    if not is_encoded(text):
        raise UntrustedValueError("", f"not a pypedream-encoded value: {text[:40]!r}")
    return from_tree(load_json(text[len(PREFIX) :]), allow)


def is_encoded(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def dump_json(tree: Any) -> str:
    """The compact JSON text of a tree (json writes floats with repr: exact, nan/inf too)."""
    return json.dumps(tree, separators=(",", ":"))  # ASCII: lone surrogates survive any DB


def load_json(text: str) -> Any:
    """Parse untrusted JSON text; every failure is an UntrustedValueError."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as problem:  # bad JSON, a huge int literal, too deep
        raise UntrustedValueError(
            "", f"not valid JSON ({type(problem).__name__}: {problem})"
        ) from None


_Path: TypeAlias = "str | tuple[_Path, object]"


def _render(path: _Path) -> str:
    """A decoder path, kept as (parent, index or key) pairs until an error needs its text."""
    segments = []
    while isinstance(path, tuple):
        path, segment = path
        segments.append(f"[{segment!r}]")
    return str(path) + "".join(reversed(segments))


def _tagged(kind: str, payload: Any) -> dict[str, Any]:
    return {_TAG: kind, "v": payload}


# -- encoding -------------------------------------------------------------------------------
class _Encoder:
    def __init__(self, allow: TypeAllowlist) -> None:
        self.allow = allow
        self.active: set[int] = set()  # ids of the containers on the current path

    def tree(self, value: Any, path: str, depth: int) -> Any:
        kind = type(value)
        if value is None or kind is bool or kind is str or kind is float:
            return value
        if kind is int:
            if value.bit_length() > _BIG_INT_BITS:
                return _tagged("int", format(value, "x"))
            return value
        if depth >= MAX_DEPTH:
            raise UnsupportedValueError(
                path, value, f"nested deeper than {MAX_DEPTH} levels; flatten the value"
            )
        if id(value) in self.active:
            raise UnsupportedValueError(path, value, "it contains itself")
        self.active.add(id(value))
        try:
            return self._composite(value, kind, path, depth + 1)
        finally:
            self.active.discard(id(value))

    def _items(self, items: Any, path: str, depth: int, *, keyed: bool = False) -> list[Any]:
        out = []
        for index, item in enumerate(items):
            out.append(self.tree(item, f"{path}<item>" if keyed else f"{path}[{index}]", depth))
        return out

    def _composite(self, value: Any, kind: type, path: str, depth: int) -> Any:
        if kind is list:
            return self._items(value, path, depth)
        if kind is dict:
            if _TAG not in value and all(type(k) is str for k in value):
                return {k: self.tree(v, f"{path}[{k!r}]", depth) for k, v in value.items()}
            pairs = []
            for k, v in value.items():
                _check_hashing(k, f"{path}<key>")
                pairs.append(
                    [self.tree(k, f"{path}<key>", depth), self.tree(v, f"{path}[{k!r}]", depth)]
                )
            return _tagged("dict", pairs)
        if kind is tuple:
            return _tagged("tuple", self._items(value, path, depth))
        if kind is set or kind is frozenset:
            for item in value:
                _check_hashing(item, f"{path}<item>")
            return _tagged(kind.__name__, self._items(value, path, depth, keyed=True))
        if kind is dt.datetime or kind is dt.time:
            zone = self._zone(value.tzinfo, path, value)
            return _tagged(kind.__name__, [value.isoformat(), zone, value.fold])
        if kind is dt.date:
            return _tagged("date", value.isoformat())
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
        if _PATHS.get(kind.__name__) is kind:
            return _tagged("path", [kind.__name__, str(value)])
        if isinstance(value, enum.Enum):
            return self._enum(value, kind, path, depth)
        if dataclasses.is_dataclass(value):
            ref = self._ref(kind, path, value)
            _check_plain_layout(kind, path, value)
            state = instance_state(value)
            if not all(type(name) is str and is_safe_path(name) for name in state):
                raise UnsupportedValueError(
                    path, value, "it has an attribute whose name is not an identifier"
                )
            fields = {
                name: self.tree(item, f"{path}.{name}", depth) for name, item in state.items()
            }
            return _tagged("dataclass", [ref, fields])
        if isinstance(value, tuple) and _is_namedtuple(kind):
            ref = self._ref(kind, path, value)
            if getattr(value, "__dict__", None):
                raise UnsupportedValueError(path, value, "a namedtuple with instance attributes")
            return _tagged("namedtuple", [ref, self._items(value, path, depth)])
        module = kind.__module__.split(".")[0]
        if module == "pandas" and kind.__name__ in ("DataFrame", "Series"):
            return self._pandas(value, kind, path, depth)
        if module == "numpy":
            return self._numpy(value, kind, path)
        raise UnsupportedValueError(path, value)

    def _ref(self, cls: type, path: str, value: Any) -> str:
        module, qualname = cls.__module__, cls.__qualname__
        if module == "__main__" or not is_safe_path(qualname):
            raise UnsupportedValueError(
                path,
                value,
                f"{qualname} is defined in {module} or a local scope; "
                "define it in an importable module",
            )
        if not self.allow.allows(module, qualname):
            raise UnsupportedValueError(
                path,
                value,
                f"{module}.{qualname} is not in the pipeline's type allowlist "
                f"({self.allow.describe()}); add it with AirflowOptions(allowed_types=...)",
            )
        return f"{module}:{qualname}"

    def _enum(self, value: enum.Enum, kind: type, path: str, depth: int) -> Any:
        ref = self._ref(kind, path, value)
        name = value._name_
        if name is not None and vars(kind)["_member_map_"].get(name) is value:
            return _tagged("enum", [ref, name])
        if isinstance(value, enum.Flag) and type(value._value_) is int:
            return _tagged("flag", [ref, value._value_])
        raise UnsupportedValueError(path, value, "an enum value that is not one of its members")

    def _zone(self, tz: Any, path: str, value: Any) -> Any:
        if tz is None:
            return None
        if type(tz) is zoneinfo.ZoneInfo:
            return tz.key
        if type(tz) is dt.timezone:
            offset, *name = tz.__getinitargs__()  # type: ignore[attr-defined]
            return {
                "offset": [offset.days, offset.seconds, offset.microseconds],
                "name": (name or [None])[0],
            }
        raise UnsupportedValueError(
            path,
            value,
            f"its tzinfo {type(tz).__qualname__} cannot be carried; use zoneinfo.ZoneInfo "
            "or datetime.timezone",
        )

    def _pandas(self, value: Any, kind: type, path: str, depth: int) -> Any:
        payload: dict[str, Any] = {"attrs": self.tree(dict(value.attrs), f"{path}.attrs", depth)}
        frame = value
        if kind.__name__ == "Series":
            payload["name"] = self.tree(value.name, f"{path}.name", depth)
            frame = value.to_frame(name="__pypedream_series__")
        else:
            columns = value.columns
            if type(columns).__name__ == "RangeIndex":  # arrow gives an Index of int64 back
                name = self.tree(columns.name, f"{path}.columns.name", depth)
                payload["range_columns"] = [columns.start, columns.stop, columns.step, name]
        index = value.index
        levels = getattr(index, "levels", [index])
        # arrow gives object-dtype string labels back as pandas' str dtype
        payload["object_levels"] = [i for i, level in enumerate(levels) if level.dtype == object]
        payload["arrow"] = _arrow_bytes(frame, path, value)
        tagged = _tagged(f"pandas.{kind.__name__}", payload)
        try:  # pyarrow changes some frames (mixed object columns, ...): refuse those
            back = _Decoder(self.allow).value(json.loads(json.dumps(tagged)), path, depth)
        except Exception as problem:
            raise UnsupportedValueError(
                path, value, f"pyarrow cannot carry it: {problem}"
            ) from None
        difference = first_difference(value, back, path=path)
        if difference is not None:
            raise UnsupportedValueError(
                path, value, f"pyarrow does not carry it exactly ({difference})"
            )
        return tagged

    def _numpy(self, value: Any, kind: type, path: str) -> Any:
        import numpy as np

        if kind is np.ndarray:
            if value.dtype.hasobject:
                raise UnsupportedValueError(path, value, "object arrays cannot be carried safely")
            sink = io.BytesIO()
            np.save(sink, value, allow_pickle=False)
            return _tagged("numpy.ndarray", base64.b64encode(sink.getvalue()).decode("ascii"))
        if isinstance(value, np.generic) and value.dtype.kind in _NUMPY_SCALAR_KINDS:
            dtype = value.dtype
            data = base64.b64encode(value.tobytes()).decode("ascii")
            return _tagged("numpy.generic", [dtype.str, data])  # bit for bit, NaN payloads too
        raise UnsupportedValueError(path, value)


def _arrow_bytes(frame: Any, path: str, value: Any) -> str:
    try:
        import pyarrow as pa
    except ImportError as missing:
        raise UnsupportedValueError(
            path, value, "install pyarrow to carry pandas objects"
        ) from missing
    try:
        table = pa.Table.from_pandas(frame, preserve_index=None)
    except Exception as problem:  # ArrowInvalid, ArrowTypeError, ...
        raise UnsupportedValueError(path, value, f"pyarrow cannot carry it: {problem}") from None
    sink = io.BytesIO()
    batches = table.to_batches()
    if not batches:  # an empty table has no batch, but categories live in one: write it
        arrays = [c.chunks[0] if c.num_chunks else pa.array([], c.type) for c in table.columns]
        batches = [pa.RecordBatch.from_arrays(arrays, schema=table.schema)]
    with pa.ipc.new_stream(sink, table.schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return base64.b64encode(sink.getvalue()).decode("ascii")


def _is_namedtuple(cls: type) -> bool:
    return any(isinstance(vars(k).get("_fields"), tuple) for k in cls.__mro__[:-2])


def _check_plain_layout(cls: type, path: str, value: Any) -> None:
    for base in cls.__mro__[1:-1]:
        if base.__module__ == "builtins":
            raise UnsupportedValueError(path, value, f"a dataclass built on {base.__name__}")


# -- decoding -------------------------------------------------------------------------------
class _Decoder:
    def __init__(self, allow: TypeAllowlist) -> None:
        self.allow = allow

    def value(self, tree: Any, path: _Path, depth: int) -> Any:
        kind = type(tree)
        if kind in _JSON_SCALARS:
            return tree
        if depth >= MAX_DEPTH:
            raise UntrustedValueError(path, f"nested deeper than {MAX_DEPTH} levels")
        depth += 1
        if kind is list:  # scalars inline: most of a large value
            return [
                item if type(item) in _JSON_SCALARS else self.value(item, (path, i), depth)
                for i, item in enumerate(tree)
            ]
        if kind is not dict:
            raise UntrustedValueError(path, f"unexpected JSON type {kind.__name__}")
        tag = tree.get(_TAG)
        if tag is None:
            return {
                k: v if type(v) in _JSON_SCALARS else self.value(v, (path, k), depth)
                for k, v in tree.items()
            }
        if set(tree) != {_TAG, "v"} or type(tag) is not str:
            raise UntrustedValueError(path, "malformed tagged value")
        if tag not in _KINDS:
            raise UntrustedValueError(
                path, f"unknown encoded type {tag[:40]!r}; was it written by a newer pypedream?"
            )
        build = getattr(self, "_" + tag.replace(".", "_"))
        try:
            return build(tree["v"], path, depth)
        except UntrustedValueError:
            raise
        except RecursionError:
            raise UntrustedValueError(path, "nested too deeply") from None
        except Exception as problem:  # a constructor refused the payload
            raise UntrustedValueError(
                path, f"malformed {tag!r} value ({type(problem).__name__}: {problem})"
            ) from None

    def _items(self, payload: Any, path: _Path, depth: int) -> list[Any]:
        if type(payload) is not list:
            raise UntrustedValueError(path, "expected a list")
        return [self.value(item, (path, i), depth) for i, item in enumerate(payload)]

    def _int(self, payload: Any, path: _Path, depth: int) -> int:
        if type(payload) is not str:
            raise UntrustedValueError(path, "expected a hex string")
        return int(payload, 16)

    def _dict(self, payload: Any, path: _Path, depth: int) -> dict[Any, Any]:
        out = {}
        for pair in self._items(payload, path, depth):
            if type(pair) is not list or len(pair) != 2:
                raise UntrustedValueError(path, "expected [key, value] pairs")
            _check_hashing(pair[0], f"{_render(path)}<key>", untrusted=True)
            out[pair[0]] = pair[1]
        return out

    def _tuple(self, payload: Any, path: _Path, depth: int) -> tuple[Any, ...]:
        return tuple(self._items(payload, path, depth))

    def _members(self, payload: Any, path: _Path, depth: int) -> list[Any]:
        items = self._items(payload, path, depth)
        for item in items:
            _check_hashing(item, f"{_render(path)}<item>", untrusted=True)
        return items

    def _set(self, payload: Any, path: _Path, depth: int) -> set[Any]:
        return set(self._members(payload, path, depth))

    def _frozenset(self, payload: Any, path: _Path, depth: int) -> frozenset[Any]:
        return frozenset(self._members(payload, path, depth))

    def _datetime(self, payload: Any, path: _Path, depth: int) -> dt.datetime:
        text, zone, fold = payload
        value = dt.datetime.fromisoformat(_str(text, path))
        if zone is not None or value.tzinfo is not None:
            value = value.replace(tzinfo=self._zone(zone, value.tzinfo, path))
        return value.replace(fold=_fold(fold, path))

    def _time(self, payload: Any, path: _Path, depth: int) -> dt.time:
        if type(payload) is str:  # written before zones were carried
            return dt.time.fromisoformat(payload)
        text, zone, fold = payload
        value = dt.time.fromisoformat(_str(text, path))
        if zone is not None or value.tzinfo is not None:
            value = value.replace(tzinfo=self._zone(zone, value.tzinfo, path))
        return value.replace(fold=_fold(fold, path))

    def _zone(self, zone: Any, parsed: Any, path: _Path) -> Any:
        if zone is None:
            return parsed
        if type(zone) is str:
            return zoneinfo.ZoneInfo(zone)
        if type(zone) is dict and set(zone) == {"offset", "name"}:
            days, seconds, micros = (_int_value(x, path) for x in zone["offset"])
            offset = dt.timedelta(days=days, seconds=seconds, microseconds=micros)
            name = zone["name"]
            return dt.timezone(offset) if name is None else dt.timezone(offset, _str(name, path))
        raise UntrustedValueError(path, "malformed time zone")

    def _date(self, payload: Any, path: _Path, depth: int) -> dt.date:
        return dt.date.fromisoformat(_str(payload, path))

    def _timedelta(self, payload: Any, path: _Path, depth: int) -> dt.timedelta:
        days, seconds, micros = (_int_value(x, path) for x in payload)
        return dt.timedelta(days=days, seconds=seconds, microseconds=micros)

    def _decimal(self, payload: Any, path: _Path, depth: int) -> decimal.Decimal:
        return decimal.Decimal(_str(payload, path))

    def _uuid(self, payload: Any, path: _Path, depth: int) -> uuid.UUID:
        return uuid.UUID(_str(payload, path))

    def _bytes(self, payload: Any, path: _Path, depth: int) -> bytes:
        return base64.b64decode(_str(payload, path), validate=True)

    def _complex(self, payload: Any, path: _Path, depth: int) -> complex:
        real, imag = payload
        if type(real) is not float or type(imag) is not float:
            raise UntrustedValueError(path, "expected two floats")
        return complex(real, imag)

    def _path(self, payload: Any, path: _Path, depth: int) -> pathlib.PurePath:
        name, text = payload
        cls = _PATHS.get(_str(name, path))
        if cls is None:
            raise UntrustedValueError(path, f"unknown path class {name!r}")
        return cls(_str(text, path))

    def _enum(self, payload: Any, path: _Path, depth: int) -> enum.Enum:
        ref, name = payload
        cls = self._class(ref, path, "enum")
        member = vars(cls)["_member_map_"].get(_str(name, path))
        if not isinstance(member, enum.Enum) or not isinstance(member, cls):
            raise UntrustedValueError(path, f"{ref} has no member {name!r}")
        return member

    def _flag(self, payload: Any, path: _Path, depth: int) -> enum.Flag:
        ref, number = payload
        cls = self._class(ref, path, "flag")
        member = cls(_int_value(number, path))
        if not isinstance(member, enum.Flag) or not isinstance(member, cls):
            raise UntrustedValueError(path, f"{ref} has no value {number!r}")
        return member

    def _dataclass(self, payload: Any, path: _Path, depth: int) -> Any:
        ref, fields = payload
        cls = self._class(ref, path, "dataclass")
        if type(fields) is not dict or _TAG in fields:
            raise UntrustedValueError(path, "malformed dataclass state")
        slots = _slot_names(cls)
        instance: Any = object.__new__(cls)
        state = object.__getattribute__(instance, "__dict__") if "__dict__" in slots else None
        for name, item in fields.items():
            if not is_safe_path(name):
                raise UntrustedValueError(path, f"attribute name {name!r}")
            value = self.value(item, f"{_render(path)}.{name}", depth)
            if name in slots:
                object.__setattr__(instance, name, value)  # the slot's own descriptor
            elif state is not None:
                state[name] = value
            else:
                raise UntrustedValueError(path, f"{ref} has no attribute {name!r}")
        return instance

    def _namedtuple(self, payload: Any, path: _Path, depth: int) -> tuple[Any, ...]:
        ref, items = payload
        cls = self._class(ref, path, "namedtuple")
        values = self._items(items, path, depth)
        fields = next(vars(k)["_fields"] for k in cls.__mro__ if "_fields" in vars(k))
        if len(values) != len(fields):
            raise UntrustedValueError(path, f"{ref} takes {len(fields)} items, got {len(values)}")
        return tuple.__new__(cls, values)

    def _pandas_DataFrame(self, payload: Any, path: _Path, depth: int) -> Any:
        if type(payload) is str:  # written before names and attrs were carried
            return _arrow_frame(payload)
        frame = self._frame(payload, path, depth)
        if "range_columns" in payload:
            import pandas as pd

            start, stop, step, name = payload["range_columns"]
            steps = (_int_value(start, path), _int_value(stop, path), _int_value(step, path))
            frame.columns = pd.RangeIndex(*steps, name=self.value(name, path, depth))
        return frame

    def _pandas_Series(self, payload: Any, path: _Path, depth: int) -> Any:
        if type(payload) is str:
            return _arrow_frame(payload).iloc[:, 0]
        series = self._frame(payload, path, depth).iloc[:, 0]
        series.name = self.value(payload["name"], f"{_render(path)}.name", depth)
        series.attrs = self._attrs(payload["attrs"], path, depth)
        return series

    def _frame(self, payload: Any, path: _Path, depth: int) -> Any:
        if type(payload) is not dict:
            raise UntrustedValueError(path, "malformed pandas payload")
        frame = _arrow_frame(_str(payload["arrow"], path))
        frame.attrs = self._attrs(payload["attrs"], path, depth)
        objects = payload.get("object_levels") or []
        if objects:
            index = frame.index
            if hasattr(index, "levels"):
                levels = [
                    level.astype(object) if i in objects else level
                    for i, level in enumerate(index.levels)
                ]
                frame.index = index.set_levels(levels)
            else:
                frame.index = index.astype(object)
        return frame

    def _attrs(self, tree: Any, path: _Path, depth: int) -> dict[Any, Any]:
        attrs = self.value(tree, f"{_render(path)}.attrs", depth)
        if type(attrs) is not dict:
            raise UntrustedValueError(path, "malformed attrs")
        return attrs

    def _numpy_ndarray(self, payload: Any, path: _Path, depth: int) -> Any:
        import numpy as np

        data = base64.b64decode(_str(payload, path), validate=True)
        return np.load(io.BytesIO(data), allow_pickle=False)

    def _numpy_generic(self, payload: Any, path: _Path, depth: int) -> Any:
        import numpy as np

        name, data = payload
        dtype = _numpy_dtype(name, path)
        return np.frombuffer(base64.b64decode(_str(data, path), validate=True), dtype=dtype)[0]

    def _numpy_scalar(self, payload: Any, path: _Path, depth: int) -> Any:
        """Written before scalars travelled as raw bytes: `[dtype, item]`."""
        name, item = payload
        dtype = _numpy_dtype(name, path)
        item = self.value(item, path, depth)
        if type(item) not in (bool, int, float, complex, str, bytes):
            raise UntrustedValueError(path, "malformed numpy scalar")
        return dtype.type(item)

    def _class(self, ref: Any, path: _Path, kind: str) -> type:
        """The class `module:QualName` after the allowlist admits it, checked to be a `kind`."""
        if type(ref) is not str or ref.count(":") != 1:
            raise UntrustedValueError(path, f"malformed class reference {str(ref)[:80]!r}")
        module_name, qualname = ref.split(":")
        if not self.allow.allows(module_name, qualname):
            raise UntrustedValueError(
                path,
                f"class {module_name}.{qualname} is not in the type allowlist "
                f"({self.allow.describe()}); nothing was imported",
            )
        module = sys.modules.get(module_name)
        if module is None:
            try:
                module = importlib.import_module(module_name)
            except ImportError as problem:
                raise UntrustedValueError(
                    path, f"cannot import {module_name!r}: {problem}"
                ) from None
        target: Any = module
        for part in qualname.split("."):
            target = vars(target).get(part)
            if not isinstance(target, type):
                raise UntrustedValueError(path, f"{module_name}.{qualname} is not a class")
        if not isinstance(target, type) or not _is_kind(target, kind):
            raise UntrustedValueError(path, f"{module_name}.{qualname} is not a {kind} class")
        return target


def _is_kind(cls: type, kind: str) -> bool:
    if kind == "enum":
        return issubclass(cls, enum.Enum) and isinstance(vars(cls).get("_member_map_"), dict)
    if kind == "flag":
        return issubclass(cls, enum.Flag)
    if kind == "dataclass":
        if not dataclasses.is_dataclass(cls):
            return False
        return all(base.__module__ != "builtins" for base in cls.__mro__[1:-1])
    if kind == "namedtuple":
        return issubclass(cls, tuple) and _is_namedtuple(cls)
    return False


def _slot_names(cls: type) -> set[str]:
    """Every slot of `cls`, with "__dict__" when its instances have a `__dict__`."""
    names: set[str] = set()
    for klass in cls.__mro__[:-1]:
        if "__slots__" not in vars(klass):
            names.add("__dict__")  # a class without __slots__ gives its instances a __dict__
        slots = vars(klass).get("__slots__", ())
        names.update((slots,) if isinstance(slots, str) else slots)
    return names


def _check_hashing(value: Any, path: _Path, *, untrusted: bool = False) -> None:
    """Refuse dict keys and set members whose hashing or equality runs a class's own code."""
    kind = type(value)
    for method in ("__hash__", "__eq__"):
        owner = next((k for k in kind.__mro__ if method in vars(k)), object)
        module = owner.__module__
        if module not in _HASHING_MODULES and module.split(".")[0] != "numpy":
            why = (
                f"{kind.__qualname__} hashes or compares with its own {method}; only plain values "
                "(no dataclasses) can be dict keys or set members"
            )
            if untrusted:
                raise UntrustedValueError(path, why)
            raise UnsupportedValueError(_render(path), value, why)
    if isinstance(value, (tuple, frozenset)):
        for item in value:
            _check_hashing(item, path, untrusted=untrusted)


def _numpy_dtype(name: Any, path: _Path) -> Any:
    import numpy as np

    dtype = np.dtype(_str(name, path))
    if dtype.kind not in _NUMPY_SCALAR_KINDS or dtype.hasobject:
        raise UntrustedValueError(path, f"numpy scalar type {name!r}")
    return dtype


def _arrow_frame(data: str) -> Any:
    import pyarrow as pa

    reader = pa.ipc.open_stream(base64.b64decode(data, validate=True))
    return reader.read_all().to_pandas()


def _str(value: Any, path: _Path) -> str:
    if type(value) is not str:
        raise UntrustedValueError(path, f"expected a string, got {type(value).__name__}")
    return value


def _int_value(value: Any, path: _Path) -> int:
    if type(value) is not int:
        raise UntrustedValueError(path, f"expected an int, got {type(value).__name__}")
    return value


def _fold(value: Any, path: _Path) -> int:
    if value not in (0, 1) or type(value) is not int:
        raise UntrustedValueError(path, "malformed fold")
    return value


_KINDS = frozenset(
    {
        "int",
        "dict",
        "tuple",
        "set",
        "frozenset",
        "datetime",
        "time",
        "date",
        "timedelta",
        "decimal",
        "uuid",
        "bytes",
        "complex",
        "path",
        "enum",
        "flag",
        "dataclass",
        "namedtuple",
        "pandas.DataFrame",
        "pandas.Series",
        "numpy.ndarray",
        "numpy.scalar",
        "numpy.generic",
    }
)
