"""What a non-editable install ships: only pypedream-prefixed import names, templates, py.typed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("pypedream-*.whl")
    return zipfile.ZipFile(path)


@pytest.fixture(scope="module")
def wheel_names(wheel: zipfile.ZipFile) -> list[str]:
    return wheel.namelist()


def test_no_generic_top_level_import_names(wheel_names: list[str]) -> None:
    top_level = {
        name.split("/")[0] for name in wheel_names if not name.split("/")[0].endswith(".dist-info")
    }
    assert top_level == {"pypedream", "pypedream_compiler"}


def test_templates_and_type_markers_are_package_data(wheel_names: list[str]) -> None:
    assert "pypedream_compiler/templates/dag.py.j2" in wheel_names
    assert "pypedream/py.typed" in wheel_names
    assert "pypedream_compiler/py.typed" in wheel_names
    assert "pypedream/examples/seed.py" in wheel_names


def test_console_script_is_declared(wheel: zipfile.ZipFile) -> None:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "pypedream = pypedream.cli.main:main" in wheel.read(name).decode()
