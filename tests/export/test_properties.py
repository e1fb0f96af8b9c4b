"""Properties of the text export writes, for any input (Hypothesis)."""

from __future__ import annotations

import ast
import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pypedream_compiler.codegen.ids import airflow_id, dag_file_name, python_names
from pypedream_compiler.codegen.literal import py_literal, py_text, py_value

from pypedream.definition.airflow_options import AirflowOptions, airflow_option_problems

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)


@given(texts)
def test_a_string_literal_reads_back_as_the_text(text: str) -> None:
    assert ast.literal_eval(py_literal(text)) == text


@given(texts, st.integers(0, 12), st.integers(0, 40))
def test_long_and_multi_line_text_reads_back_as_the_text(
    text: str, indent: int, before: int
) -> None:
    assert ast.literal_eval(py_text(text, indent, before, 1)) == text


@given(st.timedeltas(min_value=dt.timedelta(0)))
def test_a_timedelta_reads_back_as_itself(delta: dt.timedelta) -> None:
    assert eval(py_value(delta), {"datetime": dt}) == delta


@given(texts.filter(str.strip))
def test_a_dag_file_name_is_visible_and_fits_a_file_system(name: str) -> None:
    file_name = dag_file_name(airflow_id(name))
    assert not file_name.startswith(".")
    assert file_name.endswith(".py")
    assert len(file_name.encode()) <= 255


@given(st.lists(texts, unique=True, max_size=20))
def test_python_names_are_distinct_identifiers_preferring_task_ids(keys: list[str]) -> None:
    preferred = {key: airflow_id(key) if key.strip() else "x" for key in keys}
    names = python_names(keys, frozenset({"dag", "DAG"}), preferred)
    assert list(names) == keys
    assert len(set(names.values())) == len(keys)
    assert all(name.isidentifier() and name not in {"dag", "DAG"} for name in names.values())


anything: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    texts,
    st.lists(st.one_of(st.integers(), texts), max_size=3),
    st.dictionaries(texts, st.one_of(st.integers(), texts, st.none()), max_size=3),
    st.timedeltas(),
)


@settings(max_examples=300)
@given(
    schedule=anything,
    tags=anything,
    max_active_runs=anything,
    description=anything,
    default_args=st.dictionaries(
        st.sampled_from(["pool", "email", "execution_timeout", "queue", "nope", "retries"]),
        anything,
        max_size=3,
    ),
)
def test_the_option_check_reports_problems_and_never_crashes(
    schedule: Any, tags: Any, max_active_runs: Any, description: Any, default_args: Any
) -> None:
    options = AirflowOptions(
        schedule=schedule,
        tags=tags,
        max_active_runs=max_active_runs,
        description=description,
        default_args=default_args,
    )
    problems = airflow_option_problems(options)
    assert all(isinstance(problem, str) and problem for problem in problems)
