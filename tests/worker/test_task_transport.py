"""`run_task` with a duck-typed task instance: allowlisted values travel exactly, crafted or
modified envelopes fail the task with the codec's error before the stage runs, signing and the
`airflow_xcoms` switch behave as documented."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest

from pypedream.errors import InputBindingError
from pypedream.worker import run_task
from pypedream.worker.envelope import (
    ENVELOPE_SECRET_ENV,
    SIGNED_PREFIX,
    EnvelopeSignatureError,
    envelope_outputs,
    write_envelope,
)
from pypedream.worker.fingerprint import fingerprint
from pypedream.worker.value_codec import UntrustedValueError
from tests.worker.gadgets import shell_command
from tests.worker.resources import pipelines
from tests.worker.resources.types import Color, Perm, Point

REFERENCE = "tests.worker.resources.pipelines:chain"
TASK_IDS = {"make": "make", "use": "use", "last": "last"}


class FakeTi:
    """The part of Airflow's task instance run_task uses, over one shared XCom store."""

    def __init__(self, store: dict, task_id: str, dag_id: str = "chain") -> None:
        self.store, self.task_id, self.dag_id, self.try_number = store, task_id, dag_id, 1

    def xcom_push(self, key: str, value: Any) -> None:
        self.store[(self.task_id, key)] = value

    def xcom_pull(self, task_ids: str, key: str) -> Any:
        return self.store.get((task_ids, key))


def _run(store: dict, task_id: str, run_id: str = "run1", **kwargs: Any) -> None:
    context = {"ti": FakeTi(store, task_id), "run_id": run_id, "params": {}}
    run_task(REFERENCE, fingerprint(pipelines.chain), context, task_ids=TASK_IDS, **kwargs)


@pytest.fixture(autouse=True)
def _fresh(monkeypatch) -> None:
    monkeypatch.delenv(ENVELOPE_SECRET_ENV, raising=False)
    pipelines.RAN.clear()


def test_allowlisted_values_and_variables_travel_exactly() -> None:
    store: dict = {}
    for task_id in ("make", "use"):
        _run(store, task_id)
    got = envelope_outputs(store[("use", "pypedream")], _allow())["return"]
    assert got[1] is Color.GREEN
    assert got[0]["perm"] is Perm.R | Perm.W
    assert vars(got[0]["point"]) == {"x": 1, "y": 2.0, "norm": 3.0}
    assert type(store[("use", "return_value")][0]["point"]) is Point  # the idiomatic copy


def _allow() -> Any:
    from pypedream.worker.allowlist import pipeline_allowlist

    return pipeline_allowlist(pipelines.chain)


def _tamper(store: dict, task_id: str, change: Any) -> None:
    _, _, body = store[(task_id, "pypedream")].partition("pypedream:v1:")
    envelope = json.loads(body)
    change(envelope)
    store[(task_id, "pypedream")] = "pypedream:v1:" + json.dumps(envelope)


def test_a_crafted_variable_fails_the_task_before_the_stage_and_is_not_passed_on(tmp_path):
    marker = tmp_path / "pwned"
    gadget = shell_command(f"touch {marker}")  # ran in every downstream task before
    store: dict = {}
    _run(store, "make")
    _tamper(store, "make", lambda e: e["variables"].update(hidden=[0, gadget]))
    with pytest.raises(UntrustedValueError, match="stage 'make' variable 'hidden'"):
        _run(store, "use")
    gc.collect()
    assert not marker.exists()
    assert pipelines.RAN == ["make"]  # `use` never ran
    assert ("use", "pypedream") not in store  # nothing handed on to `last`


def test_a_crafted_output_fails_the_reading_stage_because_of_the_codec_error() -> None:
    store: dict = {}
    _run(store, "make")
    crafted = {"__pypedream__": "enum", "v": ["os:__dict__", "system"]}
    _tamper(store, "make", lambda e: e["outputs"].update({"return": crafted}))
    with pytest.raises(InputBindingError, match="stage 'use' input 'got'") as caught:
        _run(store, "use")  # outputs are decoded when a stage reads them
    assert isinstance(caught.value.__cause__, UntrustedValueError)
    assert "stage 'make' outputs: class os.__dict__ is not in the type allowlist" in str(
        caught.value.__cause__
    )
    assert pipelines.RAN == ["make"]


def test_signed_envelopes_refuse_modification_replay_and_unsigned_ones(monkeypatch) -> None:
    monkeypatch.setenv(ENVELOPE_SECRET_ENV, "s3cret")
    store: dict = {}
    _run(store, "make")
    signed = store[("make", "pypedream")]
    assert signed.startswith("pypedream:v1-hmac-sha256:")
    _run(store, "use")  # a good signature passes

    store[("make", "pypedream")] = signed.replace('"x":1', '"x":2')
    with pytest.raises(EnvelopeSignatureError, match="signature does not match"):
        _run(store, "use")

    store[("make", "pypedream")] = signed
    with pytest.raises(UntrustedValueError, match="it was written by"):
        _run(store, "use", run_id="another-run")  # replayed from run1

    store[("make", "pypedream")] = "pypedream:v1:" + signed.split(":", 3)[3]
    with pytest.raises(EnvelopeSignatureError, match="not signed"):
        _run(store, "use")

    monkeypatch.setenv(ENVELOPE_SECRET_ENV, "other")
    store[("make", "pypedream")] = signed
    with pytest.raises(EnvelopeSignatureError, match="does not match"):
        _run(store, "use")
    monkeypatch.delenv(ENVELOPE_SECRET_ENV)
    with pytest.raises(EnvelopeSignatureError, match="is not set on this worker"):
        _run(store, "use")


def test_airflow_xcoms_off_pushes_only_the_envelope() -> None:
    store: dict = {}
    _run(store, "make", airflow_xcoms=False)
    assert list(store) == [("make", "pypedream")]
    _run(store, "use")
    assert ("use", "return_value") in store


def test_dev_airflow_reads_signed_envelopes_too() -> None:
    from tests.worker.test_contract import _load_dev_airflow

    dev = _load_dev_airflow()
    assert dev.SIGNED_ENVELOPE_PREFIX == SIGNED_PREFIX  # type: ignore[attr-defined]
    trees = {"return": [1, 2]}
    text = write_envelope(trees, {}, scope={"task_id": "t"}, secret="s3cret")
    assert text.startswith(SIGNED_PREFIX)
    assert dev.read_envelope_trees(text) == trees  # type: ignore[attr-defined]
