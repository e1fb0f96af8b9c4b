"""Jinja2 templates of the files `pypedream export-airflow` writes (package data)."""
