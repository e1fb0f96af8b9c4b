"""Compile pypedream pipelines into Apache Airflow DAG files, and run those files in Airflow."""
