"""Writes to the terminal that a live progress line can share with log output."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import IO

_lock = threading.RLock()
_before: Callable[[], None] | None = None
_after: Callable[[], None] | None = None


def write_console(stream: IO[str], text: str) -> None:
    """Write `text`, letting an active progress display clear and redraw itself around it."""
    with _lock:
        if _before is not None:
            _before()
        stream.write(text)
        stream.flush()
        if _after is not None:
            _after()


def set_console_hooks(before: Callable[[], None] | None, after: Callable[[], None] | None) -> None:
    """Install (or remove, with None) the hooks a progress display uses."""
    global _before, _after
    with _lock:
        _before, _after = before, after


def console_lock() -> threading.RLock:
    return _lock
