"""Structured logging for stage code: `info("loaded", rows=n)`.

Inside a run, events go to the run's logger and carry pipeline, run_id, stage, attempt and the
stage's logged inputs. Outside a run they go to a default console logger.
"""

from __future__ import annotations

import logging as _stdlib_logging
from typing import Any

from pypedream.ctx import logger

__all__ = ["critical", "debug", "error", "exception", "info", "log", "warning"]


def debug(event: str, **fields: Any) -> None:
    logger().debug(event, **fields)


def info(event: str, **fields: Any) -> None:
    logger().info(event, **fields)


def warning(event: str, **fields: Any) -> None:
    logger().warning(event, **fields)


def error(event: str, **fields: Any) -> None:
    logger().error(event, **fields)


def critical(event: str, **fields: Any) -> None:
    logger().critical(event, **fields)


def exception(event: str, **fields: Any) -> None:
    """Log at error level with the exception being handled."""
    logger().error(event, exc_info=True, **fields)


def log(level: int | str, event: str, **fields: Any) -> None:
    """Log at `level` (a stdlib level number or a name such as "info")."""
    if isinstance(level, str):
        number = _stdlib_logging.getLevelName(level.upper())
        if not isinstance(number, int):
            raise ValueError(f"unknown log level {level!r}")
        level = number
    logger().log(level, event, **fields)
