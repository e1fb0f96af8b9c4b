"""Golden files for generated DAG sources, with a one-command update.

PYPEDREAM_UPDATE_GOLDEN=1 python -m pytest tests/export -k golden
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_VARIABLE = "PYPEDREAM_UPDATE_GOLDEN"
UPDATE_COMMAND = f"{UPDATE_VARIABLE}=1 python -m pytest tests/export -k golden"


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare text with golden/<name>; rewrite it instead when PYPEDREAM_UPDATE_GOLDEN=1."""

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if os.environ.get(UPDATE_VARIABLE) == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing; create it with:\n  {UPDATE_COMMAND}")
        expected = path.read_text(encoding="utf-8")
        if expected != actual:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    fromfile=str(path),
                    tofile="generated now",
                )
            )
            pytest.fail(
                f"{path} differs from the generated file:\n{diff}\n"
                f"If the change is intended, update the golden files with:\n  {UPDATE_COMMAND}"
            )

    return check
