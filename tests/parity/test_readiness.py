"""The export-readiness report: every trap of ../shared/airflow-notes.md gives its warning."""

from __future__ import annotations

import json

import pytest

from pypedream import Pipeline
from pypedream.worker.envelope import write_envelope
from pypedream.worker.readiness import LARGE_VALUE_BYTES, check_readiness
from pypedream.worker.value_codec import MAX_DEPTH, dump_json, to_tree
from tests.parity.resources.pipelines import fine, readiness


@pytest.fixture(scope="module")
def report():
    return check_readiness(readiness.run(raise_on_failure=False), readiness)


def _find(report, stage: str, kind: str, path: str = ""):
    found = [w for w in report.warnings if (w.stage, w.kind, w.path) == (stage, kind, path)]
    assert len(found) == 1, [w.describe() for w in report.warnings if w.stage == stage]
    return found[0]


@pytest.mark.parametrize(
    ("stage", "kind", "path", "words"),
    [
        pytest.param("integral", "integral-float", "", "25.0 (float) comes back as 25", id="float"),
        pytest.param("huge_int", "big-int", "", "comes back as a float", id="big-int"),
        pytest.param("traps", "refused", "['raw']", "bytes is refused", id="bytes"),
        pytest.param("traps", "refused", "['complex']", "complex is refused", id="complex"),
        pytest.param("traps", "refused", "['colour']", "Colour is refused", id="enum"),
        pytest.param("traps", "refused", "['path']", "PurePosixPath is refused", id="path"),
        pytest.param("traps", "refused", "['nan']", "NaN/inf", id="nan"),
        pytest.param("traps", "changed", "['ids']<key>", "key of type int becomes a str", id="key"),
        pytest.param("traps", "changed", "['money']", "Decimal goes through float", id="decimal"),
        pytest.param("traps", "changed", "['nested'][0]", "becomes a list on Airflow 2", id="tup"),
        pytest.param("traps", "refused", "['id']", "UUID is refused by Airflow 2", id="uuid"),
        pytest.param("traps", "needs-config", "['point']", "allowed_deserialization", id="dc"),
        pytest.param("named", "integral-float", "", "3.0 (float) comes back as 3", id="named"),
    ],
)
def test_each_airflow_trap_is_a_non_blocking_warning(report, stage, kind, path, words) -> None:
    warning = _find(report, stage, kind, path)
    assert words in warning.message
    assert not warning.blocking
    assert warning.airflow_xcom_only
    assert "Airflow XCom" in warning.describe()


def test_named_outputs_are_checked_under_their_own_xcom_key(report) -> None:
    assert _find(report, "named", "integral-float").xcom == "total"
    under_return_value = [
        w.kind for w in report.warnings if w.stage == "named" and w.xcom == "return_value"
    ]
    assert under_return_value == ["reordered"]  # the dict itself: JSONB's key order


@pytest.mark.parametrize(
    ("stage", "kind", "backend", "label"),
    [
        pytest.param("integral", "integral-float", "sqlite", "[SQLite only]", id="sqlite-float"),
        pytest.param("huge_int", "big-int", "sqlite", "[SQLite only]", id="sqlite-int"),
        pytest.param("named", "reordered", "postgresql", "[PostgreSQL only]", id="jsonb-order"),
        pytest.param("traps", "changed", "any", "", id="both"),
    ],
)
def test_each_warning_says_which_metadata_backend_it_applies_to(
    report, stage: str, kind: str, backend: str, label: str
) -> None:
    warning = next(w for w in report.warnings if w.stage == stage and w.kind == kind)
    assert warning.backend == backend
    assert warning.describe().endswith(label) if label else "only]" not in warning.describe()


@pytest.mark.parametrize(
    ("stage", "path", "type_name"),
    [
        pytest.param("plain", "", "tests.parity.resources.pipelines.Plain", id="plain-class"),
    ],
)
def test_a_value_pypedream_cannot_encode_blocks(report, stage, path, type_name) -> None:
    warning = _find(report, stage, "unsupported", path)
    assert warning.blocking
    assert "cannot be carried at all" in warning.message
    assert "ValueTransportError" in warning.message
    assert type_name in warning.message
    # the task fails before storing Airflow's own XComs: no second warning about them
    assert [w.kind for w in report.warnings if w.stage == stage] == ["unsupported"]
    assert next(o for o in report.outputs if o.stage == stage).size is None


def test_a_namedtuple_from_the_pipeline_package_is_carried(report) -> None:
    # only Airflow's own return_value turns it into a tuple; pypedream's XCom keeps it
    (warning,) = [w for w in report.warnings if w.stage == "pair"]
    assert (warning.kind, warning.blocking) == ("changed", False)
    assert next(o for o in report.outputs if o.stage == "pair").size is not None


def test_large_value_names_the_object_storage_backend(report) -> None:
    warning = _find(report, "big", "large")
    assert not warning.blocking and not warning.airflow_xcom_only
    assert "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend" in warning.message
    assert "xcom_objectstorage_path" in warning.message
    assert next(o for o in report.outputs if o.stage == "big").size > LARGE_VALUE_BYTES


def test_plain_values_give_no_warning_and_sizes_are_the_encoded_length(report) -> None:
    assert not [w for w in report.warnings if w.stage in ("day", "nothing")]
    day = next(o for o in report.outputs if o.stage == "day")
    size = len(dump_json(to_tree(readiness.run()["day"])))
    assert (day.type_name, day.size) == ("datetime.date", size)


def test_report_renders_verdict_and_note_and_serializes(report) -> None:
    text = report.render()
    assert text.splitlines()[-1].startswith("NOT READY: 1 value(s) cannot be carried")
    assert "pypedream stages downstream receive the exact values" in text
    assert report.blocking
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ready"] is False
    assert {w["kind"] for w in data["warnings"]} >= {"unsupported", "large", "refused"}


def test_a_clean_pipeline_is_ready() -> None:
    report = check_readiness(fine.run(), fine)
    assert not report.warnings
    assert report.render().splitlines()[-1].startswith("READY: every value can be carried")


def test_failed_stages_are_listed_as_not_checked() -> None:
    from tests.parity.resources.pipelines import unsupported

    report = check_readiness(unsupported.run(airflow_fidelity=True, raise_on_failure=False))
    assert report.not_checked == {
        "makes_object": "failed",
        "uses_object": "upstream_failed",
        "deep": "failed",
        "loop": "failed",
    }


def test_check_reports_deep_and_self_containing_values_as_blocking_with_their_path() -> None:
    from tests.parity.resources.pipelines import unsupported

    report = check_readiness(unsupported.run(), unsupported)
    blocking = {w.stage: w for w in report.warnings if w.blocking}
    assert blocking["deep"].path == "[0]" * 100
    assert blocking["loop"].path == "['rows'][0]"
    assert "(it contains itself)" in blocking["loop"].message
    assert f"(nested deeper than {MAX_DEPTH} levels; flatten the value)" in blocking["deep"].message


def test_storage_shows_envelope_and_idiomatic_copy_bytes_per_task(report) -> None:
    storage = {item.stage: item for item in report.storage}
    named = storage["named"]  # return_value + one XCom per named output + the envelope
    outputs = {"total": 3.0, "rows": [1, 2]}
    copies = [outputs, outputs["total"], outputs["rows"]]
    assert named.airflow_xcoms == sum(len(dump_json(value)) for value in copies)
    assert named.envelope == len(write_envelope(outputs, {}))
    assert named.total == named.envelope + named.airflow_xcoms
    assert storage["nothing"].airflow_xcoms == 0  # Airflow stores no None
    assert "plain" not in storage  # cannot be encoded: the task writes nothing
    text = report.render()
    assert "XCom bytes written per task run:" in text
    assert report.to_dict()["storage"][0]["total"] == report.storage[0].total


def test_turning_the_idiomatic_copies_off_shows_in_the_report() -> None:
    from pypedream.definition.airflow_options import AirflowOptions
    from tests.parity.resources.pipelines import transport

    report = check_readiness(transport.run(), transport)
    assert {item.airflow_xcoms for item in report.storage} == {None}
    assert not report.warnings  # nothing about Airflow's own XComs: there are none
    assert "off" in report.render()
    on = Pipeline(transport.name, stages=transport.stages, log_settings=None)
    with_copies = check_readiness(on.run(), on)
    assert all(item.airflow_xcoms for item in with_copies.storage)
    assert not with_copies.blocking and AirflowOptions().airflow_xcoms


def test_the_verdict_counts_outputs_in_good_english() -> None:
    from pypedream import Pipeline, Stage
    from pypedream.worker.readiness import check_readiness

    one = Pipeline("one", stages={"a": Stage(lambda: 1)}, log_settings=None)
    two = Pipeline("two", stages={"a": Stage(lambda: 1), "b": Stage(lambda: 2)}, log_settings=None)
    assert check_readiness(one.run(), one).verdict().endswith("(pipeline 'one', 1 output)")
    assert check_readiness(two.run(), two).verdict().endswith("(pipeline 'two', 2 outputs)")
