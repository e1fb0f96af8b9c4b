"""`pypedream run` in-process: output, exit codes and the error messages users see."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pypedream.execution.console import write_console

from .conftest import PACKAGE, RESOURCES, Outcome

Cli = Callable[..., Outcome]
ARITH = f"{PACKAGE}.pipelines:pipeline"


def test_success_prints_summary_and_log_path(cli: Cli, isolated: Path) -> None:
    outcome = cli("run", ARITH, "-p", "a=10")
    assert outcome.code == 0
    lines = outcome.out.splitlines()
    assert lines[0].split() == ["stage", "status", "attempts", "duration", "note"]
    assert lines[2].split()[:3] == ["total", "succeeded", "1"]
    assert lines[3].split()[:3] == ["doubled", "succeeded", "1"]
    assert "OK: pipeline 'arith' run " in outcome.out
    log_line = lines[-1]
    assert log_line.startswith("log: ")
    log_file = isolated / log_line.removeprefix("log: ")
    events = [json.loads(line)["event"] for line in log_file.read_text().splitlines()]
    assert events[0] == "run_started"
    assert events[-1] == "run_finished"


def test_logs_go_to_stderr_without_progress_when_not_a_terminal(cli: Cli) -> None:
    outcome = cli("run", ARITH)
    assert "stage_started" in outcome.err
    assert "\r" not in outcome.err
    assert "done," not in outcome.err
    assert "stage_started" not in outcome.out


def test_json_output(cli: Cli) -> None:
    outcome = cli("run", ARITH, "-p", "a=10", "-p", "b=5", "--json", "--run-id", "my-run.1")
    assert outcome.code == 0
    result = json.loads(outcome.out)  # stdout holds the JSON and nothing else
    assert result["ok"] is True
    assert result["run_id"] == "my-run.1"
    assert result["stages"]["total"]["outputs"] == {"return": 15}
    assert result["stages"]["doubled"]["outputs"] == {"return": 30}
    assert result["log_file"].endswith("my-run.1.jsonl")
    assert "run_finished" in outcome.err


def test_json_keeps_prints_of_stages_off_stdout(cli: Cli) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:printing", "--json")
    assert json.loads(outcome.out)["stages"]["noisy"]["status"] == "succeeded"
    assert "printed by a stage" in outcome.err


def test_without_json_prints_of_stages_stay_on_stdout(cli: Cli) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:printing")
    assert outcome.out.startswith("printed by a stage\n")


def test_failing_stage_exits_1_with_summary_and_error(cli: Cli) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:failing", "-p", "a=3")
    assert outcome.code == 1
    rows = {line.split()[0]: line.split()[1] for line in outcome.out.splitlines()[2:5]}
    assert rows == {"boom": "failed", "after_boom": "upstream_failed", "independent": "succeeded"}
    assert "FAILED: pipeline 'failing'" in outcome.out
    assert "log: " in outcome.out
    details = outcome.err[outcome.err.index("stage 'boom' failed after 1 attempt") :]
    assert details.splitlines()[:5] == [
        "stage 'boom' failed after 1 attempt: ValueError: cannot handle 3",
        "    Traceback (most recent call last):",
        f'      File "{RESOURCES / "pipelines.py"}", line 21, in fail',
        '        raise ValueError(f"cannot handle {x}")',
        "    ValueError: cannot handle 3",
    ]


def test_failing_stage_with_json(cli: Cli) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:failing", "--json")
    assert outcome.code == 1
    result = json.loads(outcome.out)
    assert result["ok"] is False
    assert result["stages"]["boom"]["error"] == "ValueError: cannot handle 1"
    assert result["stages"]["independent"]["outputs"] == {"return": 2}


def test_fail_fast_and_workers(cli: Cli) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:failing", "--fail-fast", "--workers", "1", "--json")
    stages = json.loads(outcome.out)["stages"]
    assert stages["independent"]["status"] == "skipped"
    assert stages["independent"]["reason"] == "not started: fail_fast stopped the run"


def test_workers_run_on_threads(cli: Cli) -> None:
    outcome = cli("run", ARITH, "--workers", "4", "--json")
    assert outcome.code == 0
    assert "max_workers=4" in outcome.err


def test_definition_error_exits_2_and_runs_nothing(cli: Cli, isolated: Path) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:broken")
    assert outcome.code == 2
    assert outcome.out == ""
    assert outcome.err.startswith("Error: 1 problem in pipeline 'broken' (nothing was run): ")
    assert "missing_stage" in outcome.err
    assert not (isolated / "logs").exists()


def test_unknown_parameter_exits_2_with_hint(cli: Cli) -> None:
    outcome = cli("run", ARITH, "-p", "aa=1")
    assert outcome.code == 2
    assert outcome.err == (
        "Error: 1 parameter problem in pipeline 'arith' (nothing was run): "
        "unknown parameter 'aa'. Did you mean 'a'?\n"
    )


def test_missing_required_parameter_exits_2(cli: Cli) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:required")
    assert outcome.code == 2
    assert "parameter 'a' is required and has no default; pass a=..." in outcome.err


def test_bad_value_exits_2_naming_parameter_type_and_text(cli: Cli) -> None:
    outcome = cli("run", ARITH, "-p", "a=ten")
    assert outcome.code == 2
    assert "parameter 'a': expected int, got 'ten'; e.g. 3" in outcome.err
    assert outcome.out == ""


def test_repeated_parameter_exits_2(cli: Cli) -> None:
    outcome = cli("run", ARITH, "-p", "a=1", "-p", "a=2")
    assert outcome.code == 2
    assert outcome.err == "Error: parameter 'a' given twice (-p a=1 and -p a=2); pass it once\n"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param("text", "hello", "hello", id="str"),
        pytest.param("count", "7", 7, id="int"),
        pytest.param("ratio", "0.75", 0.75, id="float"),
        pytest.param("flag", "yes", True, id="bool"),
        pytest.param("items", "[1, 2]", [1, 2], id="list"),
        pytest.param("mapping", '{"x": [1]}', {"x": [1]}, id="dict"),
        pytest.param("day", "2024-02-29", "datetime.date(2024, 2, 29)", id="date"),
        pytest.param(
            "moment", "2024-02-29T08:00:00", "datetime.datetime(2024, 2, 29, 8, 0)", id="datetime"
        ),
        pytest.param("anything", '{"n": 1}', {"n": 1}, id="untyped-json"),
        pytest.param("anything", "plain", "plain", id="untyped-text"),
        pytest.param("colour", "green", "<Colour.GREEN: 'green'>", id="enum"),
    ],
)
def test_each_conversion_reaches_the_stage(
    cli: Cli, name: str, text: str, expected: object
) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:typed", "-p", f"{name}={text}", "--json")
    assert outcome.code == 0, outcome.err
    # to_dict() shows values JSON cannot hold as their repr
    assert json.loads(outcome.out)["stages"][name]["outputs"] == {"return": expected}


def test_file_target_from_another_directory(cli: Cli) -> None:
    outcome = cli("run", f"{RESOURCES / 'pipelines.py'}:make_pipeline", "--json")
    assert outcome.code == 0
    assert json.loads(outcome.out)["stages"]["one"]["outputs"] == {"return": 42}


def test_zero_argument_factory_target(cli: Cli) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:make_pipeline", "-p", "a=5", "--json")
    assert json.loads(outcome.out)["stages"]["one"]["outputs"] == {"return": 10}


def test_factory_returning_a_broken_pipeline_exits_2(cli: Cli) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:returns_broken")
    assert outcome.code == 2
    assert "missing_stage" in outcome.err


@pytest.mark.parametrize(
    ("target", "message"),
    [
        pytest.param(
            f"{PACKAGE}.pipelines:pipelin",
            "has no attribute 'pipelin'. Did you mean 'pipeline'?",
            id="attr",
        ),
        pytest.param(
            "no_such_module_xyz:pipeline", "no module named 'no_such_module_xyz'", id="mod"
        ),
        pytest.param(f"{PACKAGE}.pipelines:not_a_pipeline", "not a Pipeline", id="not-pipeline"),
        pytest.param("missing/file.py:p", "no file 'missing/file.py'", id="file"),
    ],
)
def test_bad_target_exits_2(cli: Cli, target: str, message: str) -> None:
    outcome = cli("run", target)
    assert outcome.code == 2
    assert outcome.err.startswith(f"Error: target {target!r}: ")
    assert message in outcome.err
    assert outcome.out == ""


def test_keyboard_interrupt_exits_130_with_the_summary(cli: Cli) -> None:
    outcome = cli("run", f"{PACKAGE}.pipelines:interrupted")
    assert outcome.code == 130
    assert outcome.err.endswith("stage 'stop' was interrupted while running (Ctrl-C)\n\n")
    assert "run_interrupted" in outcome.err
    rows = outcome.out.splitlines()
    assert rows[2].split()[:2] == ["stop", "interrupted"]
    assert "interrupted while running" in rows[2]
    assert "INTERRUPTED: pipeline 'interrupted'" in outcome.out


class _Terminal:
    """Wraps capsys's stderr so that the CLI sees a terminal."""

    def __init__(self, inner):
        self._inner = inner

    def isatty(self) -> bool:
        return True

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


def test_progress_is_drawn_on_a_terminal_and_cleaned_up(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(sys, "stderr", _Terminal(sys.stderr))
    outcome = cli("run", f"{PACKAGE}.pipelines:interrupted")  # hooks must go even on Ctrl-C
    assert outcome.code == 130
    assert "\r\x1b[K[0/1 done, 1 running, 0 failed, 0s] running: stop" in outcome.err
    outcome = cli("run", ARITH)
    assert outcome.code == 0
    assert "\r\x1b[K[1/2 done, 1 running, 0 failed, 0s] running: doubled" in outcome.err
    assert "\x1b[K[2/2 done" in outcome.err
    assert "\r" not in outcome.out
    plain = io.StringIO()
    write_console(plain, "x\n")  # no hooks left behind
    assert plain.getvalue() == "x\n"
