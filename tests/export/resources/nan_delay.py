"""A pipeline whose stage has a NaN retry_delay: importing this module raises ValueError."""

from __future__ import annotations

from pypedream import Pipeline, Stage


def first() -> int:
    return 1


pipeline = Pipeline("nan_delay", stages={"first": Stage(first, retry_delay=float("nan"))})
