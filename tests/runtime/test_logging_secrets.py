"""Logs keep secrets: no frame locals, secret parameters and sensitive keys masked everywhere."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
import structlog
from structlog.testing import capture_logs

from pypedream import (
    LoggerSettings,
    Parameter,
    Parameters,
    Pipeline,
    PipelineFailed,
    Stage,
    StageResult,
)
from pypedream import logging as plog
from pypedream.cli.main import main
from pypedream.definition.secrets import Redactor, is_sensitive_key
from pypedream.input import known, param
from pypedream.views import to_mermaid

TOKEN = "tok-3f9a1c-SECRET"

PIPELINE_SOURCE = """
from pypedream import LoggerSettings, Parameter, Parameters, Pipeline, Stage
from pypedream import logging as plog
from pypedream.input import dependency, param


def fetch(token: str, city: str) -> str:
    plog.info(f"calling the API with {token}", city=city)
    plog.info("headers", headers={"Authorization": "Bearer " + token}, api_key=token)
    return f"{city} rows"


def flaky(rows: str, creds: str) -> str:
    password = creds + "-local"  # a local that a traceback with locals would dump
    raise ValueError(f"login refused for {creds!r} ({len(password)})")


pipeline = Pipeline(
    "secretive",
    Parameters.define(city="Lyon", token=Parameter(secret=True, type=str)),
    stages={
        "fetch": Stage(fetch, inputs=[param("token", "token"), param("city", "city")]),
        "flaky": Stage(
            flaky,
            inputs=[dependency("fetch", "rows"), param("token", "creds", logged=True)],
            retries=2,
        ),
    },
    log_settings=LoggerSettings(log_dir="logs"),
)
"""


def _files_with(root: Path, needle: str) -> list[str]:
    return [
        str(path)
        for path in root.rglob("*")
        if path.is_file() and needle.encode() in path.read_bytes()
    ]


def test_no_file_a_run_writes_holds_the_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "secretive.py").write_text(PIPELINE_SOURCE)
    for extra in ([], ["--json"]):
        code = main(["run", "secretive.py:pipeline", "-p", f"token={TOKEN}", *extra])
        assert code == 1
    out, err = capsys.readouterr()
    (tmp_path / "captured-stdout.txt").write_text(out)
    (tmp_path / "captured-stderr.txt").write_text(err)

    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    logs = [path for path in written if path.suffix == ".jsonl"]
    assert len(logs) == 2  # the check below reads real logs, not an empty directory
    assert "ValueError: login refused for '***'" in err
    events = [json.loads(line) for line in logs[0].read_text().splitlines()]
    assert any(event.get("exception") for event in events)  # tracebacks are still written
    assert _files_with(tmp_path, TOKEN) == []
    assert _files_with(tmp_path, json.dumps(TOKEN)[1:-1]) == []


def test_structured_tracebacks_carry_no_frame_locals(tmp_path: Path) -> None:
    def bad(n: int) -> None:
        password = "local-pass-8841"  # noqa: F841 - the value a traceback with locals dumps
        raise ValueError("boom")

    pipeline = Pipeline(
        "p",
        stages={"a": Stage(bad, inputs=[known(1, "n")])},
        log_settings=LoggerSettings(stream=False, log_dir=tmp_path),
    )
    result = pipeline.run(raise_on_failure=False)

    assert result.log_file is not None
    text = result.log_file.read_text()
    assert '"exc_type": "ValueError"' in text
    assert "local-pass-8841" not in text
    assert '"locals"' not in text


def _secret_pipeline(stream: io.StringIO | bool = False) -> Pipeline:
    def use(token: str, label: str) -> str:
        plog.info("using", value=token, label=label)
        return f"signed:{token}"

    return Pipeline(
        "s",
        Parameters.define(label="x", token=Parameter("default-secret-1", secret=True)),
        stages={"a": Stage(use, inputs=[param("token", "token"), param("label", "label")])},
        log_settings=LoggerSettings(stream=stream, file=False),
    )


def test_secret_values_are_masked_in_reprs_summaries_and_the_console() -> None:
    stream = io.StringIO()
    result = _secret_pipeline(stream).run(token=TOKEN)

    assert result["a"] == f"signed:{TOKEN}"  # the run itself sees the real value
    shown = [
        repr(result),
        repr(result.stages["a"]),
        repr(dict(result.stages)),
        result.summary(),
        json.dumps(result.to_dict()),
        result._repr_html_(),
        repr(result.shown_parameters()),
        stream.getvalue(),
    ]
    for text in shown:
        assert TOKEN not in text
    assert "signed:***" in repr(result)
    assert repr(result.stages["a"]).endswith("value='signed:***')")
    assert isinstance(result.stages["a"], StageResult)
    assert result.stages["a"] == StageResult(*result.stages["a"])
    assert result.shown_parameters() == {"label": "x", "token": "***"}
    assert "token=***" in repr(_secret_pipeline().parameters.resolve({"token": TOKEN}))


def test_a_failed_run_does_not_put_the_secret_in_pipeline_failed() -> None:
    def fail(token: str) -> None:
        raise RuntimeError(f"denied {token}")

    pipeline = Pipeline(
        "s",
        Parameters.define(token=Parameter(secret=True)),
        stages={"a": Stage(fail, inputs=[param("token", "token")])},
        log_settings=None,
    )
    with pytest.raises(PipelineFailed) as raised:
        pipeline.run(token=TOKEN)
    assert TOKEN not in str(raised.value)
    assert "denied ***" in str(raised.value)


def test_a_wrongly_typed_secret_is_not_echoed_in_the_error() -> None:
    parameters = Parameters.define(pin=Parameter(secret=True, type=int))
    problems = parameters.problems({"pin": "not-a-number-123"})
    assert problems == ["parameter 'pin': expected int, got str (***)"]


@pytest.mark.parametrize(
    ("key", "hidden"),
    [
        pytest.param("password", True, id="password"),
        pytest.param("db_password", True, id="suffix"),
        pytest.param("API-Key", True, id="case-and-dash"),
        pytest.param("access_token", True, id="access_token"),
        pytest.param("Authorization", True, id="authorization"),
        pytest.param("rows", False, id="plain"),
        pytest.param("author", False, id="prefix-of-a-name"),
    ],
)
def test_sensitive_key_names_follow_airflow(key: str, hidden: bool) -> None:
    assert is_sensitive_key(key) is hidden


def test_logged_keys_with_sensitive_names_are_masked_in_the_file(tmp_path: Path) -> None:
    def talk() -> None:
        plog.info("connect", api_key="k-1", nested={"password": "p-2", "user": "ann"}, rows=3)

    pipeline = Pipeline(
        "p", stages={"a": Stage(talk)}, log_settings=LoggerSettings(stream=False, log_dir=tmp_path)
    )
    result = pipeline.run()

    assert result.log_file is not None
    (event,) = [
        json.loads(line)
        for line in result.log_file.read_text().splitlines()
        if json.loads(line)["event"] == "connect"
    ]
    assert event["api_key"] == "***"
    assert event["nested"] == {"password": "***", "user": "ann"}
    assert event["rows"] == 3


def test_secrets_reach_stdlib_handlers_masked() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    pipeline = _secret_pipeline().with_log_settings(LoggerSettings(handlers=[Keep()]))
    pipeline.run(token=TOKEN)

    assert records
    for record in records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in json.dumps(record.pypedream, default=repr)  # type: ignore[attr-defined]


def test_a_secret_shorter_than_airflows_minimum_is_left_visible_in_free_text() -> None:
    # Airflow masks no secret under 5 characters (it would mask common words); same here.
    assert Redactor(["abcd"]).text("abcd") == "abcd"
    assert Redactor(["abcde"]).text("x abcde y") == "x *** y"


def test_the_graph_shows_no_secret_default() -> None:
    assert "default-secret-1" not in to_mermaid(_secret_pipeline())


def _leaky_pipeline(settings: LoggerSettings) -> Pipeline:
    def leak(token: str) -> None:
        plog.info(f"calling with {token}", api_key="k-12345", nested={"password": "p-2"})
        plog.info("as a field", value=token, rows=3)
        raise RuntimeError(f"denied {token}")

    return Pipeline(
        "s",
        Parameters.define(token=Parameter(secret=True)),
        stages={"a": Stage(leak, inputs=[param("token", "token", logged=True)])},
        log_settings=settings,
    )


def test_events_sent_to_the_users_structlog_logger_are_masked() -> None:
    with capture_logs() as entries:
        settings = LoggerSettings(override_logger=structlog.get_logger())
        result = _leaky_pipeline(settings).run(token=TOKEN, raise_on_failure=False)

    assert result.stages["a"].status == "failed"
    assert entries  # the check below reads real events
    assert TOKEN not in repr(entries)
    by_event = {entry["event"]: entry for entry in entries}
    assert by_event["calling with ***"]["api_key"] == "***"
    assert by_event["calling with ***"]["nested"] == {"password": "***"}
    assert by_event["as a field"]["value"] == "***"
    assert by_event["as a field"]["rows"] == 3
    assert by_event["stage_started"]["token"] == "***"
    failed = by_event["stage_failed"]
    assert "exc_info" not in failed  # the user's renderer would print the secret
    assert "RuntimeError: denied ***" in failed["exception"]


@pytest.mark.parametrize(
    ("secret", "untouched"),
    [
        pytest.param(False, True, id="no-secrets-exc_info-untouched"),
        pytest.param(True, False, id="secrets-no-exc_info-for-a-locals-renderer"),
    ],
)
def test_the_users_logger_gets_exc_info_only_when_the_run_has_no_secret(
    secret: bool, untouched: bool
) -> None:
    def fail(token: str) -> None:
        raise ValueError("plain")  # the secret is only a frame local here

    with capture_logs() as entries:
        pipeline = Pipeline(
            "p",
            Parameters.define(token=Parameter("default-secret-1", secret=secret)),
            stages={"a": Stage(fail, inputs=[param("token", "token")])},
            log_settings=LoggerSettings(override_logger=structlog.get_logger()),
        )
        pipeline.run(raise_on_failure=False)

    (failed,) = [entry for entry in entries if entry["event"] == "stage_failed"]
    if untouched:
        assert isinstance(failed["exc_info"], ValueError)
    else:
        assert "exc_info" not in failed
        assert failed["exception"].endswith("ValueError: plain")
        assert "default-secret-1" not in repr(entries)


def test_a_stdlib_override_logger_gets_secrets_masked_also_in_the_record_dict() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    target = logging.Logger("pypedream.tests.masked", logging.DEBUG)
    target.addHandler(Keep())
    _leaky_pipeline(LoggerSettings(override_logger=target)).run(token=TOKEN, raise_on_failure=False)

    assert any("exception" in record.pypedream for record in records)  # type: ignore[attr-defined]
    for record in records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in json.dumps(record.pypedream, default=repr)  # type: ignore[attr-defined]
    (connect,) = [r for r in records if r.pypedream["event"] == "calling with ***"]  # type: ignore[attr-defined]
    assert connect.pypedream["api_key"] == "***"  # type: ignore[attr-defined]
