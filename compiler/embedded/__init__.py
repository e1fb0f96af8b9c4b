"""The embedded Airflow runner: run DAG files in a real Airflow with no server, report states
and XComs.

Standard library only (Airflow is imported lazily): it runs inside Airflow environments that
have neither Jinja2 nor libcst, as ``python -m pypedream_compiler.embedded.runner``.
import-linter enforces that it imports no Jinja2, libcst or other compiler area.
"""
