"""The live progress line on a terminal: `[3/10 done, 2 running, 0 failed, 12s] running: a, b`.

It is a RunObserver. While it is active it installs console hooks, so each log line the
console sink writes first clears the progress line and then redraws it below the log line.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from pypedream.execution.console import console_lock, set_console_hooks

if TYPE_CHECKING:
    from types import TracebackType

    from pypedream.execution.result import StageResult

__all__ = ["LiveProgress", "StatusLine", "format_elapsed", "render_progress", "wants_progress"]

_CLEAR_LINE = "\r\x1b[K"
_DEFAULT_WIDTH = 80


def wants_progress(stream: IO[str]) -> bool:
    """Draw progress only on an interactive terminal that understands cursor control."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def format_elapsed(seconds: float) -> str:
    """`7s`, `1m05s`, `2h03m`."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def render_progress(
    total: int,
    done: int,
    failed: int,
    running: list[str],
    width: int = _DEFAULT_WIDTH,
    elapsed: float | None = None,
) -> str:
    """One line, at most `width - 1` characters so the terminal never wraps it."""
    since = "" if elapsed is None else f", {format_elapsed(elapsed)}"
    line = f"[{done}/{total} done, {len(running)} running, {failed} failed{since}]"
    if running:
        line += " running: " + ", ".join(running)
    limit = max(width - 1, 10)
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return line


class LiveProgress:
    """Counts stages as they start and finish and redraws the line in place on `stream`.

    Use as a context manager around the run: entering installs the console hooks, leaving
    erases the line and removes them (also when the run raises). With a `clock` the line
    shows the elapsed time, redrawn every `tick` seconds by a helper thread.
    """

    def __init__(
        self,
        total: int,
        stream: IO[str],
        width: int | None = None,
        clock: Callable[[], float] | None = None,
        tick: float | None = None,
    ) -> None:
        self.total = total
        self.stream = stream
        self.width = width
        self.clock = clock
        self.tick = tick
        self._start = clock() if clock is not None else 0.0
        self._ticker: threading.Thread | None = None
        self._quit = threading.Event()
        self.done = 0
        self.failed = 0
        self.running: dict[str, None] = {}  # insertion-ordered set
        self._shown = False
        self._active = False

    # -- RunObserver ----------------------------------------------------------------------
    def stage_started(self, key: str) -> None:
        self.running[key] = None
        self.draw()

    def stage_finished(self, result: StageResult) -> None:
        from pypedream.execution.result import StageStatus

        self.running.pop(result.key, None)
        self.done += 1
        if result.status is StageStatus.FAILED:
            self.failed += 1
        self.draw()

    # -- drawing --------------------------------------------------------------------------
    def text(self) -> str:
        elapsed = None if self.clock is None else self.clock() - self._start
        return render_progress(
            self.total, self.done, self.failed, list(self.running), self._columns(), elapsed
        )

    def draw(self) -> None:
        """(Re)draw the line; a no-op unless the display is active."""
        if not self._active:
            return
        with console_lock():
            self.stream.write(_CLEAR_LINE + self.text())
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        """Erase the line so that other output starts at column 0."""
        with console_lock():
            if self._shown:
                self.stream.write(_CLEAR_LINE)
                self.stream.flush()
                self._shown = False

    def __enter__(self) -> LiveProgress:
        with console_lock():
            self._active = True
            set_console_hooks(self.clear, self.draw)
            self.draw()
        if self.clock is not None and self.tick:
            self._ticker = threading.Thread(
                target=self._tick, name="pypedream-progress", daemon=True
            )
            self._ticker.start()
        return self

    def _tick(self) -> None:
        assert self.tick is not None
        while not self._quit.wait(self.tick):
            self.draw()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._quit.set()
        if self._ticker is not None:
            self._ticker.join()
        with console_lock():
            set_console_hooks(None, None)
            self.clear()
            self._active = False

    def _columns(self) -> int:
        if self.width is not None:
            return self.width
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = 0
        if columns <= 0:  # unknown (e.g. a pseudo-terminal without a size)
            try:
                columns = int(os.environ.get("COLUMNS", ""))
            except ValueError:
                columns = _DEFAULT_WIDTH
        return columns


class StatusLine(LiveProgress):
    """A live line saying what a long step does, with the elapsed time, redrawn each second:
    `parity: running 1 DAG run in Airflow 3.3.2 [12s]` (`set` changes the message)."""

    def __init__(
        self,
        stream: IO[str],
        clock: Callable[[], float],
        tick: float | None = 1.0,
        width: int | None = None,
    ) -> None:
        super().__init__(0, stream, width, clock, tick)
        self.message = ""

    def set(self, message: str) -> None:
        self.message = message
        self.draw()

    def text(self) -> str:
        assert self.clock is not None
        if not self.message:
            return ""
        line = f"{self.message} [{format_elapsed(self.clock() - self._start)}]"
        limit = max(self._columns() - 1, 10)
        return line if len(line) <= limit else line[: limit - 1] + "…"
