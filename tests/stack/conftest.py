"""One Celery + PostgreSQL + Redis Airflow stack for the whole test session.

Started on first use (~25 s), stopped by PID and its database dropped when the session ends,
also after failures. Skipped, saying why, when a service or package it needs is missing.
"""

from __future__ import annotations

import importlib.metadata
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypedream_compiler.embedded.stack import CeleryStack, StackSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"PostgreSQL": 5432, "Redis": 6379}
# Distributions, looked up without importing them: importing Airflow here would make the
# native side of every parity run in this session look like an Airflow task.
PACKAGES = (
    "apache-airflow",
    "apache-airflow-providers-celery",
    "psycopg2-binary",
    "asyncpg",
    "redis",
    "psutil",
)


def _missing() -> str | None:
    for name, port in SERVICES.items():
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return f"{name} does not listen on 127.0.0.1:{port}"
    for package in PACKAGES:
        try:
            importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return f"{package} is not installed for {sys.executable} (dev extra)"
    return None


@pytest.fixture(scope="session")
def celery_stack() -> Iterator[CeleryStack]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    stack = CeleryStack(StackSettings(Path(sys.executable), python_path=(str(REPO_ROOT),)))
    stack.start()  # stops what it started if it fails
    try:
        yield stack
    finally:
        stack.stop()
