"""Fixtures of the runtime tests: a scratch working directory and captured run logs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from structlog.testing import capture_logs

from pypedream import LoggerSettings
from tests.resources.capture import CapturedLog
from tests.resources.pipelines import Calls


@pytest.fixture(autouse=True)
def _scratch_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every test in its own directory: default log settings write `logs/` in the cwd."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def captured() -> Iterator[CapturedLog]:
    """Route a run's events to structlog's capture: pass `captured.settings` as log_settings."""
    with capture_logs() as entries:
        yield CapturedLog(LoggerSettings(override_logger=structlog.get_logger()), entries)
