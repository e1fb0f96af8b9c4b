"""Log destination faults: refused before anything runs, or kept out of a finished run."""

from __future__ import annotations

import gc
import io
import json
import logging
import logging.config
import os
from pathlib import Path

import pytest

from pypedream import LogDestinationError, LoggerSettings, Pipeline, Stage
from pypedream import logging as plog
from pypedream.input import known
from tests.resources.pipelines import Calls


def _recorded(calls: Calls, settings: LoggerSettings | None) -> Pipeline:
    def step(n: int) -> int:
        calls.add("step")
        plog.info("stepped", n=n)
        return n

    return Pipeline(
        "p",
        stages={"a": Stage(step, inputs=[known(1, "n")]), "b": Stage(step, inputs=[known(2, "n")])},
        log_settings=settings,
    )


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param("unwritable", id="unwritable-directory"),
        pytest.param("not-permitted", id="not-permitted-even-for-root"),
        pytest.param("file-in-the-way", id="file-where-a-directory-should-be"),
        pytest.param("name-too-long", id="run-id-too-long-for-a-file-name"),
    ],
)
def test_a_log_that_cannot_be_opened_stops_the_run_before_any_stage(
    tmp_path: Path, calls: Calls, fault: str
) -> None:
    fixes = {
        "unwritable": "Fix: point LoggerSettings(log_dir=...) at a writable directory, or pass",
        "not-permitted": "Fix: point LoggerSettings(log_dir=...) at a writable directory, or",
        "file-in-the-way": "Fix: move that file away, or point LoggerSettings(log_dir=...)",
        "name-too-long": "Fix: use a shorter run id",
    }
    if fault == "not-permitted":
        if not Path("/sys/kernel").is_dir():
            pytest.skip("needs /sys, where nobody may make a directory")
        settings = LoggerSettings(log_dir="/sys/pypedream-test-logs")
    elif fault == "unwritable":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only directories")
        readonly = tmp_path / "ro"
        readonly.mkdir()
        readonly.chmod(0o500)
        settings = LoggerSettings(log_dir=readonly / "logs")
    elif fault == "file-in-the-way":
        (tmp_path / "a-file").write_text("not a directory")
        settings = LoggerSettings(log_dir=tmp_path / "a-file" / "logs")
    else:
        settings = LoggerSettings(log_dir=tmp_path, stream=False)
    pipeline = _recorded(calls, settings)

    with pytest.raises(LogDestinationError) as raised:
        pipeline.run(run_id="r" * 300 if fault == "name-too-long" else None)

    assert calls.order == []
    message = str(raised.value)
    assert "cannot write the run's log file" in message
    assert "nothing was run" in message
    assert fixes[fault] in message  # the fix that fits the fault
    assert isinstance(raised.value, OSError)


def test_a_log_that_fails_after_stages_ran_keeps_the_result_and_summary(calls: Calls) -> None:
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("needs /dev/full to simulate a full disk")
    console = io.StringIO()
    pipeline = _recorded(calls, LoggerSettings(stream=console, file=str(full)))

    result = pipeline.run()

    assert result == {"a": 1, "b": 2}
    assert calls.order == ["step", "step"]
    assert result.log_problem is not None and "No space left on device" in result.log_problem
    summary = result.summary()
    assert "2 succeeded" in summary
    assert "log problem: /dev/full: writing failed" in summary
    assert "run_finished" in console.getvalue()  # the console kept logging
    assert result.to_dict()["log_problem"] == result.log_problem


def test_writes_after_the_log_is_closed_are_dropped(tmp_path: Path) -> None:
    from pypedream.execution.log_setup import create_run_log

    run_log = create_run_log(
        LoggerSettings(stream=False, log_dir=tmp_path), pipeline="p", run_id="r1"
    )
    run_log.logger.info("before")
    run_log.close()
    run_log.logger.info("after")  # e.g. a worker thread still running after an interrupt

    assert run_log.problem is None
    assert run_log.file_path is not None
    events = [json.loads(line)["event"] for line in run_log.file_path.read_text().splitlines()]
    assert events == ["before"]


def _loggers() -> int:
    gc.collect()
    return sum(isinstance(item, logging.Logger) for item in gc.get_objects())


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(LoggerSettings(handlers=[logging.NullHandler()]), id="handlers"),
        pytest.param(LoggerSettings(stdlib=True, file=False), id="stdlib"),
        pytest.param(LoggerSettings(stream=False, file=False), id="no-sinks"),
    ],
)
def test_two_hundred_runs_leave_no_logger_objects_behind(settings: LoggerSettings) -> None:
    pipeline = Pipeline("leak", stages={"a": Stage(lambda: 1)}, log_settings=settings)
    pipeline.run()
    before, registered = _loggers(), len(logging.Logger.manager.loggerDict)
    for _ in range(200):
        pipeline.run()
    assert _loggers() - before <= 1
    assert len(logging.Logger.manager.loggerDict) == registered


def test_events_can_go_through_stdlib_logging_and_dict_config() -> None:
    stream = io.StringIO()
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
            "handlers": {
                "mine": {"class": "logging.StreamHandler", "stream": stream, "formatter": "plain"}
            },
            "loggers": {"etl": {"handlers": ["mine"], "level": "INFO", "propagate": False}},
        }
    )
    try:

        def step() -> int:
            plog.debug("hidden by the level")
            plog.info("loaded", rows=3)
            return 1

        pipeline = Pipeline(
            "p", stages={"a": Stage(step)}, log_settings=LoggerSettings(stdlib="etl", file=False)
        )
        pipeline.run()
    finally:
        logging.getLogger("etl").handlers.clear()

    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("INFO etl {")
    loaded = [json.loads(line.split(" ", 2)[2]) for line in lines if '"loaded"' in line]
    assert loaded[0]["rows"] == 3 and loaded[0]["stage"] == "a"
    assert not any("hidden by the level" in line for line in lines)


def test_console_settings_for_quiet_and_a_level_leave_the_file_alone() -> None:
    from pypedream import LoggerSettings

    settings = LoggerSettings("x", file="run.jsonl", console_level="DEBUG")

    quiet = settings.for_console(quiet=True)
    assert (quiet.stream, quiet.console_level, quiet.file) == (False, "DEBUG", "run.jsonl")
    warning = settings.for_console(level="WARNING", tracebacks=False)
    assert (warning.stream, warning.console_level, warning.console_tracebacks) == (
        True,
        "WARNING",
        False,
    )
    assert settings.for_console() == settings
