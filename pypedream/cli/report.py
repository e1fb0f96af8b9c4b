"""Short, user-focused error text: failed stages and tracebacks without pypedream's frames."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypedream.execution.tracebacks import format_traceback

if TYPE_CHECKING:
    from pypedream.execution.result import RunResult

__all__ = ["MAX_TRACEBACK_LINES", "format_failures", "format_traceback"]

MAX_TRACEBACK_LINES = 12


def format_failures(result: RunResult) -> str:
    """Each failed stage: its error, then the tail of its traceback (pypedream's frames out)."""
    blocks = []
    for key in result.failed:
        stage = result.stages[key]
        noun = "attempt" if stage.attempts == 1 else "attempts"
        headline = f"stage {key!r} failed after {stage.attempts} {noun}"
        if stage.error is None:  # pragma: no cover - a failed stage always carries its error
            blocks.append(headline)
            continue
        if isinstance(stage.error, KeyboardInterrupt):
            blocks.append(f"stage {key!r} was interrupted while running (Ctrl-C)")
            continue
        body = format_traceback(stage.error, MAX_TRACEBACK_LINES)
        blocks.append(f"{headline}: {type(stage.error).__name__}: {stage.error}\n{body}")
    return result.redact_text("\n".join(blocks))
