"""DAG 'pp_frame': one task returning a pandas DataFrame (needs pandas and pyarrow)."""

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow.models.dag import DAG
try:
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:
    from airflow.operators.python import PythonOperator


def frame():
    import pandas as pd

    return pd.DataFrame({"x": [1, 2], "y": [0.5, 1.5]})


with DAG("pp_frame", schedule=None) as dag:
    PythonOperator(task_id="frame", python_callable=frame)
