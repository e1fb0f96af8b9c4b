"""`LoggerSettings`: how a pipeline logs its runs (`execution.log_setup` acts on it)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

__all__ = ["LoggerSettings"]


@dataclass(frozen=True)
class LoggerSettings:
    """How a pipeline logs its runs.

    - `stream`: True for pretty console output on stderr, False for none, or a text stream.
    - `file`: True for a new `<name>_<run_id>.jsonl` in `log_dir` per run, False for none, a
      file name (in `log_dir`) or a path (appended to).
    - `stdlib`: True (logger "pypedream") or a logger name: send every event to that stdlib
      logger instead of the console, so `logging.dictConfig` and your handlers apply. Each
      record's message is the event as JSON; `record.pypedream` holds it as a dict.
    - `handlers`: stdlib handlers that receive every event instead of `stream` and `file`.
    - `override_logger`: a structlog logger (or stdlib Logger) to use instead of all the above.
    - `level` filters the file, `console_level` the console.
    - `console_tracebacks`: False leaves stage failures' tracebacks off the console (the CLI
      prints each once in its failure report; the file always keeps them).
    """

    name: str | None = None
    log_dir: str | os.PathLike[str] = "logs"
    stream: bool | IO[str] = True
    file: bool | str | os.PathLike[str] = True
    handlers: Sequence[logging.Handler] | None = None
    stdlib: bool | str = False
    override_logger: Any = None
    level: int | str = "DEBUG"
    console_level: int | str = "INFO"
    console_tracebacks: bool = True

    def for_console(
        self, *, quiet: bool = False, level: str | None = None, tracebacks: bool = True
    ) -> LoggerSettings:
        """These settings with the console as `--quiet` / `--log-level` ask: `quiet` turns it
        off, `level` sets `console_level`; the file and other destinations are unchanged."""
        changes: dict[str, Any] = {"console_tracebacks": tracebacks}
        if quiet:
            changes["stream"] = False
        elif level is not None:
            changes["console_level"] = level
        return replace(self, **changes)

    def file_path(self, pipeline: str, run_id: str) -> Path | None:
        """Where this run's JSON lines go (None: no file)."""
        if self.override_logger is not None or self.handlers is not None or not self.file:
            return None
        if self.file is True:
            stem = _safe_file_stem(f"{self.name or pipeline}_{run_id}")
            return Path(self.log_dir) / f"{stem}.jsonl"
        if isinstance(self.file, str) and not os.path.isabs(self.file):
            return Path(self.log_dir) / self.file
        return Path(self.file)


def _safe_file_stem(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "pipeline"
