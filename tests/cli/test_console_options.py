"""NO_COLOR, --quiet and --log-level; a failure's traceback printed once; log faults exit 2."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from pypedream import LoggerSettings, Pipeline, Stage
from pypedream import logging as plog
from pypedream.execution.log_setup import wants_color
from tests.cli.conftest import PACKAGE, Outcome

STEERING = f"{PACKAGE}.steering"
Cli = Callable[..., Outcome]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("no_color", "expected"),
    [
        pytest.param(None, True, id="unset"),
        pytest.param("1", False, id="set"),
        pytest.param("", True, id="empty-means-unset"),
    ],
)
def test_colour_follows_no_color_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, no_color: str | None, expected: bool
) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert wants_color(_Terminal()) is expected
    assert wants_color(io.StringIO()) is False  # never on a pipe


def test_no_color_console_has_no_escape_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    pipeline = Pipeline(
        "p",
        stages={"a": Stage(lambda: plog.warning("careful") or 1)},
        log_settings=LoggerSettings(stream=terminal, file=False),
    )
    monkeypatch.setenv("NO_COLOR", "1")
    pipeline.run()
    assert "careful" in terminal.getvalue()
    assert "\x1b[" not in terminal.getvalue()

    monkeypatch.delenv("NO_COLOR")
    coloured = _Terminal()
    pipeline.with_log_settings(LoggerSettings(stream=coloured, file=False)).run()
    assert "\x1b[" in coloured.getvalue()  # the check above could fail


def test_quiet_prints_only_the_verdict(cli: Cli) -> None:
    outcome = cli("run", f"{STEERING}:chatty", "--quiet")
    assert outcome.code == 0
    assert outcome.err == ""
    lines = outcome.out.splitlines()
    assert lines[0].startswith("OK: pipeline 'chatty' run ")
    assert lines[1].startswith("log: ")
    assert len(lines) == 2
    log = Path(lines[1].removeprefix("log: "))
    assert "a debug detail" in log.read_text()  # the file keeps its own level


def test_quiet_still_reports_failures(cli: Cli) -> None:
    outcome = cli("run", f"{STEERING}:retried", "-q")
    assert outcome.code == 1
    assert "stage 'flaky' failed after 3 attempts: ValueError: flaky failed for 1" in outcome.err
    assert "stage_retrying" not in outcome.err
    assert outcome.out.startswith("FAILED: pipeline 'retried'")


@pytest.mark.parametrize(
    ("level", "shown", "hidden"),
    [
        pytest.param("debug", ["a debug detail", "an info line"], [], id="debug"),
        pytest.param("WARNING", ["a warning line"], ["an info line", "stage_started"], id="warn"),
    ],
)
def test_log_level_sets_the_console_level(
    cli: Cli, level: str, shown: list[str], hidden: list[str]
) -> None:
    outcome = cli("run", f"{STEERING}:chatty", "--log-level", level)
    assert outcome.code == 0
    for text in shown:
        assert text in outcome.err
    for text in hidden:
        assert text not in outcome.err


def test_an_unknown_log_level_is_a_usage_error(cli: Cli) -> None:
    outcome = cli("run", f"{STEERING}:chatty", "--log-level", "loud")
    assert outcome.code == 2
    assert "expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'loud'" in outcome.err


def test_a_retried_failure_prints_its_traceback_once_without_pypedream_frames(
    cli: Cli,
) -> None:
    outcome = cli("run", f"{STEERING}:retried")
    assert outcome.code == 1
    everything = outcome.out + outcome.err
    assert everything.count("Traceback (most recent call last)") == 1
    assert everything.count("stage_retrying") == 2  # each retry is still logged
    assert "pypedream/execution" not in everything
    assert 'raise ValueError(f"flaky failed for {n}")' in everything


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param("file-in-the-way", id="file-where-the-log-directory-should-be"),
        pytest.param("long-run-id", id="run-id-too-long-for-a-file-name"),
    ],
)
def test_a_log_that_cannot_be_written_exits_2_before_any_stage(
    cli: Cli, isolated: Path, fault: str
) -> None:
    arguments = ["run", f"{STEERING}:chatty"]
    if fault == "file-in-the-way":
        (isolated / "logs").write_text("a file, not a directory")
    else:
        arguments += ["--run-id", "r" * 250]
    outcome = cli(*arguments)
    assert outcome.code == 2
    assert outcome.err.startswith("Error: cannot write the run's log file")
    assert "stage_started" not in outcome.err
    assert outcome.out == ""


def test_a_required_parameter_takes_its_type_from_the_annotation(cli: Cli) -> None:
    bad = cli("run", f"{STEERING}:dated", "-p", "day=2024-13-01")
    assert bad.code == 2
    assert "parameter 'day': expected an ISO date, got '2024-13-01'" in bad.err

    good = cli("run", f"{STEERING}:dated", "-p", "day=2024-01-31", "--json")
    assert good.code == 0
    assert '"return": 3' in good.out  # a Wednesday: the stage got a date, not a string
