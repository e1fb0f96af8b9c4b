"""Short, user-focused error text: failed stages and tracebacks without pypedream's frames."""

from __future__ import annotations

import importlib
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypedream.execution.result import RunResult

__all__ = ["MAX_TRACEBACK_LINES", "format_failures", "format_traceback"]

MAX_TRACEBACK_LINES = 12

_PACKAGE = Path(__file__).resolve().parent.parent
_RUNTIME_DIRS = {  # pypedream and its areas (not pypedream.examples), importlib
    _PACKAGE,
    *(_PACKAGE / area for area in ("cli", "definition", "execution", "worker")),
    Path(importlib.__file__).resolve().parent,
}


def format_failures(result: RunResult) -> str:
    """Each failed stage: its error, then the tail of its traceback, indented."""
    blocks = []
    for key in result.failed:
        stage = result.stages[key]
        noun = "attempt" if stage.attempts == 1 else "attempts"
        headline = f"stage {key!r} failed after {stage.attempts} {noun}"
        if stage.error is None:  # pragma: no cover - a failed stage always carries its error
            blocks.append(headline)
            continue
        body = format_traceback(stage.error)
        blocks.append(f"{headline}: {type(stage.error).__name__}: {stage.error}\n{body}")
    return "\n".join(blocks)


def format_traceback(error: BaseException, max_lines: int = MAX_TRACEBACK_LINES) -> str:
    """The traceback of `error` without pypedream's own frames, its last `max_lines` lines."""
    summary = traceback.TracebackException.from_exception(error)
    _drop_runtime_frames(summary, set())
    lines = "".join(summary.format()).rstrip("\n").splitlines()
    if len(lines) > max_lines:
        hidden = len(lines) - max_lines
        lines = [f"... ({hidden} earlier lines)", *lines[-max_lines:]]
    return "\n".join(f"    {line}" for line in lines)


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
