"""Per-run loggers: pretty console output plus a JSON-lines file, built on structlog.

structlog is imported only when a logger is built, so `import pypedream` stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pypedream.definition.log_settings import LoggerSettings

__all__ = ["RunLog", "create_run_log", "default_logger", "null_logger"]

_CONSOLE_KEYS_HIDDEN = ("pipeline", "run_id")  # the same on every line; kept in the file


def _level_number(level: int | str) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}; use DEBUG, INFO, WARNING, ERROR")
    return number


def _to_json(event: dict[str, Any]) -> str:
    """One line of standard JSON. Never raises: a field JSON cannot hold becomes its repr."""
    try:
        return json.dumps(event, default=_json_default, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # e.g. tuple dict keys, NaN, circular references
        safe = {str(name): _json_field(value) for name, value in event.items()}
        return json.dumps(safe, default=_json_default, ensure_ascii=False, allow_nan=False)


def _json_field(value: Any) -> Any:
    try:
        json.dumps(value, default=_json_default, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    return repr(value)


class _JsonLinesSink:
    """One JSON object a line, to a file (`path`) or to whatever `sys.stdout` is at write time."""

    def __init__(self, path: Path | None, level: int) -> None:
        import structlog

        self.path = path
        self.level = level
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] | None = path.open("a", encoding="utf-8")
        else:
            self._file = None
        self._lock = threading.Lock()
        self._tracebacks = structlog.processors.dict_tracebacks

    def emit(self, method: str, event: dict[str, Any], number: int) -> None:
        if number < self.level:
            return
        if "exc_info" in event:
            event = dict(self._tracebacks(None, method, dict(event)))
        line = _to_json(event)
        target = self._file if self._file is not None else sys.stdout
        with self._lock:
            target.write(line + "\n")
            target.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()


class _ConsoleSink:
    def __init__(self, stream: bool | IO[str], level: int) -> None:
        self.stream = stream
        self.level = level
        self._renderer: Callable[..., str] | None = None
        self._lock = threading.Lock()

    def _target(self) -> IO[str]:
        return sys.stderr if self.stream is True else self.stream  # type: ignore[return-value]

    def emit(self, method: str, event: dict[str, Any], number: int) -> None:
        if number < self.level:
            return
        target = self._target()
        if self._renderer is None:
            import structlog

            colors = bool(getattr(target, "isatty", lambda: False)())
            # Plain tracebacks: the same on every machine, cheap, and no local values dumped.
            self._renderer = structlog.dev.ConsoleRenderer(
                colors=colors, sort_keys=False, exception_formatter=structlog.dev.plain_traceback
            )
        shown = {k: v for k, v in event.items() if k not in _CONSOLE_KEYS_HIDDEN}
        stamp = shown.get("timestamp")
        if isinstance(stamp, str) and len(stamp) >= 19:
            shown["timestamp"] = stamp[11:19]
        text = self._renderer(None, method, shown)
        with self._lock:
            from pypedream.execution.console import write_console

            write_console(target, text + "\n")

    def close(self) -> None:
        return None


class _StdlibSink:
    """Send every event, rendered as JSON, to a stdlib logger (extra={"pypedream": event})."""

    def __init__(self, logger: logging.Logger, handlers: Sequence[logging.Handler] = ()) -> None:
        self._logger = logger
        self._handlers = list(handlers)
        for handler in self._handlers:
            logger.addHandler(handler)

    def emit(self, method: str, event: dict[str, Any], number: int) -> None:
        message = _to_json(event)
        self._logger.log(number, message, extra={"pypedream": event})

    def close(self) -> None:
        for handler in self._handlers:
            handler.flush()
            self._logger.removeHandler(handler)


def _handler_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(f"pypedream.run.{name}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger


_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


class _Fanout:
    """The last processor: hand the event to every sink, then drop it."""

    def __init__(self, sinks: Sequence[Any]) -> None:
        self.sinks = list(sinks)

    def __call__(self, logger: Any, method: str, event: dict[str, Any]) -> Any:
        import structlog

        number = _LEVELS.get(method, logging.INFO)
        for sink in self.sinks:
            sink.emit(method, event, number)
        raise structlog.DropEvent


def _build(sinks: Sequence[Any], min_level: int) -> Any:
    import structlog

    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _Fanout(sinks),
    ]
    return structlog.wrap_logger(
        None,
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(min_level),
        context_class=dict,
    )


@dataclass
class RunLog:
    """The logger of one run and the resources to release when it ends."""

    logger: Any
    file_path: Path | None
    sinks: Sequence[Any] = ()

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()


def create_run_log(settings: LoggerSettings, *, pipeline: str, run_id: str) -> RunLog:
    """Build the logger for one run, bound to its pipeline and run_id."""
    override = settings.override_logger
    if override is not None:
        if isinstance(override, logging.Logger):
            sink = _StdlibSink(override)
            logger = _build([sink], logging.DEBUG).bind(pipeline=pipeline, run_id=run_id)
            return RunLog(logger, None, [sink])
        return RunLog(override.bind(pipeline=pipeline, run_id=run_id), None)
    sinks: list[Any] = []
    levels: list[int] = []
    if settings.handlers is not None:
        sinks.append(_StdlibSink(_handler_logger(run_id), settings.handlers))
        levels.append(logging.DEBUG)
    else:
        if settings.stream:
            sinks.append(_ConsoleSink(settings.stream, _level_number(settings.console_level)))
            levels.append(sinks[-1].level)
        path = settings.file_path(pipeline, run_id)
        if path is not None:
            sinks.append(_JsonLinesSink(path, _level_number(settings.level)))
            levels.append(sinks[-1].level)
    if not sinks:
        return RunLog(null_logger(), None)
    logger = _build(sinks, min(levels)).bind(pipeline=pipeline, run_id=run_id)
    file_path = next((s.path for s in sinks if isinstance(s, _JsonLinesSink)), None)
    return RunLog(logger, file_path, sinks)


def create_task_log(settings: LoggerSettings | None, *, pipeline: str, run_id: str) -> Any:
    """The logger of a stage running as an Airflow task: JSON lines on stdout.

    Airflow captures a task's stdout into its task log, so events keep their fields there.
    `settings=None` (logging disabled) and `override_logger` are honoured as natively.
    """
    if settings is None:
        return null_logger()
    if settings.override_logger is not None:
        return create_run_log(settings, pipeline=pipeline, run_id=run_id).logger
    sink = _JsonLinesSink(None, _level_number(settings.console_level))
    return _build([sink], sink.level).bind(pipeline=pipeline, run_id=run_id)


_default: Any = None


def default_logger() -> Any:
    """Console logger used outside a run (INFO and above, on stderr)."""
    global _default
    if _default is None:
        _default = _build([_ConsoleSink(True, logging.INFO)], logging.INFO)
    return _default


class _NullLogger:
    """Drops everything; `bind` returns itself. No structlog import needed."""

    __slots__ = ()

    def bind(self, **_: Any) -> _NullLogger:
        return self

    new = unbind = try_unbind = bind

    def _drop(self, *_: Any, **__: Any) -> None:
        return None

    debug = info = warning = warn = error = exception = critical = fatal = msg = log = _drop


_NULL = _NullLogger()


def null_logger() -> Any:
    """A logger that drops everything, cheaply (for `log_settings=None`)."""
    return _NULL
