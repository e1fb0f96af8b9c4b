"""Crafted value trees that the old decoder turned into running code (test material)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any


def tag(kind: str, payload: Any) -> dict[str, Any]:
    return {"__pypedream__": kind, "v": payload}


def file_closer(victim: Path) -> dict[str, Any]:
    """Two standard-library classes that the old decoder chained into deleting `victim` when
    the value was garbage-collected (tempfile's closer calls os.unlink on its name)."""
    stringio = tag("dataclass", ["io:StringIO", {}])
    state = {"file": stringio, "name": str(victim), "delete": True, "close_called": False}
    return tag("dataclass", ["tempfile:_TemporaryFileCloser", state])


def shell_command(command: str) -> dict[str, Any]:
    """Standard-library objects that the old decoder chained into running `command` in a shell
    when the value was garbage-collected: `_pyio.BufferedWriter.__del__` flushes its buffer
    into `raw.write`, here `os.system` reached through the dunder path `os:__dict__`."""
    system = tag("enum", ["os:__dict__", "system"])
    raw = tag("dataclass", ["types:SimpleNamespace", {"write": system, "closed": False}])
    lock = tag("dataclass", ["contextlib:nullcontext", {"enter_result": None}])
    buffer = tag("bytes", base64.b64encode(command.encode()).decode())
    state = {"_raw": raw, "_write_lock": lock, "_write_buf": buffer}
    return tag("dataclass", ["_pyio:BufferedWriter", state])
