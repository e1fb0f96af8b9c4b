"""Execution: running a pipeline in this process.

The native executor (`executor`), the one stage runner every side shares (`stage_execution`),
the stage context and variable rules both sides call (`stage_context`, `variable_merge`), the
results (`result`, `summary`) and logging (`log_setup`, `console`). Reads definitions; never
imports the worker side, the compiler or Airflow.
"""
