"""ISO 8601 parsing that behaves the same on every supported Python."""

from __future__ import annotations

import datetime as dt


def parse_datetime(text: str) -> dt.datetime:
    """`datetime.fromisoformat`, also accepting the "Z" suffix (which Python 3.10 rejects)."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return dt.datetime.fromisoformat(text)
