"""export_airflow: what it writes, refuses and reports (no Airflow needed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pypedream_compiler import ExportError, ExportStatus, export_airflow, is_generated
from pypedream_compiler.codegen.check import check_dag_source
from pypedream_compiler.errors import GeneratedCodeError

from pypedream import Parameters, Pipeline, Stage
from pypedream.definition.airflow_options import AirflowOptions
from pypedream.input import known
from tests.export.resources import pipelines
from tests.export.resources.pipelines import HOSTILE, TEMPLATE_LIKE

SEED = "pypedream.examples.seed:pipeline"


def _constants(path: Path) -> dict[str, object]:
    """Module-level constants of a generated file, evaluated without running it."""
    tree = ast.parse(path.read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.literal_eval(node.value)
    return found


def test_writes_one_file_per_pipeline_named_after_the_dag_id(tmp_path: Path) -> None:
    results = export_airflow([SEED, "pypedream.examples.sales:pipeline"], tmp_path)
    assert [(r.dag_id, r.status) for r in results] == [
        ("ok_enough", ExportStatus.WRITTEN),
        ("sales_report", ExportStatus.WRITTEN),
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok_enough.py", "sales_report.py"]


def test_output_is_byte_identical_across_exports(tmp_path: Path) -> None:
    command = "pypedream export-airflow pypedream.examples.seed:pipeline -o dags"
    first = export_airflow(SEED, tmp_path / "a", regenerate_command=command)[0].path
    second = export_airflow(SEED, tmp_path / "b", regenerate_command=command)[0].path
    assert first.read_bytes() == second.read_bytes()
    again = export_airflow(SEED, tmp_path / "a", regenerate_command=command)[0]
    assert again.status is ExportStatus.UNCHANGED


def test_hostile_names_and_values_stay_inert_data(tmp_path: Path) -> None:
    [result] = export_airflow(pipelines.hostile, tmp_path)
    source = result.path.read_text()
    tree = ast.parse(source)
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert "os" not in imported
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "system"]
    constants = _constants(result.path)
    assert list(constants["TASK_IDS"]) == [HOSTILE, TEMPLATE_LIKE, "joined"]
    assert all(ch.isalnum() or ch in "_.-" for tid in constants["TASK_IDS"].values() for ch in tid)
    params = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Param"
    ]
    assert ast.literal_eval(params[0].args[0]) == HOSTILE
    assert ast.literal_eval(params[1].args[0]) == TEMPLATE_LIKE
    check_dag_source(source, "hostile.py")


def test_refuses_to_overwrite_a_file_it_did_not_write(tmp_path: Path) -> None:
    mine = tmp_path / "ok_enough.py"
    mine.write_text("# my hand-written DAG\n")
    with pytest.raises(ExportError, match="was not written by pypedream; refusing"):
        export_airflow(SEED, tmp_path)
    assert mine.read_text() == "# my hand-written DAG\n"
    assert export_airflow(SEED, tmp_path, force=True)[0].status is ExportStatus.WRITTEN
    assert is_generated(mine.read_text())


def test_never_deletes_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    (tmp_path / "other_dag.py").write_text("# someone else's\n")
    export_airflow(SEED, tmp_path)
    export_airflow(SEED, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok_enough.py", "other_dag.py"]


def test_check_mode_reports_without_writing(tmp_path: Path) -> None:
    [missing] = export_airflow(SEED, tmp_path, check=True)
    assert missing.status is ExportStatus.DIFFERS
    assert not missing.path.exists()
    export_airflow(SEED, tmp_path)
    assert export_airflow(SEED, tmp_path, check=True)[0].status is ExportStatus.UP_TO_DATE
    edited = missing.path.read_text().replace('"orders_db"', '"someone"')
    missing.path.write_text(edited)
    [stale] = export_airflow(SEED, tmp_path, check=True)
    assert stale.status is ExportStatus.DIFFERS
    assert '-            "someone",' in stale.diff
    assert '+            "orders_db",' in stale.diff
    assert missing.path.read_text() == edited


def test_options_reach_the_dag(tmp_path: Path) -> None:
    options = AirflowOptions(schedule="@daily", tags=("a", "b"), owner="me", catchup=True)
    [result] = export_airflow(SEED, tmp_path, options=options, dag_id="renamed")
    source = result.path.read_text()
    assert result.path.name == "renamed.py"
    for expected in ('dag_id="renamed"', 'schedule="@daily"', "catchup=True", '"owner": "me"'):
        assert expected in source


def test_pipeline_in_a_local_scope_cannot_be_exported(tmp_path: Path) -> None:
    local = Pipeline("local", stages={"a": Stage(lambda: 1)}, log_settings=None)
    with pytest.raises(ExportError, match="defined in a local scope") as raised:
        export_airflow(local, tmp_path)
    assert "importable module" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_pipeline_found_by_object_uses_its_module_reference(tmp_path: Path) -> None:
    [result] = export_airflow(pipelines.failing, tmp_path)
    assert _constants(result.path)["PIPELINE"] == "tests.export.resources.pipelines:failing"


@pytest.mark.parametrize(
    "stages, parameters, message",
    [
        pytest.param(
            {"a b": Stage(lambda: 1), "a_b": Stage(lambda: 2)},
            None,
            "stages 'a b' and 'a_b' both become Airflow task_id 'a_b'",
            id="task-id-collision",
        ),
        pytest.param(
            {"a": Stage(lambda when: when, inputs=[known(1, "when")])},
            Parameters.define(when=object()),
            "parameter 'when': default of type object cannot be an Airflow Param",
            id="param-default-not-json",
        ),
        pytest.param(
            {"a": Stage(lambda: 1)},
            Parameters.define(ratio=float("nan")),
            "parameter 'ratio': default nan is not valid JSON",
            id="param-default-nan",
        ),
    ],
)
def test_unexportable_pipelines_list_every_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stages, parameters, message: str
) -> None:
    pipeline = Pipeline("bad one", parameters, stages, log_settings=None)
    monkeypatch.setattr(pipelines, "bad_one", pipeline, raising=False)
    with pytest.raises(ExportError, match="cannot export pipeline 'bad one'") as raised:
        export_airflow(pipeline, tmp_path)
    assert message in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_invalid_dag_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="dag_id 'no spaces please' is not a valid Airflow id"):
        export_airflow(SEED, tmp_path, dag_id="no spaces please")


def test_two_pipelines_with_one_dag_id_are_refused(tmp_path: Path) -> None:
    options = AirflowOptions(dag_id="same")
    with pytest.raises(ExportError, match=r"both export to 'same.py' \(dag_id 'same'\)"):
        export_airflow([SEED, "pypedream.examples.sales:pipeline"], tmp_path, options=options)
    assert list(tmp_path.iterdir()) == []


def test_custom_template_directory_replaces_the_dag_template(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "dag.py.j2").write_text(
        "# pypedream-generated: dag file\n"
        "# custom template for {{ spec.dag_id }}\n"
        "TASKS = {{ spec.task_ids | py }}\n"
    )
    [result] = export_airflow(SEED, tmp_path / "dags", template_dir=templates)
    assert result.path.read_text().startswith(
        "# pypedream-generated: dag file\n# custom template for ok_enough\n"
    )


@pytest.mark.parametrize(
    "source, problem",
    [
        pytest.param("import os\nos.system('x')\n", "line 2: unexpected top-level Expr", id="call"),
        pytest.param("def evil():\n    pass\n", "unexpected function", id="other-function"),
        pytest.param("x = (\n", "does not parse", id="syntax"),
        pytest.param(
            "PIPELINE = 1\nfrom x import *\nclass A: pass\n", "unexpected top-level", id="class"
        ),
        pytest.param(
            "if x:\n    import os\nelse:\n    os.system('x')\n",
            "if block may only hold imports",
            id="code-in-import-switch",
        ),
        pytest.param("with open('x') as f:\n    pass\n", "must be `with DAG", id="other-with"),
        pytest.param(
            "with DAG() as dag:\n    a = PythonOperator()\n    import os\n",
            "line 3: the DAG block may only create PythonOperators",
            id="import-in-dag-block",
        ),
        pytest.param(
            "with DAG() as dag:\n    a = print('x')\n",
            "may only create PythonOperators",
            id="other-call-in-dag-block",
        ),
        pytest.param(
            "with DAG() as dag:\n    a >> f()\n", "may only create PythonOperators", id="bad-edge"
        ),
        pytest.param(
            "with DAG(\n) as dag:\n    a = PythonOperator()\nif True:\n    import os\n",
            "line 4: code after the DAG block",
            id="code-after-the-block",
        ),
        pytest.param(
            "with DAG(\n) as dag:\n    a = PythonOperator()\n    import os\n",
            "line 4: the DAG block may only",
            id="import-in-a-piece",
        ),
        pytest.param(
            "with DAG(\n) as dag:\n    a = PythonOperator(\n",
            r"does not parse: .*\(dag.py, line 3\)",
            id="unclosed-call-in-a-piece",
        ),
    ],
)
def test_check_rejects_what_the_template_never_produces(source: str, problem: str) -> None:
    with pytest.raises(GeneratedCodeError, match=problem):
        check_dag_source(source, "dag.py")


def test_a_broken_custom_template_is_an_export_error(tmp_path: Path) -> None:
    (tmp_path / "dag.py.j2").write_text("{{ spec.no_such_field }}\n")
    with pytest.raises(ExportError, match=r"the DAG template failed.*UndefinedError"):
        export_airflow(SEED, tmp_path / "dags", template_dir=tmp_path)
    assert not (tmp_path / "dags").exists()


def test_the_regenerate_comment_alone_is_no_difference(tmp_path: Path) -> None:
    export_airflow(SEED, tmp_path, regenerate_command="pypedream export-airflow x -o ./dags")
    [result] = export_airflow(SEED, tmp_path, check=True, regenerate_command="other spelling")
    assert result.status is ExportStatus.UP_TO_DATE
    assert export_airflow(SEED, tmp_path)[0].status is ExportStatus.UNCHANGED


def test_overrides_go_on_top_of_the_pipelines_own_options(tmp_path: Path) -> None:
    [result] = export_airflow(
        "tests.export.resources.pipelines:with_options", tmp_path, overrides={"owner": "ops"}
    )
    source = result.path.read_text()
    assert 'schedule="@hourly"' in source
    assert '"owner": "ops"' in source
    with pytest.raises(ExportError, match="unknown Airflow option"):
        export_airflow(SEED, tmp_path, overrides={"shedule": "@daily"})


def test_retries_belong_to_stages_not_default_args(tmp_path: Path) -> None:
    options = AirflowOptions(default_args={"retries": 3})
    with pytest.raises(
        ExportError, match=r"default_args\['retries'\]: not allowed: pypedream sets it"
    ):
        export_airflow(SEED, tmp_path, options=options)
