"""Writes to the terminal that a live progress line can share with log output."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import IO

_lock = threading.RLock()
_before: Callable[[], None] | None = None
_after: Callable[[], None] | None = None


def write_console(stream: IO[str], text: str) -> None:
    """Write `text`, letting an active progress display clear and redraw itself around it.

    A Jupyter kernel's stream is not flushed per line: it sends what was written every 0.2 s
    and when the cell ends, so a run's console log arrives as one block in the cell output
    instead of one block a line.
    """
    with _lock:
        if _before is not None:
            _before()
        stream.write(text)
        if not _batches_itself(stream):
            stream.flush()
        if _after is not None:
            _after()


def _batches_itself(stream: IO[str]) -> bool:
    return type(stream).__module__.startswith("ipykernel.")


def set_console_hooks(before: Callable[[], None] | None, after: Callable[[], None] | None) -> None:
    """Install (or remove, with None) the hooks a progress display uses."""
    global _before, _after
    with _lock:
        _before, _after = before, after


def console_lock() -> threading.RLock:
    return _lock
