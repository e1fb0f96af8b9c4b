"""RunResult: a mapping of return values that also carries every stage's outcome."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pypedream import (
    LoggerSettings,
    Pipeline,
    RunResult,
    SequentialOutputMapper,
    Stage,
    StageResult,
    StageStatus,
)
from tests.resources.pipelines import Calls, failing_branch


@pytest.fixture
def failed(calls: Calls) -> RunResult:
    return failing_branch(calls, retries=1).run(raise_on_failure=False, run_id="r-1")


def test_a_result_compares_equal_to_the_return_values(failed: RunResult) -> None:
    assert failed == {"root": 1, "good": 2, "after_good": 3}
    assert failed != {"root": 1}
    assert dict(failed) == {"root": 1, "good": 2, "after_good": 3}
    assert "bad" not in failed
    assert len(failed) == 3
    with pytest.raises(KeyError):
        failed["bad"]


def test_a_result_is_not_equal_to_non_mappings(failed: RunResult) -> None:
    assert failed != [("root", 1)]
    with pytest.raises(TypeError):
        hash(failed)


def test_a_result_carries_every_stage_outcome(failed: RunResult) -> None:
    assert failed.pipeline == "failing_branch"
    assert failed.run_id == "r-1"
    assert failed.log_file is None
    assert not failed.ok
    assert failed.failed == ["bad"]
    assert list(failed.stages) == ["root", "bad", "good", "after_bad", "after_good", "last"]
    assert {k: str(r.status) for k, r in failed.stages.items()} == {
        "root": "succeeded",
        "bad": "failed",
        "good": "succeeded",
        "after_bad": "upstream_failed",
        "after_good": "succeeded",
        "last": "upstream_failed",
    }
    bad = failed.stages["bad"]
    assert isinstance(bad, StageResult)
    assert bad.attempts == 2
    assert not bad.ok
    assert bad.duration >= 0
    assert failed.stages["root"].attempts == 1
    assert failed.stages["root"].ok
    assert failed.outputs("root") == {"return": 1}
    assert failed.duration >= sum(r.duration for r in failed.stages.values()) > 0
    assert failed.counts() == {"succeeded": 3, "failed": 1, "upstream_failed": 2, "skipped": 0}


def test_stage_results_are_immutable(failed: RunResult) -> None:
    with pytest.raises(AttributeError):
        failed.stages["root"].status = StageStatus.FAILED  # type: ignore[misc]


def test_summary_is_a_table_with_a_verdict(failed: RunResult) -> None:
    text = failed.summary()

    lines = text.splitlines()
    assert lines[0].split() == ["stage", "status", "attempts", "duration", "note"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    bad = next(line for line in lines if line.startswith("bad "))
    assert bad.split()[:3] == ["bad", "failed", "2"]
    assert "ValueError: bad input" in bad
    after_bad = next(line for line in lines if line.startswith("after_bad"))
    assert "upstream 'bad' failed" in after_bad
    assert lines[-1].startswith(
        "FAILED: pipeline 'failing_branch' run r-1: 3 succeeded, 1 failed, 2 upstream_failed in "
    )


def test_summary_of_a_good_run_names_the_log(tmp_path: Path) -> None:
    pipeline = Pipeline(
        "p",
        stages={"a": Stage(lambda: 1)},
        log_settings=LoggerSettings(log_dir=tmp_path, stream=False),
    )

    result = pipeline.run(run_id="r")

    lines = result.summary().splitlines()
    assert lines[-1] == f"log: {tmp_path / 'p_r.jsonl'}"
    assert lines[-2].startswith("OK: pipeline 'p' run r: 1 succeeded in ")


def test_to_dict_is_json_serialisable(failed: RunResult) -> None:
    data = json.loads(json.dumps(failed.to_dict(), allow_nan=False))

    assert data["pipeline"] == "failing_branch"
    assert data["run_id"] == "r-1"
    assert data["ok"] is False
    assert data["log_file"] is None
    assert data["counts"]["failed"] == 1
    assert data["stages"]["bad"] == {
        "status": "failed",
        "attempts": 2,
        "duration_s": data["stages"]["bad"]["duration_s"],
        "outputs": {},
        "error": "ValueError: bad input",
        "reason": None,
    }
    assert data["stages"]["root"]["outputs"] == {"return": 1}
    assert data["stages"]["last"]["reason"] == "upstream 'after_bad' upstream_failed"


def test_to_dict_turns_unserialisable_outputs_into_their_repr() -> None:
    class Thing:
        def __repr__(self) -> str:
            return "<thing>"

    pipeline = Pipeline(
        "p",
        stages={
            "a": Stage(
                lambda: (Thing(), 2, float("nan"), {(1, 2): 3}),
                output_mapper=SequentialOutputMapper(["t", "n", "nan", "tuple_keys"]),
            )
        },
        log_settings=None,
    )

    text = json.dumps(pipeline.run().to_dict(), allow_nan=False)

    assert json.loads(text)["stages"]["a"]["outputs"] == {
        "t": "<thing>",
        "n": 2,
        "nan": "nan",
        "tuple_keys": "{(1, 2): 3}",
    }


def test_repr_names_the_verdict(failed: RunResult) -> None:
    assert "failed: bad" in repr(failed)
    assert "run_id='r-1'" in repr(failed)
