"""The parity harness: run pipelines natively and through real Airflow, compare every stage.

`harness` (export, run both sides, pair the results), `compare` (the exact value comparator),
`report` (the table and JSON). Public entry points: `pypedream_compiler.run_parity` and
`pypedream_compiler.testing`.
"""
