"""Report transport, log splitting and environment errors; none of these runs a DAG."""

from __future__ import annotations

import datetime
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest
from pypedream_compiler.embedded import runner as airflow_runner
from pypedream_compiler.embedded.logs import split_task_logs
from pypedream_compiler.embedded.runner import (
    AirflowRunnerError,
    BatchReport,
    DagRunReport,
    DagRunRequest,
    TaskReport,
    XComEntry,
    airflow_major,
    run_in_environment,
)

# The modules `python -m pypedream_compiler.embedded.runner` needs: standard library only.
RUNNER_MODULES = ("__init__", "runner", "reports", "home", "dagrun", "logs", "pertask")

VALUES = [
    25.0,
    25,
    (1, [2.0]),
    {"b": 1, "a": 2.0},
    datetime.date(2024, 1, 2),
    datetime.datetime(2024, 1, 2, 3, 4, tzinfo=datetime.timezone.utc),
    None,
]


def _batch(*entries: XComEntry) -> BatchReport:
    task = TaskReport("t", -1, "success", 1, entries, "log text")
    run = DagRunReport("d", {"n": 1}, "manual__x", "success", None, 0.5, (task,), "/tmp/x.log")
    return BatchReport("3.3.2", "/tmp/home", {"bad.py": "trace"}, (run,))


def test_batch_report_round_trips_values_with_exact_types() -> None:
    entries = [XComEntry(f"k{i}", -1, v, repr(v)) for i, v in enumerate(VALUES)]
    back = BatchReport.from_json(_batch(*entries).to_json())
    assert back == _batch(*entries)
    got = [x.value for x in back.runs[0].tasks[0].xcoms]
    assert [type(v) for v in got] == [type(v) for v in VALUES]
    assert list(got[3]) == ["b", "a"]
    assert type(got[2][1][0]) is float


def test_dataframe_round_trips() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"x": [1, 2]})
    back = DagRunReport.from_json(
        _batch(XComEntry("return_value", -1, frame, "{}")).runs[0].to_json()
    )
    pd.testing.assert_frame_equal(back.task("t").xcom(), frame)


def test_value_not_unpicklable_here_becomes_an_error() -> None:
    data = XComEntry("k", -1, 1, "1").to_data()
    data["value"] = "Y25vX3N1Y2hfbW9kdWxlX3BwClRoaW5nCi4="  # pickle of no_such_module_pp.Thing
    entry = XComEntry.from_data(data)
    assert entry.value is None
    assert entry.error is not None
    assert "no_such_module_pp" in entry.error


def test_lookups_name_what_exists() -> None:
    run = _batch().runs[0]
    with pytest.raises(KeyError, match=r"no task 'u' \(it has: t\)"):
        run.task("u")
    with pytest.raises(KeyError, match="stored no XCom 'return_value'"):
        run.task("t").xcom()


def test_split_task_logs_cuts_airflow2_and_airflow3_output() -> None:
    text = (
        "before\n"
        "[2026] {dag.py:4396} INFO - [DAG TEST] starting task_id=a map_index=-1\n"
        "a says hi\n"
        "[2026] {dag.py:4410} INFO - [DAG TEST] end task task_id=a map_index=-1\n"
        "between\n"
        "2026 [info ] [DAG TEST] starting task_id=b map_index=2 [airflow.sdk.definitions.dag]\n"
        "Traceback: b failed\n"
    )
    sections = split_task_logs(text)
    assert list(sections) == [("a", -1), ("b", 2)]
    assert sections["a", -1].splitlines()[1] == "a says hi"
    assert sections["b", 2].endswith("Traceback: b failed\n")


def test_airflow_major_matches_installed_distribution() -> None:
    try:
        expected = int(importlib.metadata.version("apache-airflow").split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        expected = None
    assert airflow_major() == expected


def test_missing_interpreter_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AirflowRunnerError, match="does not exist"):
        run_in_environment(tmp_path / "python", [], dags_dir_files=[])


@pytest.fixture
def bare_venv(tmp_path: Path) -> Path:
    """A venv with neither Airflow nor pypedream_compiler; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", tmp_path / "venv"], check=True)
    return tmp_path / "venv" / "bin" / "python"


def test_env_without_pypedream_compiler_is_a_clear_error(
    bare_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONPATH", raising=False)
    with pytest.raises(AirflowRunnerError, match="cannot import pypedream_compiler"):
        run_in_environment(bare_venv, [DagRunRequest("d")], dags_dir_files=[])


def test_env_without_airflow_is_a_clear_error(bare_venv: Path, tmp_path: Path) -> None:
    package_dir = tmp_path / "lib"
    embedded = package_dir / "pypedream_compiler" / "embedded"
    embedded.mkdir(parents=True)  # the embedded runner's modules alone
    (package_dir / "pypedream_compiler" / "__init__.py").write_text("")
    for name in RUNNER_MODULES:
        source = Path(airflow_runner.__file__).with_name(f"{name}.py")
        (embedded / f"{name}.py").symlink_to(source)
    purelib = subprocess.check_output(
        [bare_venv, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
    )
    (Path(purelib.strip()) / "pypedream_lib.pth").write_text(f"{package_dir}\n")
    with pytest.raises(AirflowRunnerError, match="has no Apache Airflow installed"):
        run_in_environment(bare_venv, [DagRunRequest("d")], dags_dir_files=[])


def test_importing_the_module_does_not_import_airflow() -> None:
    code = f"import sys, {airflow_runner.__name__}; print('airflow' in sys.modules)"
    assert subprocess.check_output([sys.executable, "-c", code], text=True) == "False\n"
