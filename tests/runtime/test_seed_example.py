"""The seed README example runs end to end: as first written (kept in the tests) and as
shipped in `pypedream.examples.seed` (the same pipeline with neutral parameter values)."""

from __future__ import annotations

import importlib
import json
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from structlog.testing import capture_logs

from pypedream import LoggerSettings, Pipeline


@pytest.fixture
def seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import the example afresh with the cwd in tmp_path (it makes `logs/` there on import)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, SEED, raising=False)
    module = importlib.import_module(SEED)
    monkeypatch.setitem(sys.modules, SEED, module)
    return module


SEED = "tests.resources.seed_as_written"


def _expected(source1: str = "your_mom", source2: str = "your_girlfriend") -> dict[str, object]:
    today = date.today()
    data1 = f"{source1} for day {today}"
    data2 = f"{source2} for day {today}"
    return {
        "get_data1": data1,
        "get_data2": data2,
        "combine_data": f"{data1} and {data2}",
        "validate_data": True,
    }


def test_the_seed_runs_and_returns_every_value(seed: ModuleType, tmp_path: Path) -> None:
    assert isinstance(seed.pipeline, Pipeline)
    assert (tmp_path / "logs").is_dir()

    result = seed.pipeline.run()

    assert result == _expected()
    assert result.ok


def test_the_seed_takes_parameters(seed: ModuleType) -> None:
    result = seed.pipeline.run(source1="a", source2="b")

    assert result == _expected("a", "b")


def test_the_seed_writes_a_json_lines_log(seed: ModuleType, tmp_path: Path) -> None:
    result = seed.pipeline.run()

    assert result.log_file is not None
    assert result.log_file.parent == tmp_path / "logs"
    assert result.log_file.name == f"ok_enough_{result.run_id}.jsonl"
    events = [json.loads(line) for line in result.log_file.read_text().splitlines()]
    assert events[0]["event"] == "run_started"
    assert events[-1]["event"] == "run_finished"
    assert all(e["pipeline"] == "ok enough" and e["run_id"] == result.run_id for e in events)
    validating = next(e for e in events if e["event"] == "Validating data against sources")
    assert validating["stage"] == "validate_data"
    assert validating["sources"] == ["your_mom", "your_girlfriend"]
    started = next(
        e for e in events if e["event"] == "stage_started" and e["stage"] == "validate_data"
    )
    assert started["sources"] == ["your_mom", "your_girlfriend"]  # the logged input


def test_the_seed_runs_on_threads(seed: ModuleType) -> None:
    assert seed.pipeline.run(max_workers=4) == _expected()


def test_the_seed_pipeline_is_wired_as_written(seed: ModuleType) -> None:
    graph = seed.pipeline.graph

    assert graph.order == ("get_data1", "get_data2", "combine_data", "validate_data")
    assert graph.upstream["combine_data"] == ("get_data1", "get_data2")
    assert graph.upstream["validate_data"] == ("combine_data",)
    assert isinstance(seed.pipeline.log_settings, LoggerSettings)


def test_the_seed_logs_every_stage(seed: ModuleType) -> None:
    import structlog

    pipeline = Pipeline(
        seed.pipeline.name,
        seed.pipeline.parameters,
        stages=dict(seed.pipeline.stages),
        log_settings=LoggerSettings(override_logger=structlog.get_logger()),
    )
    with capture_logs() as entries:
        pipeline.run()

    stages = [e["stage"] for e in entries if e["event"] == "stage_succeeded"]
    assert stages == ["get_data1", "get_data2", "combine_data", "validate_data"]


def test_the_bundled_example_is_the_seed_with_neutral_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "pypedream.examples.seed", raising=False)
    bundled = importlib.import_module("pypedream.examples.seed")
    as_written = importlib.import_module(SEED)
    assert dict(bundled.pipeline.parameters) == {"source1": "orders_db", "source2": "billing_api"}
    assert list(bundled.pipeline.stages) == list(as_written.pipeline.stages)
    result = bundled.pipeline.run()
    assert result == _expected("orders_db", "billing_api")
