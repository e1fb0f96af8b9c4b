"""Registers the `e2e` marker until pyproject.toml lists it (then this file can go)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: starts a live Airflow 3 on loopback (slow, ~40 s)")
