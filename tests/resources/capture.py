"""Captured structlog events of a run, for assertions on events rather than rendered text."""

from __future__ import annotations

from typing import Any


class CapturedLog:
    """Settings that send a run's events to structlog's capture, and the captured events."""

    def __init__(self, settings: Any, entries: list[dict[str, Any]]) -> None:
        self.settings = settings
        self.entries = entries

    def events(self, name: str, **fields: Any) -> list[dict[str, Any]]:
        """Captured events called `name` whose fields include `fields`."""
        return [
            entry
            for entry in self.entries
            if entry["event"] == name and all(entry.get(k) == v for k, v in fields.items())
        ]

    def names(self, **fields: Any) -> list[str]:
        """Names of the captured events whose fields include `fields`, in order."""
        return [
            entry["event"]
            for entry in self.entries
            if all(entry.get(k) == v for k, v in fields.items())
        ]
