"""Airflow's output during ``dag.test()``: capture it, cut it per task, find the exception.

Standard library only: the runner imports this inside Airflow environments.
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["last_exception", "output_to", "skip_reason", "split_task_logs"]

# `dag.test()` brackets every task with these lines, on 2.11 and 3.x alike.
_TASK_START = re.compile(r"\[DAG TEST\] starting task_id=(\S+) map_index=(-?\d+)")
_TASK_END = re.compile(r"\[DAG TEST\] end task task_id=\S+ map_index=-?\d+")
# Where Airflow's log lines start: "2026-11-25T14:42:25.04Z [error" (3.x), "[2026-11-25T" (2.x).
_LOG_LINE = re.compile(r"^\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


def last_exception(log: str) -> str | None:
    """The exception line(s) closing the last traceback in ``log``, without the frames.

    A task run in a child process (Airflow 3's supervisor) logs no traceback but a structured
    ``error_detail=[...]``: its outermost exception is read instead, as ``Type: message``.
    """
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call")]
    if not starts:
        return _structured_exception(lines)
    found: list[str] = []
    for line in lines[starts[-1] + 1 :]:
        if found and (_LOG_LINE.match(line) or line.startswith("[DAG TEST]")):
            break
        if not found and (not line or line[0].isspace()):
            continue  # a frame or its source line
        found.append(line)
    return "\n".join(found).strip() or None


# "Skipping task. reason=..." (3.x structured log), or 2.x's line before "Marking task as SKIPPED".
_SKIP_3 = re.compile(r"Skipping task\.?\s.*?reason=(?:'(?P<a>[^']*)'|\"(?P<b>[^\"]*)\"|(?P<c>\S*))")
_SKIP_2_PREFIX = re.compile(r"^\[[^\]]+\] \{[^}]+\} INFO - ")  # "[date] {file.py:1} INFO - "


def skip_reason(log: str) -> str | None:
    """The message of the skip exception that ended the task, read from its log, or None."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if match := _SKIP_3.search(line):
            return match["a"] if match["a"] is not None else (match["b"] or match["c"])
        if "Marking task as SKIPPED" in line:
            before = (_SKIP_2_PREFIX.sub("", text).strip() for text in reversed(lines[:i]))
            return next((t for t in before if t and not t.startswith("::")), None)
    return None


_ERROR_DETAIL = re.compile(r"error_detail=(\[.*\]) loc=")


def _structured_exception(lines: list[str]) -> str | None:
    for line in reversed(lines):
        match = _ERROR_DETAIL.search(line)
        if match is None:
            continue
        try:
            detail = ast.literal_eval(match[1])
            outer = next(d for d in detail if not d.get("is_cause"))
            return f"{outer['exc_type']}: {outer['exc_value']}".strip()
        except (ValueError, SyntaxError, StopIteration, KeyError, TypeError):
            return None
    return None


def split_task_logs(text: str) -> dict[tuple[str, int], str]:
    """Cut ``dag.test()`` output into per-task-instance sections (retries are appended)."""
    sections: dict[tuple[str, int], list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        if match := _TASK_START.search(line):
            current = sections.setdefault((match[1], int(match[2])), [])
        if current is not None:
            current.append(line)
        if _TASK_END.search(line):
            current = None
    return {key: "".join(lines) for key, lines in sections.items()}


@contextlib.contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Send fd-level stdout and stderr to ``path`` (appending) for the duration."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with path.open("ab") as sink:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        os.close(saved[0])
        os.close(saved[1])
