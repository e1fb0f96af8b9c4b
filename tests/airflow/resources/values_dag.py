"""DAG 'pp_values': tasks returning one value of each kind, params, a mapped task and a log line."""

import datetime
import logging

try:
    from airflow.sdk import DAG, Param
except ImportError:
    from airflow.models.dag import DAG
    from airflow.models.param import Param
try:
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:
    from airflow.operators.python import PythonOperator

RETURNS = {
    "an_int": 7,
    "a_float": 2.5,
    "integral_float": 25.0,
    "nested_float": [25.0],
    "digits": "123",
    "a_dict": {"b": 1, "a": 2.0},
    "a_tuple": (1, "x"),
    "a_list": [1, [2, 3]],
    "nothing": None,
    "a_date": datetime.date(2024, 1, 2),
    "a_datetime": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
}


def _constant(value):
    return lambda: value


def show_params(params):
    return {"n": params["n"], "label": params["label"]}


def consume(ti):
    top = ti.xcom_pull(task_ids="integral_float")
    nested = ti.xcom_pull(task_ids="nested_float")
    return {"top": repr(top), "nested": repr(nested)}


def square(x):
    return x * x


def log_line():
    logging.getLogger("pypedream.example").warning("pypedream-log-marker stage=log_line")
    print("pypedream-print-marker")
    return "logged"


with DAG(
    "pp_values",
    schedule=None,
    params={"n": Param(1, type="integer"), "label": Param("default", type="string")},
) as dag:
    for task_id, value in RETURNS.items():
        PythonOperator(task_id=task_id, python_callable=_constant(value))
    PythonOperator(
        task_id="split", python_callable=_constant({"m": 5.0, "s": "x"}), multiple_outputs=True
    )
    PythonOperator(task_id="show_params", python_callable=show_params)
    PythonOperator(task_id="log_line", python_callable=log_line)
    consumer = PythonOperator(task_id="consume", python_callable=consume)
    dag.get_task("integral_float") >> consumer
    dag.get_task("nested_float") >> consumer
    PythonOperator.partial(task_id="square", python_callable=square).expand(op_args=[[1], [2], [3]])
