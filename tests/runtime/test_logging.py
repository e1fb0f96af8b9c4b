"""Run logging: events and their fields, the JSON-lines file, the console, stage-code logging."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from pypedream import LoggerSettings, Parameters, Pipeline, PipelineFailed, Stage
from pypedream import logging as plog
from pypedream.input import known, param
from tests.resources.capture import CapturedLog
from tests.resources.pipelines import Calls, diamond, failing_branch


def _chatty(settings: LoggerSettings | None) -> Pipeline:
    """Stages that log through every pypedream.logging function."""

    def talk(n: int) -> int:
        plog.debug("a debug", n=n)
        plog.info("an info", n=n)
        plog.warning("a warning")
        plog.error("an error")
        plog.critical("a critical")
        plog.log("warning", "by name")
        plog.log(logging.ERROR, "by number")
        try:
            raise KeyError("handled")
        except KeyError:
            plog.exception("an exception")
        return n

    return Pipeline(
        "chatty",
        Parameters.define(n=1),
        stages={"talk": Stage(talk, inputs=[param("n", "n", logged=True)])},
        log_settings=settings,
    )


def _strict_json(line: str) -> dict[str, Any]:
    """Parse one line as standard JSON (no NaN or Infinity, which Python would accept)."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not standard JSON: {constant}")

    return json.loads(line, parse_constant=refuse)


def _file_events(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [_strict_json(line) for line in lines]


def test_a_run_logs_start_stage_events_and_a_summary(calls: Calls, captured: CapturedLog) -> None:
    result = diamond(calls, captured.settings).run(base=2, run_id="r1")

    assert captured.names() == [
        "run_started",
        *["stage_started", "stage_succeeded"] * 4,
        "run_finished",
    ]
    for entry in captured.entries:
        assert entry["pipeline"] == "diamond"
        assert entry["run_id"] == "r1"
    (started,) = captured.events("run_started")
    assert started["stages"] == 4
    assert started["parameters"] == {"base": 2}
    assert started["max_workers"] == 1
    for key in ("load", "left", "right", "join"):
        (succeeded,) = captured.events("stage_succeeded", stage=key)
        assert succeeded["attempt"] == 1
        assert succeeded["duration_s"] >= 0
        assert succeeded["outputs"] == ["return"]
    (finished,) = captured.events("run_finished")
    assert finished["log_level"] == "info"
    assert finished["ok"] is True
    assert (
        finished["counts"]
        == result.counts()
        == {
            "succeeded": 4,
            "failed": 0,
            "upstream_failed": 0,
            "skipped": 0,
        }
    )


def test_failures_retries_and_blocked_stages_are_logged(
    calls: Calls, captured: CapturedLog
) -> None:
    pipeline = failing_branch(calls, retries=1)
    pipeline = Pipeline(pipeline.name, stages=dict(pipeline.stages), log_settings=captured.settings)

    pipeline.run(raise_on_failure=False)

    (retrying,) = captured.events("stage_retrying")
    assert retrying["stage"] == "bad"
    assert retrying["attempt"] == 1
    assert retrying["log_level"] == "warning"
    assert retrying["error"] == "ValueError: bad input"
    assert isinstance(retrying["exc_info"], ValueError)
    assert retrying["retry_in_s"] == 0.0
    (failed,) = captured.events("stage_failed")
    assert failed["stage"] == "bad"
    assert failed["attempt"] == 2
    assert failed["attempts"] == 2
    assert failed["log_level"] == "error"
    assert isinstance(failed["exc_info"], ValueError)
    assert "duration_s" in failed
    assert [e["stage"] for e in captured.events("stage_upstream_failed")] == ["after_bad", "last"]
    (finished,) = captured.events("run_finished")
    assert finished["log_level"] == "error"
    assert finished["ok"] is False
    assert finished["failed"] == ["bad"]


def test_a_skipped_stage_is_logged(captured: CapturedLog) -> None:
    from pypedream import SkipStage

    def skip() -> None:
        raise SkipStage("not today")

    pipeline = Pipeline(
        "skip",
        stages={"a": Stage(skip), "b": Stage(lambda: 1, after=["a"])},
        log_settings=captured.settings,
    )

    pipeline.run()

    assert captured.events("stage_skipped", stage="a")[0]["reason"] == "not today"
    assert captured.events("stage_skipped", stage="b")[0]["reason"] == "upstream 'a' skipped"


def test_stage_code_logs_with_the_stage_context(captured: CapturedLog) -> None:
    _chatty(captured.settings).run(n=5)

    stage_events = [e for e in captured.entries if e.get("stage") == "talk"]
    levels = {e["event"]: e["log_level"] for e in stage_events}
    assert levels == {
        "stage_started": "info",
        "a debug": "debug",
        "an info": "info",
        "a warning": "warning",
        "an error": "error",
        "a critical": "critical",
        "by name": "warning",
        "by number": "error",
        "an exception": "error",
        "stage_succeeded": "info",
    }
    assert all(e["attempt"] == 1 and e["n"] == 5 for e in stage_events)
    assert captured.events("an exception")[0]["exc_info"] is True


def test_an_unknown_level_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown log level 'loud'"):
        plog.log("loud", "event")


@pytest.mark.parametrize(
    "workers", [pytest.param(None, id="sequential"), pytest.param(8, id="threads")]
)
def test_events_carry_their_own_stage_in_threads(
    captured: CapturedLog, workers: int | None
) -> None:
    def work(i: int) -> int:
        plog.info("working", i=i)
        return i

    pipeline = Pipeline(
        "threads",
        stages={f"s{i}": Stage(work, inputs=[known(i, "i", logged=True)]) for i in range(16)},
        log_settings=captured.settings,
    )

    pipeline.run(max_workers=workers)

    working = captured.events("working")
    assert len(working) == 16
    assert all(e["stage"] == f"s{e['i']}" for e in working)


def test_the_json_lines_file_holds_every_event(calls: Calls, tmp_path: Path) -> None:
    settings = LoggerSettings("diamond_log", log_dir=tmp_path / "runs", stream=False)

    result = diamond(calls, settings).run(run_id="r1")

    assert result.log_file == tmp_path / "runs" / "diamond_log_r1.jsonl"
    events = _file_events(result.log_file)
    assert [e["event"] for e in events] == [
        "run_started",
        *["stage_started", "stage_succeeded"] * 4,
        "run_finished",
    ]
    for event in events:
        assert event["pipeline"] == "diamond"
        assert event["run_id"] == "r1"
        assert event["level"] in {"info", "debug"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", event["timestamp"])
    assert [e["stage"] for e in events if e["event"] == "stage_started"] == [
        "load",
        "left",
        "right",
        "join",
    ]


def test_the_file_is_complete_when_run_raises(calls: Calls, tmp_path: Path) -> None:
    pipeline = failing_branch(calls)
    pipeline = Pipeline(
        pipeline.name,
        stages=dict(pipeline.stages),
        log_settings=LoggerSettings(log_dir=tmp_path, stream=False),
    )

    with pytest.raises(PipelineFailed) as raised:
        pipeline.run()

    events = _file_events(raised.value.result.log_file)
    assert events[-1]["event"] == "run_finished"
    assert events[-1]["level"] == "error"
    (failed,) = [e for e in events if e["event"] == "stage_failed"]
    assert failed["stage"] == "bad"
    frames = json.dumps(failed["exception"])
    assert "ValueError" in frames
    assert "bad input" in frames


def test_stage_code_events_and_values_reach_the_file(tmp_path: Path) -> None:
    def dated(day: dt.date) -> str:
        plog.info("dated", day=day, tags={"a"})
        return "ok"

    pipeline = Pipeline(
        "dated",
        stages={"d": Stage(dated, inputs=[known(dt.date(2024, 5, 1), "day", logged=True)])},
        log_settings=LoggerSettings(log_dir=tmp_path, stream=False),
    )

    events = _file_events(pipeline.run().log_file)

    (event,) = [e for e in events if e["event"] == "dated"]
    assert event["day"] == "2024-05-01"
    assert event["tags"] == ["a"]
    assert event["stage"] == "d"


def test_level_filters_the_file(tmp_path: Path) -> None:
    settings = LoggerSettings(log_dir=tmp_path, stream=False, level="WARNING")

    result = _chatty(settings).run()

    names = [e["event"] for e in _file_events(result.log_file)]
    assert "an info" not in names
    assert "a debug" not in names
    assert "stage_started" not in names
    assert {"a warning", "an error", "a critical", "an exception"} <= set(names)


def test_a_named_file_goes_in_log_dir_and_is_appended_to(tmp_path: Path) -> None:
    settings = LoggerSettings(log_dir=tmp_path, stream=False, file="all.jsonl")
    pipeline = Pipeline("p", stages={"a": Stage(lambda: 1)}, log_settings=settings)

    first = pipeline.run()
    second = pipeline.run()

    assert first.log_file == second.log_file == tmp_path / "all.jsonl"
    run_ids = {e["run_id"] for e in _file_events(first.log_file)}
    assert run_ids == {first.run_id, second.run_id}


def test_the_console_is_human_readable(calls: Calls) -> None:
    stream = io.StringIO()
    settings = LoggerSettings(stream=stream, file=False)

    result = diamond(calls, settings).run()

    text = stream.getvalue()
    lines = text.splitlines()
    assert len(lines) == 10
    assert not any(line.lstrip().startswith("{") for line in lines)
    assert re.search(r"\[info\s*\] stage_succeeded\s+stage=load attempt=1", text)
    assert result.run_id not in text  # the same on every line: kept in the file only
    assert "\x1b[" not in text  # no colours on a non-terminal
    assert result.log_file is None


def test_console_level_filters_the_console() -> None:
    stream = io.StringIO()
    settings = LoggerSettings(stream=stream, file=False, console_level="ERROR")

    _chatty(settings).run()

    text = stream.getvalue()
    assert "an error" in text
    assert "an info" not in text
    assert "a warning" not in text


def test_default_settings_log_to_stderr_and_a_file_in_logs(
    calls: Calls, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pipeline = Pipeline("My Pipe/line", stages={"a": Stage(lambda: 1)})

    result = pipeline.run(run_id="r9")

    assert result.log_file == Path("logs") / "My_Pipe_line_r9.jsonl"
    assert (tmp_path / result.log_file).is_file()
    assert "stage_succeeded" in capsys.readouterr().err


def test_log_settings_none_writes_nothing(
    calls: Calls, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def talk() -> int:
        plog.info("quiet please")
        plog.exception("still quiet")
        return 1

    pipeline = Pipeline("p", stages={"a": Stage(talk)}, log_settings=None)

    result = pipeline.run()

    assert result == {"a": 1}
    assert result.log_file is None
    assert list(tmp_path.iterdir()) == []
    out = capsys.readouterr()
    assert out.out == out.err == ""


def test_logging_outside_a_run_uses_a_console_logger(capsys: pytest.CaptureFixture[str]) -> None:
    plog.info("hello from a notebook", answer=42)
    plog.debug("too detailed")

    err = capsys.readouterr().err
    assert "hello from a notebook" in err
    assert "answer=42" in err
    assert "too detailed" not in err


def test_stdlib_handlers_receive_every_event(tmp_path: Path) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    settings = LoggerSettings(handlers=[Keep()], log_dir=tmp_path)

    result = _chatty(settings).run()

    events = [r.pypedream["event"] for r in records]  # type: ignore[attr-defined]
    assert events[0] == "run_started"
    assert events[-1] == "run_finished"
    assert "an info" in events
    assert json.loads(records[0].getMessage())["event"] == "run_started"
    assert result.log_file is None
    assert list(tmp_path.iterdir()) == []


def test_a_stdlib_logger_can_override_everything() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    target = logging.getLogger("pypedream.tests.override")
    target.setLevel(logging.DEBUG)
    target.propagate = False
    target.addHandler(Keep())

    _chatty(LoggerSettings(override_logger=target)).run()

    by_event = {r.pypedream["event"]: r for r in records}  # type: ignore[attr-defined]
    assert by_event["a warning"].levelno == logging.WARNING
    assert by_event["stage_started"].pypedream["stage"] == "talk"  # type: ignore[attr-defined]


def test_an_unknown_level_in_settings_fails_before_any_stage(calls: Calls) -> None:
    settings = LoggerSettings(stream=False, level="LOUD")

    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        diamond(calls, settings).run()
    assert len(calls) == 0


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param(LoggerSettings(), Path("logs/p_r.jsonl"), id="default"),
        pytest.param(LoggerSettings("n", log_dir="d"), Path("d/n_r.jsonl"), id="named"),
        pytest.param(LoggerSettings(file="x.jsonl"), Path("logs/x.jsonl"), id="relative-file"),
        pytest.param(LoggerSettings(file="/tmp/x.jsonl"), Path("/tmp/x.jsonl"), id="absolute"),
        pytest.param(LoggerSettings(file=False), None, id="no-file"),
        pytest.param(LoggerSettings(handlers=[]), None, id="handlers"),
        pytest.param(LoggerSettings(override_logger=object()), None, id="override"),
    ],
)
def test_logger_settings_file_path(settings: LoggerSettings, expected: Path | None) -> None:
    assert settings.file_path("p", "r") == expected


@pytest.mark.parametrize(
    ("run_id", "name"),
    [
        pytest.param("../../escape", "p_.._.._escape.jsonl", id="traversal"),
        pytest.param(
            "manual__2024-01-01T00:00:00+00:00",
            "p_manual__2024-01-01T00_00_00_00_00.jsonl",
            id="airflow-run-id",
        ),
    ],
)
def test_a_run_id_cannot_escape_log_dir(tmp_path: Path, run_id: str, name: str) -> None:
    settings = LoggerSettings(log_dir=tmp_path / "logs", stream=False)
    pipeline = Pipeline("p", stages={"a": Stage(lambda: 1)}, log_settings=settings)

    result = pipeline.run(run_id=run_id)

    assert result.log_file == tmp_path / "logs" / name
    assert result.log_file.is_file()
    assert _file_events(result.log_file)[0]["run_id"] == run_id


def test_logger_settings_are_positional_as_in_the_seed(tmp_path: Path) -> None:
    settings = LoggerSettings("ok_enough", log_dir=tmp_path)

    assert settings.name == "ok_enough"
    assert settings.log_dir == tmp_path


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({(1, 2): "tuple key"}, id="tuple-key"),
        pytest.param(float("nan"), id="nan"),
        pytest.param(b"\xff", id="bytes"),
    ],
)
def test_a_value_json_cannot_hold_never_fails_the_stage(tmp_path: Path, value: Any) -> None:
    def talk() -> int:
        plog.info("odd value", value=value, day=dt.date(2024, 5, 1))
        return 1

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    for settings in (
        LoggerSettings(log_dir=tmp_path, stream=False),
        LoggerSettings(handlers=[Keep()]),
    ):
        pipeline = Pipeline("p", stages={"a": Stage(talk)}, log_settings=settings)

        result = pipeline.run()

        assert result == {"a": 1}
    (log_file,) = tmp_path.glob("p_*.jsonl")
    (event,) = [e for e in _file_events(log_file) if e["event"] == "odd value"]
    assert event["stage"] == "a"
    assert event["day"] == "2024-05-01"
    (record,) = [r for r in records if r.pypedream["event"] == "odd value"]  # type: ignore[attr-defined]
    assert _strict_json(record.getMessage())["stage"] == "a"


def test_a_circular_value_never_fails_the_stage(tmp_path: Path) -> None:
    loop: list[Any] = []
    loop.append(loop)

    def talk() -> int:
        plog.info("loop", value=loop)
        return 1

    pipeline = Pipeline(
        "p", stages={"a": Stage(talk)}, log_settings=LoggerSettings(log_dir=tmp_path, stream=False)
    )

    result = pipeline.run()

    assert result == {"a": 1}
    (event,) = [e for e in _file_events(result.log_file) if e["event"] == "loop"]
    assert event["value"] == "[[...]]"


def test_the_console_shows_a_plain_traceback_without_locals() -> None:
    def bad(secret: str) -> None:
        raise ValueError("boom")

    stream = io.StringIO()
    pipeline = Pipeline(
        "p",
        stages={"a": Stage(bad, inputs=[known("hunter2", "secret")])},
        log_settings=LoggerSettings(stream=stream, file=False),
    )

    pipeline.run(raise_on_failure=False)

    text = stream.getvalue()
    assert "Traceback (most recent call last):" in text
    assert "ValueError: boom" in text
    assert "hunter2" not in text  # no local variables dumped
