"""The export-readiness report: every trap of ../shared/airflow-notes.md gives its warning."""

from __future__ import annotations

import json

import pytest

from pypedream.worker.readiness import LARGE_VALUE_BYTES, check_readiness
from pypedream.worker.value_codec import encode
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
        pytest.param("pair", "['pair']", "tests.parity.resources.pipelines.Pair", id="namedtuple"),
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


def test_large_value_names_the_object_storage_backend(report) -> None:
    warning = _find(report, "big", "large")
    assert not warning.blocking and not warning.airflow_xcom_only
    assert "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend" in warning.message
    assert "xcom_objectstorage_path" in warning.message
    assert next(o for o in report.outputs if o.stage == "big").size > LARGE_VALUE_BYTES


def test_plain_values_give_no_warning_and_sizes_are_the_encoded_length(report) -> None:
    assert not [w for w in report.warnings if w.stage in ("day", "nothing")]
    day = next(o for o in report.outputs if o.stage == "day")
    assert (day.type_name, day.size) == ("datetime.date", len(encode(readiness.run()["day"])))


def test_report_renders_verdict_and_note_and_serializes(report) -> None:
    text = report.render()
    assert text.splitlines()[-1].startswith("NOT READY: 2 value(s) cannot be carried")
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
    assert report.not_checked == {"makes_object": "failed", "uses_object": "upstream_failed"}
