"""'Did you mean' hints for misspelled names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return ". Did you mean 'x'?" for the closest known name, or "" when none is close."""
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f". Did you mean {matches[0]!r}?" if matches else ""
