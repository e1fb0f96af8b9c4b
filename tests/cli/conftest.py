"""Fixtures for the CLI tests: a clean working directory and in-process `pypedream` calls."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pypedream.cli.main import main

REPO_ROOT = Path(__file__).resolve().parents[2]
RESOURCES = Path(__file__).resolve().parent / "resources"
PACKAGE = "tests.cli.resources"  # module targets: importable with REPO_ROOT on sys.path


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory (logs land there); undo sys.path changes the CLI makes."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(REPO_ROOT), *sys.path])
    return tmp_path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    """`cli("run", TARGET, ...)` calls main() in-process and returns code, stdout, stderr."""

    def call(*argv: str) -> Outcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return call
