"""The worker side's contract with DAG files exported earlier, and the rules of its room."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import sys
from pathlib import Path

import pytest

import pypedream.worker
from pypedream.worker import run_task
from pypedream.worker.envelope import (
    ENVELOPE_KEY,
    RESERVED_XCOM_KEYS,
    RETURN_VALUE_KEY,
    airflow_xcom_pushes,
    envelope_outputs,
    read_envelope,
    write_envelope,
)
from pypedream.worker.value_codec import PREFIX, to_tree

REPO = Path(__file__).resolve().parents[2]
WORKER = REPO / "pypedream" / "worker"


def test_run_task_signature_is_the_one_exported_files_call() -> None:
    """Every exported DAG file calls `run_task(PIPELINE, FINGERPRINT, context, task_ids=...,
    skip_exception=...)`: changing this breaks files already deployed."""
    signature = inspect.signature(run_task)
    described = [
        (p.name, p.kind.name, p.default is inspect.Parameter.empty)
        for p in signature.parameters.values()
    ]
    assert described[:5] == [
        ("reference", "POSITIONAL_OR_KEYWORD", True),
        ("expected_fingerprint", "POSITIONAL_OR_KEYWORD", True),
        ("context", "POSITIONAL_OR_KEYWORD", True),
        ("task_ids", "KEYWORD_ONLY", True),
        ("skip_exception", "KEYWORD_ONLY", False),
    ]
    # anything added later must be optional, so older files keep working
    assert all(not required for _, _, required in described[5:])


def test_the_template_calls_the_contract_entry_point() -> None:
    template = (REPO / "templates" / "dag.py.j2").read_text()
    assert "from pypedream.worker import run_task" in template
    assert pypedream.worker.run_task is run_task


def test_envelope_format_is_versioned_and_round_trips() -> None:
    outputs = {"return": to_tree([1.0, (2, 3)])}
    text = write_envelope(outputs, {"currency": [0, to_tree("EUR")]})

    assert text.startswith(PREFIX) and PREFIX == "pypedream:v1:"
    assert read_envelope(text) == {"outputs": outputs, "variables": {"currency": [0, "EUR"]}}
    assert envelope_outputs(text) == {"return": [1.0, (2, 3)]}
    assert ENVELOPE_KEY == "pypedream" and RETURN_VALUE_KEY == "return_value"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"outputs": {}}', id="no-prefix"),
        pytest.param("pypedream:v1:[]", id="not-a-mapping"),
        pytest.param('pypedream:v1:{"variables": {}}', id="no-outputs"),
    ],
)
def test_a_foreign_string_is_not_read_as_an_envelope(text: str) -> None:
    with pytest.raises(ValueError, match="not a pypedream envelope"):
        read_envelope(text)


def test_idiomatic_xcoms_never_overwrite_the_reserved_keys() -> None:
    pushes = airflow_xcom_pushes(
        {"a": 1}, {"a": 1, RETURN_VALUE_KEY: 2, ENVELOPE_KEY: 3}, custom_outputs=True
    )
    assert pushes == [(RETURN_VALUE_KEY, {"a": 1}), ("a", 1)]
    assert {key for key, _ in pushes}.isdisjoint(RESERVED_XCOM_KEYS - {RETURN_VALUE_KEY})
    assert airflow_xcom_pushes(None, {"return": None}, custom_outputs=False) == []


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", sorted(WORKER.glob("*.py")), ids=lambda p: p.name)
def test_worker_modules_never_import_airflow_jinja_or_libcst(path: Path) -> None:
    """Inside functions too (import-linter also enforces this, transitively)."""
    assert _imported_roots(path).isdisjoint({"airflow", "jinja2", "libcst", "pypedream_compiler"})


def _load_dev_airflow() -> object:
    path = REPO / "dev-airflow" / "airflow_dev.py"
    spec = importlib.util.spec_from_file_location("airflow_dev_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return module


def test_dev_airflow_reads_envelopes_as_the_project_does() -> None:
    """dev-airflow/airflow_dev.py stays standard-library only, so it keeps its own reader."""
    dev = _load_dev_airflow()
    assert dev.ENVELOPE_KEY == ENVELOPE_KEY  # type: ignore[attr-defined]
    assert dev.ENVELOPE_PREFIX == PREFIX  # type: ignore[attr-defined]
    trees = {"return": to_tree({"b": 1.0, "a": (1, 2)}), "n": to_tree(3)}
    text = write_envelope(trees, {})
    assert dev.read_envelope_trees(text) == read_envelope(text)["outputs"]  # type: ignore[attr-defined]
    assert dev.read_envelope_trees("not an envelope") is None  # type: ignore[attr-defined]
