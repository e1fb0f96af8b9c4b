"""Ctrl-C during `pypedream run`: the first stops starting stages, the second stops at once.

`GracefulStop` is the RunObserver the CLI hands the run (it forwards to the progress line).
While active it owns SIGINT: the first Ctrl-C asks the run to start no new stage and says
which stages it waits for; the second raises KeyboardInterrupt as usual, and the run ends
with the running stages marked interrupted.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from pypedream.execution.console import write_console

if TYPE_CHECKING:
    from types import FrameType, TracebackType

    from pypedream.execution.executor import RunObserver
    from pypedream.execution.result import StageResult

__all__ = ["GracefulStop"]


class GracefulStop:
    """A RunObserver that turns the first Ctrl-C into a request to stop scheduling."""

    def __init__(self, inner: RunObserver | None, stream: IO[str]) -> None:
        self.inner = inner
        self.stream = stream
        self.running: dict[str, None] = {}
        self.requested = False
        self._stop: Callable[[str], None] | None = None
        self._previous: Any = None
        self._installed = False

    # -- RunObserver ----------------------------------------------------------------------
    def stage_started(self, key: str) -> None:
        self.running[key] = None
        if self.inner is not None:
            self.inner.stage_started(key)

    def stage_finished(self, result: StageResult) -> None:
        self.running.pop(result.key, None)
        if self.inner is not None:
            self.inner.stage_finished(result)

    def bind_stop(self, stop: Callable[[str], None]) -> None:
        self._stop = stop

    # -- SIGINT ---------------------------------------------------------------------------
    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested or self._stop is None:
            raise KeyboardInterrupt
        self.requested = True
        self._stop("the run was interrupted (Ctrl-C)")
        waiting = ", ".join(self.running) or "nothing"
        write_console(
            self.stream,
            f"\nInterrupted: starting no new stage; waiting for the running stages to finish: "
            f"{waiting}. Press Ctrl-C again to stop now.\n",
        )

    def __enter__(self) -> GracefulStop:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
