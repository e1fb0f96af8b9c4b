"""Fixtures of the runtime tests: a scratch working directory and captured run logs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from structlog.testing import capture_logs

from pypedream import LoggerSettings
from tests.resources.pipelines import Calls


@pytest.fixture(autouse=True)
def _scratch_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every test in its own directory: default log settings write `logs/` in the cwd."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def calls() -> Calls:
    return Calls()


class CapturedLog:
    """Settings that send a run's events to structlog's capture, and the captured events."""

    def __init__(self, settings: object, entries: list[dict]) -> None:
        self.settings = settings
        self.entries = entries

    def events(self, name: str, **fields: object) -> list[dict]:
        """Captured events called `name` whose fields include `fields`."""
        return [
            entry
            for entry in self.entries
            if entry["event"] == name and all(entry.get(k) == v for k, v in fields.items())
        ]

    def names(self) -> list[str]:
        return [entry["event"] for entry in self.entries]


@pytest.fixture
def captured() -> Iterator[CapturedLog]:
    with capture_logs() as entries:
        yield CapturedLog(LoggerSettings(override_logger=structlog.get_logger()), entries)
