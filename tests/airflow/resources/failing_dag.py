"""DAG 'pp_failing': ok -> boom (raises) -> after."""

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow.models.dag import DAG
try:
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:
    from airflow.operators.python import PythonOperator


def ok():
    return 1


def boom():
    raise ValueError("boom from pp_failing")


with DAG("pp_failing", schedule=None, default_args={"retries": 0}) as dag:
    (
        PythonOperator(task_id="ok", python_callable=ok)
        >> PythonOperator(task_id="boom", python_callable=boom)
        >> PythonOperator(task_id="after", python_callable=ok)
    )
