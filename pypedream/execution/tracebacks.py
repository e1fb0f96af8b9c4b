"""Tracebacks as a user wants them: without pypedream's own frames (and importlib's)."""

from __future__ import annotations

import importlib
import traceback
from pathlib import Path
from typing import IO, Any

__all__ = ["format_traceback", "write_user_traceback"]

_PACKAGE = Path(__file__).resolve().parent.parent
_RUNTIME_DIRS = {  # pypedream and its areas (not pypedream.examples), importlib
    _PACKAGE,
    *(_PACKAGE / area for area in ("cli", "definition", "execution", "worker", "views")),
    Path(importlib.__file__).resolve().parent,
}


def write_user_traceback(stream: IO[str], exc_info: Any) -> None:
    """A structlog `exception_formatter`: the traceback without pypedream's frames."""
    error = exc_info[1] if isinstance(exc_info, tuple) else exc_info
    if isinstance(error, BaseException):
        stream.write("\n" + format_traceback(error, max_lines=None, indent=""))


def format_traceback(error: BaseException, max_lines: int | None = 12, indent: str = "    ") -> str:
    """The traceback of `error` without pypedream's own frames, its last `max_lines` lines."""
    summary = traceback.TracebackException.from_exception(error)
    _drop_runtime_frames(summary, set())
    lines = "".join(summary.format()).rstrip("\n").splitlines()
    if max_lines is not None and len(lines) > max_lines:
        hidden = len(lines) - max_lines
        lines = [f"... ({hidden} earlier lines)", *lines[-max_lines:]]
    return "\n".join(f"{indent}{line}" for line in lines)


def _drop_runtime_frames(summary: traceback.TracebackException, seen: set[int]) -> None:
    """Remove frames of pypedream's runtime and importlib (keep all when that empties it)."""
    if id(summary) in seen:
        return
    seen.add(id(summary))
    kept = [frame for frame in summary.stack if not _is_runtime(frame.filename)]
    if kept:
        summary.stack = traceback.StackSummary.from_list(kept)
    for chained in (summary.__cause__, summary.__context__):
        if chained is not None:
            _drop_runtime_frames(chained, seen)


def _is_runtime(filename: str) -> bool:
    if filename.startswith("<frozen importlib"):
        return True
    return Path(filename).resolve().parent in _RUNTIME_DIRS
