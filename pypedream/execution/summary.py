"""Plain-text run summary: one row a stage, then the verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypedream.execution.result import RunResult

_MAX_NOTE = 70


def render_summary(result: RunResult) -> str:
    """A fixed-width table of every stage's status, attempts and duration, then the verdict."""
    rows = [("stage", "status", "attempts", "duration", "note")]
    for key, stage in result.stages.items():
        note = stage.reason or ""
        if stage.error is not None and not isinstance(stage.error, KeyboardInterrupt):
            note = f"{type(stage.error).__name__}: {stage.error}"
        note = note.splitlines()[0] if note else ""
        if len(note) > _MAX_NOTE:
            note = note[: _MAX_NOTE - 1] + "…"
        rows.append((key, stage.shown_status, str(stage.attempts), f"{stage.duration:.3f}s", note))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=False))
        + "  "
        + row[4]
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths) + "  ----")
    counts = ", ".join(f"{n} {status}" for status, n in result.counts().items() if n)
    verdict = "INTERRUPTED" if result.interrupted else "OK" if result.ok else "FAILED"
    lines.append("")
    lines.append(
        f"{verdict}: pipeline {result.pipeline!r} run {result.run_id}: {counts} "
        f"in {result.duration:.3f}s"
    )
    if result.log_file:
        lines.append(f"log: {result.log_file}")
    if result.log_problem:
        lines.append(f"log problem: {result.log_problem}")
    return result.redact_text("\n".join(line.rstrip() for line in lines))
