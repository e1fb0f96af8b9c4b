"""A DAG file that fails at import: its error must show in the batch's import errors."""

from airflow import this_name_does_not_exist  # noqa: F401

DAG_ID = "pp_broken"
