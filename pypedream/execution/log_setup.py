"""Per-run loggers: pretty console output plus a JSON-lines file, built on structlog.

structlog is imported only when a logger is built, so `import pypedream` stays fast. Every
event passes the run's `Redactor` first (secret parameter values and Airflow's sensitive key
names become `***`), and each rendered line is masked again, so exception text is covered too.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pypedream.definition.log_settings import LoggerSettings
from pypedream.definition.secrets import MASK, Redactor, is_sensitive_key
from pypedream.errors import LogDestinationError

__all__ = ["RunLog", "create_run_log", "default_logger", "null_logger"]

_CONSOLE_KEYS_HIDDEN = ("pipeline", "run_id")  # the same on every line; kept in the file
# pypedream's own events whose traceback the console leaves out: a retried failure shows its
# traceback once, at `stage_failed` (the file keeps every attempt's).
_CONSOLE_NO_TRACEBACK = frozenset({"stage_retrying"})
_STAGE_FAILURES = frozenset({"stage_retrying", "stage_failed"})
_NO_MASK = Redactor()


def wants_color(stream: Any) -> bool:
    """Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


# pypedream's own fields: never sensitive, and their values hold no user data to mask unless
# a secret value is known (then the sinks mask the rendered text as well).
_OWN_FIELDS = frozenset(
    {"event", "pipeline", "run_id", "stage", "attempt", "duration_s", "outputs", "retry_in_s"}
    | {"timestamp", "level", "exc_info", "ok", "counts", "failed", "max_workers", "stages"}
)
_sensitive_names: dict[str, bool] = {}


def _sensitive(name: str) -> bool:
    known = _sensitive_names.get(name)
    if known is None:
        if len(_sensitive_names) > 4096:  # bounded: field names are few, but not promised
            _sensitive_names.clear()
        known = _sensitive_names[name] = is_sensitive_key(name)
    return known


class _Mask:
    """The first processor after the context merge: mask secrets and sensitive keys."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor

    def __call__(self, logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
        redactor = self.redactor
        active = redactor.active
        names = list(event) if active else event.keys() - _OWN_FIELDS
        for name in names:
            value = event[name]
            if value is None or name == "exc_info":
                continue
            if _sensitive(name):
                event[name] = MASK
            elif active or type(value) is dict or _is_mapping(value):
                event[name] = redactor.value(value)
        return event


def _is_mapping(value: Any) -> bool:
    if isinstance(value, (str, int, float, list, tuple)):
        return False
    return isinstance(value, Mapping)


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


def _dict_tracebacks() -> Callable[..., Mapping[str, Any]]:
    """structlog's dict tracebacks without frame locals (they would dump secrets and data)."""
    import structlog

    transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
    return structlog.processors.ExceptionRenderer(transformer)


class _JsonLinesSink:
    """One JSON object a line, to a file (`path`) or to whatever `sys.stdout` is at write time.

    Opening the file fails loudly (LogDestinationError, before any stage runs); a write that
    fails later (a full disk) stops this sink and is kept in `problem`, never raised into a
    stage. Writes after `close` are dropped.
    """

    def __init__(self, path: Path | None, level: int, redactor: Redactor = _NO_MASK) -> None:
        self.path = path
        self.level = level
        self.redactor = redactor
        self.problem: str | None = None
        self._closed = False
        if path is not None:
            self._file: IO[str] | None = _open_log(path)
        else:
            self._file = None
        self._lock = threading.Lock()
        self._tracebacks = _dict_tracebacks()

    def emit(self, method: str, event: dict[str, Any], number: int) -> None:
        if number < self.level or self._closed:
            return
        if "exc_info" in event:
            event = dict(self._tracebacks(None, method, dict(event)))
        line = self.redactor.text(_to_json(event))
        with self._lock:
            if self._closed:
                return
            target = self._file if self._file is not None else sys.stdout
            try:
                target.write(line + "\n")
                target.flush()
            except (OSError, ValueError) as problem:
                if self._file is None:
                    raise
                self._fail(problem)

    def _fail(self, problem: BaseException) -> None:
        self.problem = f"{self.path}: writing failed ({problem}); the log is incomplete"
        self._closed = True
        try:
            if self._file is not None:
                self._file.close()
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._file is not None:
                try:
                    self._file.close()
                except (OSError, ValueError) as problem:
                    self._fail(problem)


def _open_log(path: Path) -> IO[str]:
    """Open the run's log file for appending, or raise LogDestinationError saying why not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("a", encoding="utf-8")
    except OSError as problem:
        reason = problem.strerror or str(problem)
        if isinstance(problem, (FileExistsError, NotADirectoryError)):
            reason = f"{reason} (a file is where a directory of the path should be)"
            fix = "move that file away, or point LoggerSettings(log_dir=...) elsewhere"
        elif problem.errno == errno.ENAMETOOLONG:
            fix = "use a shorter run id (or LoggerSettings name, or file=...)"
        elif isinstance(problem, PermissionError) or problem.errno == errno.EROFS:
            fix = "point LoggerSettings(log_dir=...) at a writable directory"
        else:
            fix = (
                "point LoggerSettings(log_dir=...) at a writable directory, or use a shorter run id"
            )
        raise LogDestinationError(
            f"cannot write the run's log file {str(path)!r}: {reason}. Fix: {fix}, or pass "
            f"LoggerSettings(file=False) (nothing was run)"
        ) from problem


class _ConsoleSink:
    def __init__(
        self,
        stream: bool | IO[str],
        level: int,
        redactor: Redactor = _NO_MASK,
        tracebacks: bool = True,
    ) -> None:
        self.stream = stream
        self.hidden_tracebacks = _CONSOLE_NO_TRACEBACK if tracebacks else _STAGE_FAILURES
        self.level = level
        self.redactor = redactor
        self.problem: str | None = None
        self._renderer: Callable[..., str] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def _target(self) -> IO[str]:
        return sys.stderr if self.stream is True else self.stream  # type: ignore[return-value]

    def emit(self, method: str, event: dict[str, Any], number: int) -> None:
        if number < self.level or self._closed:
            return
        target = self._target()
        if self._renderer is None:
            import structlog

            colors = wants_color(target)
            from pypedream.execution.tracebacks import write_user_traceback

            # Plain tracebacks without pypedream's frames: the same on every machine, cheap,
            # and no local values dumped.
            self._renderer = structlog.dev.ConsoleRenderer(
                colors=colors, sort_keys=False, exception_formatter=write_user_traceback
            )
        shown = {k: v for k, v in event.items() if k not in _CONSOLE_KEYS_HIDDEN}
        if shown.get("event") in self.hidden_tracebacks:
            shown.pop("exc_info", None)
        stamp = shown.get("timestamp")
        if isinstance(stamp, str) and len(stamp) >= 19:
            shown["timestamp"] = stamp[11:19]
        text = self.redactor.text(self._renderer(None, method, shown))
        with self._lock:
            from pypedream.execution.console import write_console

            try:
                write_console(target, text + "\n")
            except (OSError, ValueError) as problem:  # a closed or broken console
                self.problem = f"console: writing failed ({problem})"

    def close(self) -> None:
        """Drop later events (a stage abandoned by a hard stop may still be logging)."""
        self._closed = True


class _StdlibSink:
    """Send every event, rendered as JSON, to a stdlib logger (extra={"pypedream": event})."""

    problem: str | None = None

    def __init__(
        self,
        logger: logging.Logger,
        handlers: Sequence[logging.Handler] = (),
        redactor: Redactor = _NO_MASK,
    ) -> None:
        self._logger = logger
        self._handlers = list(handlers)
        self.redactor = redactor
        self._tracebacks: Callable[..., Mapping[str, Any]] | None = None
        for handler in self._handlers:
            logger.addHandler(handler)

    def emit(self, method: str, event: dict[str, Any], number: int) -> None:
        if not self._logger.isEnabledFor(number):
            return
        if "exc_info" in event:
            if self._tracebacks is None:
                self._tracebacks = _dict_tracebacks()
            event = dict(self._tracebacks(None, method, dict(event)))
            if self.redactor.active:  # the exception's text is in the record's dict too
                event = self.redactor.value(event)
        message = self.redactor.text(_to_json(event))
        self._logger.log(number, message, extra={"pypedream": event})

    def close(self) -> None:
        for handler in self._handlers:
            handler.flush()
            self._logger.removeHandler(handler)


class _MaskedLogger:
    """The user's own logger (`override_logger`) behind the rule every other sink applies.

    Bound values and each event's fields pass the same `_Mask` (sensitive key names, secret
    values); positional arguments and the message are masked as text. The user's renderer
    cannot be masked afterwards, and may print frame locals (where a stage's secret argument
    lives), so when the run has secret values an exception is handed on as its traceback
    text without locals, masked, under `exception` (the key structlog's `format_exc_info`
    writes) instead of `exc_info`. Without secret values `exc_info` is handed on untouched.
    """

    __slots__ = ("_inner", "_mask")

    def __init__(self, inner: Any, mask: _Mask) -> None:
        self._inner = inner
        self._mask = mask

    def bind(self, **values: Any) -> _MaskedLogger:
        return _MaskedLogger(self._inner.bind(**self._fields("bind", values)), self._mask)

    def new(self, **values: Any) -> _MaskedLogger:
        return _MaskedLogger(self._inner.new(**self._fields("new", values)), self._mask)

    def unbind(self, *keys: str) -> _MaskedLogger:
        return _MaskedLogger(self._inner.unbind(*keys), self._mask)

    def try_unbind(self, *keys: str) -> _MaskedLogger:
        return _MaskedLogger(self._inner.try_unbind(*keys), self._mask)

    def _fields(self, method: str, values: dict[str, Any]) -> dict[str, Any]:
        fields = self._mask(None, method, dict(values))
        exc_info = fields.get("exc_info")
        if exc_info is not None and exc_info is not False and self._mask.redactor.active:
            text = _masked_traceback(exc_info, self._mask.redactor)
            if text is not None:
                del fields["exc_info"]
                fields["exception"] = text
        return fields

    def _call(self, method: str, event: Any, args: tuple[Any, ...], fields: Any) -> Any:
        redactor = self._mask.redactor
        if isinstance(event, str):
            event = redactor.text(event)
        shown = tuple(redactor.value(arg) for arg in args)
        return getattr(self._inner, method)(event, *shown, **self._fields(method, fields))

    def debug(self, event: Any = None, *args: Any, **fields: Any) -> Any:
        return self._call("debug", event, args, fields)

    def info(self, event: Any = None, *args: Any, **fields: Any) -> Any:
        return self._call("info", event, args, fields)

    def warning(self, event: Any = None, *args: Any, **fields: Any) -> Any:
        return self._call("warning", event, args, fields)

    def error(self, event: Any = None, *args: Any, **fields: Any) -> Any:
        return self._call("error", event, args, fields)

    def critical(self, event: Any = None, *args: Any, **fields: Any) -> Any:
        return self._call("critical", event, args, fields)

    def exception(self, event: Any = None, *args: Any, **fields: Any) -> Any:
        fields.setdefault("exc_info", True)
        return self._call("error", event, args, fields)

    def log(self, level: int, event: Any = None, *args: Any, **fields: Any) -> Any:
        redactor = self._mask.redactor
        shown = redactor.text(event) if isinstance(event, str) else event
        args = tuple(redactor.value(arg) for arg in args)
        return self._inner.log(level, shown, *args, **self._fields("log", fields))

    warn = warning
    fatal = critical
    msg = info


def _masked_traceback(exc_info: Any, redactor: Redactor) -> str | None:
    """The exception's traceback text (no frame locals), masked; None when there is none."""
    if exc_info is True:
        exc_info = sys.exc_info()
    error = exc_info[1] if isinstance(exc_info, tuple) else exc_info
    if not isinstance(error, BaseException):
        return None
    import traceback

    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return redactor.text(text).rstrip("\n")


def _handler_logger(name: str) -> logging.Logger:
    """A private stdlib logger for one run's handlers.

    Built directly, not with `logging.getLogger`, so it is not registered in the logging
    manager: it goes away with the run instead of staying for the life of the process.
    """
    logger = logging.Logger(f"pypedream.run.{name}", logging.DEBUG)
    logger.propagate = False
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


def _build(sinks: Sequence[Any], min_level: int, redactor: Redactor = _NO_MASK) -> Any:
    import structlog

    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _Mask(redactor),
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

    @property
    def problem(self) -> str | None:
        """Why a destination stopped taking events during the run (None: all went through)."""
        found = [sink.problem for sink in self.sinks if getattr(sink, "problem", None)]
        return "; ".join(found) if found else None


def create_run_log(
    settings: LoggerSettings, *, pipeline: str, run_id: str, secrets: Sequence[Any] = ()
) -> RunLog:
    """Build the logger for one run, bound to its pipeline and run_id.

    `secrets` are values to mask wherever they appear (the secret parameters' values). Raises
    LogDestinationError when the log file cannot be opened, before anything runs.
    """
    redactor = Redactor(secrets)
    override = settings.override_logger
    if override is not None:
        if isinstance(override, logging.Logger):
            sink = _StdlibSink(override, redactor=redactor)
            logger = _build([sink], logging.DEBUG, redactor).bind(pipeline=pipeline, run_id=run_id)
            return RunLog(logger, None, [sink])
        masked = _MaskedLogger(override, _Mask(redactor))
        return RunLog(masked.bind(pipeline=pipeline, run_id=run_id), None)
    sinks: list[Any] = []
    levels: list[int] = []
    if settings.handlers is not None:
        sinks.append(_StdlibSink(_handler_logger(run_id), settings.handlers, redactor))
        levels.append(logging.DEBUG)
    else:
        if settings.stdlib:
            name = settings.stdlib if isinstance(settings.stdlib, str) else "pypedream"
            sinks.append(_StdlibSink(logging.getLogger(name), redactor=redactor))
            levels.append(logging.DEBUG)
        elif settings.stream:
            level = _level_number(settings.console_level)
            sinks.append(
                _ConsoleSink(settings.stream, level, redactor, settings.console_tracebacks)
            )
            levels.append(level)
        path = settings.file_path(pipeline, run_id)
        if path is not None:
            sinks.append(_JsonLinesSink(path, _level_number(settings.level), redactor))
            levels.append(sinks[-1].level)
    if not sinks:
        return RunLog(null_logger(), None)
    logger = _build(sinks, min(levels), redactor).bind(pipeline=pipeline, run_id=run_id)
    file_path = next((s.path for s in sinks if isinstance(s, _JsonLinesSink)), None)
    return RunLog(logger, file_path, sinks)


def create_task_log(
    settings: LoggerSettings | None, *, pipeline: str, run_id: str, secrets: Sequence[Any] = ()
) -> Any:
    """The logger of a stage running as an Airflow task: JSON lines on stdout.

    Airflow captures a task's stdout into its task log, so events keep their fields there.
    `settings=None` (logging disabled) and `override_logger` are honoured as natively.
    """
    if settings is None:
        return null_logger()
    if settings.override_logger is not None:
        return create_run_log(settings, pipeline=pipeline, run_id=run_id, secrets=secrets).logger
    redactor = Redactor(secrets)
    sink = _JsonLinesSink(None, _level_number(settings.console_level), redactor)
    return _build([sink], sink.level, redactor).bind(pipeline=pipeline, run_id=run_id)


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
