"""How DAG files land on disk: modes, long names, leftovers of killed exports, dotfiles."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypedream_compiler import ExportError, ExportStatus, export_airflow
from pypedream_compiler.codegen import export as export_module

from pypedream.definition.airflow_options import AirflowOptions

SEED = "pypedream.examples.seed:pipeline"
OPTIONS = "tests.export.resources.options"


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path: Path, mask: int, expected: int) -> None:
    os.umask(mask)
    [result] = export_airflow(SEED, tmp_path)
    assert _mode(result.path) == expected


@pytest.mark.usefixtures("umask")
def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    [result] = export_airflow(SEED, tmp_path)
    result.path.chmod(0o664)
    os.umask(0o077)
    [again] = export_airflow(SEED, tmp_path, options=AirflowOptions(schedule="@daily"))
    assert again.status is ExportStatus.WRITTEN
    assert _mode(again.path) == 0o664


@pytest.mark.parametrize("name", ["long_238", "long_250"])
def test_long_names_are_written_checked_and_rewritten(tmp_path: Path, name: str) -> None:
    [result] = export_airflow(f"{OPTIONS}:{name}", tmp_path)
    assert result.status is ExportStatus.WRITTEN
    assert len(result.path.name) == len(result.dag_id) + 3
    assert len(result.dag_id) in (238, 250)
    [checked] = export_airflow(f"{OPTIONS}:{name}", tmp_path, check=True)
    assert checked.status is ExportStatus.UP_TO_DATE
    options = AirflowOptions(schedule="@daily")
    [rewritten] = export_airflow(f"{OPTIONS}:{name}", tmp_path, options=options)
    assert rewritten.status is ExportStatus.WRITTEN
    assert sorted(p.name for p in tmp_path.iterdir()) == [result.path.name]


def _dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout)


def test_the_next_export_removes_what_a_killed_export_left(tmp_path: Path) -> None:
    left = tmp_path / f"{export_module.TEMPORARY_PREFIX}{_dead_pid()}-0badc0de.tmp"
    left.write_text("half a DAG file")
    running = tmp_path / f"{export_module.TEMPORARY_PREFIX}{os.getppid()}-0000cafe.tmp"
    running.write_text("a live export's file")
    mine = tmp_path / "notes.tmp"
    mine.write_text("not pypedream's")
    export_airflow(SEED, tmp_path)
    assert not left.exists()
    assert running.exists()  # its writer still runs
    assert mine.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["ok_enough.py", running.name, "notes.tmp"]
    )


def test_check_mode_removes_nothing(tmp_path: Path) -> None:
    left = tmp_path / f"{export_module.TEMPORARY_PREFIX}{_dead_pid()}-0badc0de.tmp"
    left.write_text("half a DAG file")
    export_airflow(SEED, tmp_path, check=True)
    assert left.exists()


def test_an_interrupted_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(source: object, target: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export_airflow(SEED, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "file_name"),
    [("hidden", "hidden.py"), ("dots", None)],
    ids=["leading-dot", "only-dots"],
)
def test_a_name_that_would_be_a_dotfile_gets_a_visible_file(
    tmp_path: Path, name: str, file_name: str | None
) -> None:
    [result] = export_airflow(f"{OPTIONS}:{name}", tmp_path)
    assert not result.path.name.startswith(".")
    assert result.path.name.endswith(".py")
    if file_name:
        assert result.path.name == file_name
    else:
        assert result.path.name.startswith("dag_")
    assert result.dag_id == {"hidden": ".hidden", "dots": ".."}[name]  # the id stays


def test_two_dag_ids_sharing_a_visible_file_name_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"both export to 'hidden.py'"):
        export_airflow([f"{OPTIONS}:hidden", f"{OPTIONS}:visible"], tmp_path)
    assert list(tmp_path.iterdir()) == []
