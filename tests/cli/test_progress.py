"""The live progress line: rendering, redraws around log lines, and when it is not drawn."""

from __future__ import annotations

import io
import threading

import pytest

from pypedream.cli.progress import LiveProgress, render_progress, wants_progress
from pypedream.execution.console import write_console
from pypedream.execution.result import StageResult, StageStatus

CLEAR = "\r\x1b[K"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def finished(key: str, status: StageStatus = StageStatus.SUCCEEDED) -> StageResult:
    return StageResult(key, status)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param((10, 0, 0, []), "[0/10 done, 0 running, 0 failed]", id="start"),
        pytest.param(
            (10, 3, 0, ["a", "b"]), "[3/10 done, 2 running, 0 failed] running: a, b", id="running"
        ),
        pytest.param((2, 2, 1, []), "[2/2 done, 0 running, 1 failed]", id="finished"),
    ],
)
def test_render_progress(args: tuple, expected: str) -> None:
    assert render_progress(*args) == expected


def test_render_progress_never_wraps() -> None:
    line = render_progress(100, 1, 0, [f"stage_{i}" for i in range(50)], width=40)
    assert len(line) == 39
    assert line.startswith("[1/100 done, 50 running, 0 failed] run")
    assert line.endswith("…")


def test_progress_counts_events() -> None:
    progress = LiveProgress(4, io.StringIO(), width=200)
    progress.stage_started("a")
    progress.stage_started("b")
    assert progress.text() == "[0/4 done, 2 running, 0 failed] running: a, b"
    progress.stage_finished(finished("a"))
    progress.stage_finished(finished("b", StageStatus.FAILED))
    progress.stage_finished(finished("c", StageStatus.UPSTREAM_FAILED))  # never started
    assert progress.text() == "[3/4 done, 0 running, 1 failed]"


def test_progress_redraws_in_place_and_erases_itself() -> None:
    terminal = FakeTerminal()
    with LiveProgress(2, terminal, width=200) as progress:
        progress.stage_started("a")
        progress.stage_finished(finished("a"))
    assert terminal.getvalue() == (
        f"{CLEAR}[0/2 done, 0 running, 0 failed]"
        f"{CLEAR}[0/2 done, 1 running, 0 failed] running: a"
        f"{CLEAR}[1/2 done, 0 running, 0 failed]"
        f"{CLEAR}"
    )


def test_log_lines_clear_the_line_and_redraw_it_below() -> None:
    terminal = FakeTerminal()
    with LiveProgress(1, terminal, width=200) as progress:
        progress.stage_started("a")
        terminal.seek(0)
        terminal.truncate()
        write_console(terminal, "a log line\n")  # what the console log sink does
        assert terminal.getvalue() == (
            f"{CLEAR}a log line\n{CLEAR}[0/1 done, 1 running, 0 failed] running: a"
        )
    terminal.seek(0)
    terminal.truncate()
    write_console(terminal, "after the run\n")  # hooks are gone: written as is
    assert terminal.getvalue() == "after the run\n"


def test_hooks_are_removed_when_the_run_raises() -> None:
    terminal = FakeTerminal()
    with pytest.raises(KeyboardInterrupt), LiveProgress(1, terminal, width=200):
        raise KeyboardInterrupt
    assert terminal.getvalue().endswith(CLEAR)
    terminal.seek(0)
    terminal.truncate()
    write_console(terminal, "x\n")
    assert terminal.getvalue() == "x\n"


def test_nothing_is_drawn_before_entering() -> None:
    terminal = FakeTerminal()
    progress = LiveProgress(1, terminal)
    progress.stage_started("a")
    assert terminal.getvalue() == ""


def test_wants_progress_only_on_a_capable_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    assert wants_progress(FakeTerminal())
    assert not wants_progress(io.StringIO())
    monkeypatch.setenv("TERM", "dumb")
    assert not wants_progress(FakeTerminal())


def test_width_falls_back_when_the_terminal_size_is_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    progress = LiveProgress(1, FakeTerminal())  # StringIO has no terminal size
    progress.stage_started("a_stage_with_a_long_name")
    assert len(progress.text()) == 29


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(0.4, "0s", id="under-a-second"),
        pytest.param(59.9, "59s", id="seconds"),
        pytest.param(65, "1m05s", id="minutes"),
        pytest.param(7380, "2h03m", id="hours"),
    ],
)
def test_elapsed_time_is_short(seconds: float, text: str) -> None:
    from pypedream.cli.progress import format_elapsed

    assert format_elapsed(seconds) == text


def test_the_line_shows_the_elapsed_time_and_ticks() -> None:
    now = [100.0]
    terminal = FakeTerminal()
    with LiveProgress(3, terminal, width=200, clock=lambda: now[0], tick=0.01) as progress:
        assert progress.text() == "[0/3 done, 0 running, 0 failed, 0s]"
        now[0] = 172.0
        deadline = 100
        while "1m12s" not in terminal.getvalue() and deadline:  # redrawn by the ticker
            deadline -= 1
            threading.Event().wait(0.01)
    assert f"{CLEAR}[0/3 done, 0 running, 0 failed, 1m12s]" in terminal.getvalue()
    assert not any(thread.name == "pypedream-progress" for thread in threading.enumerate())


def test_a_status_line_shows_its_step_and_the_elapsed_time() -> None:
    from pypedream.cli.progress import StatusLine

    now = [5.0]
    terminal = FakeTerminal()
    with StatusLine(terminal, lambda: now[0], tick=None, width=200) as status:
        status.set("parity: running in Airflow")
        now[0] = 17.0
        status.set("parity: comparing")
    assert terminal.getvalue() == (
        f"{CLEAR}{CLEAR}parity: running in Airflow [0s]{CLEAR}parity: comparing [12s]{CLEAR}"
    )
