"""What the DAG file tells an Airflow user: doc_md on the DAG and its tasks, titled params,
and retry settings only where the pipeline sets them."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from pypedream_compiler import export_airflow

OPTIONS = "tests.export.resources.options"


def _calls(path: Path, name: str) -> list[dict[str, Any]]:
    """Keyword arguments (as source) of every call to `name` in a generated file."""
    tree = ast.parse(path.read_text())
    return [
        {kw.arg: ast.unparse(kw.value) for kw in node.keywords if kw.arg}
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == name
    ]


def _literal(source: str) -> Any:
    return ast.literal_eval(source)


def _export(tmp_path: Path, name: str) -> Path:
    [result] = export_airflow(f"{OPTIONS}:{name}", tmp_path)
    return result.path


def test_unset_retries_are_not_written(tmp_path: Path) -> None:
    path = _export(tmp_path, "no_retries")
    [dag] = _calls(path, "DAG")
    assert "default_args" not in dag
    assert all(
        "retries" not in op and "retry_delay" not in op for op in _calls(path, "PythonOperator")
    )
    assert "retries=" not in path.read_text()
    assert '"retries"' not in path.read_text()


def test_settings_every_stage_shares_go_into_default_args_once(tmp_path: Path) -> None:
    path = _export(tmp_path, "same_retries")
    [dag] = _calls(path, "DAG")
    assert dag["default_args"] == ("{'retries': 2, 'retry_delay': datetime.timedelta(seconds=30)}")
    assert all("retries" not in op for op in _calls(path, "PythonOperator"))


def test_each_task_states_only_what_its_stage_sets(tmp_path: Path) -> None:
    path = _export(tmp_path, "mixed_retries")
    [dag] = _calls(path, "DAG")
    assert "default_args" not in dag
    operators = {_literal(op["task_id"]): op for op in _calls(path, "PythonOperator")}
    assert operators["a"].get("retries") == "2"
    assert "retry_delay" not in operators["a"]
    assert "retries" not in operators["b"] and "retry_delay" not in operators["b"]
    assert operators["c"]["retries"] == "0"  # set explicitly: written, overriding the deployment
    assert operators["c"]["retry_delay"] == "datetime.timedelta(minutes=5)"


def test_the_dag_doc_has_the_pipeline_description(tmp_path: Path) -> None:
    [dag] = _calls(_export(tmp_path, "documented"), "DAG")
    doc = _literal(dag["doc_md"])
    assert doc.startswith("# documented\n\nCounts to two.\n\n")
    assert f"`{OPTIONS}:documented`" in doc
    assert doc.endswith("\n")  # never ".md", which Airflow would read as a file name


def test_task_docs_have_the_description_or_docstring_and_the_data_flow(tmp_path: Path) -> None:
    path = _export(tmp_path, "documented")
    docs = {
        _literal(op["task_id"]): _literal(op["doc_md"]) for op in _calls(path, "PythonOperator")
    }
    assert docs["a"] == "Say one.\n"  # first()'s docstring
    assert docs["b"] == (
        "Adds one.\n\nSee `a`.\n\n**Inputs from upstream tasks**\n\n"
        "- `value` ← output `return` of task `a`\n"
    )


def test_params_have_a_title_and_a_description(tmp_path: Path) -> None:
    [params] = [
        node
        for node in ast.walk(ast.parse(_export(tmp_path, "documented").read_text()))
        if isinstance(node, ast.Dict)
        and any(
            isinstance(v, ast.Call) and getattr(v.func, "id", "") == "Param" for v in node.values
        )
    ]
    found = {
        _literal(key): {kw.arg: _literal(kw.value) for kw in value.keywords}
        for key, value in zip(params.keys, params.values, strict=True)
    }
    assert found["region"]["title"] == "Region"
    assert (
        found["region"]["description"] == "Parameter 'region' of pipeline 'documented' (required)."
    )
    assert found["min_amount"]["title"] == "Min amount"
    assert found["min_amount"]["description"] == "Smallest amount"


@pytest.mark.parametrize("name", ["hostile"])
def test_a_task_id_that_is_no_python_name_is_looked_up_not_repeated(
    tmp_path: Path, name: str
) -> None:
    [result] = export_airflow(f"tests.export.resources.pipelines:{name}", tmp_path)
    source = result.path.read_text()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if getattr(node.value.func, "id", "") != "PythonOperator":
                continue
            [task_id] = [kw.value for kw in node.value.keywords if kw.arg == "task_id"]
            variable = node.targets[0].id  # type: ignore[attr-defined]
            if isinstance(task_id, ast.Constant):
                assert task_id.value == variable
            else:
                assert ast.unparse(task_id).startswith("TASK_IDS[")
