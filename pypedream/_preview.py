"""A one-line, bounded repr of any value (for reprs, summaries and the notebook display)."""

from __future__ import annotations

from typing import Any

__all__ = ["preview"]


def preview(value: Any, limit: int = 60) -> str:
    """A one-line repr of `value`, cut to `limit` characters."""
    try:
        text = repr(value)
    except Exception as problem:  # a broken __repr__ must not break a summary
        text = f"<{type(value).__name__}: repr failed: {problem}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
