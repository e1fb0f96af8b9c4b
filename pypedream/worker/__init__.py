"""Worker side: the code that runs inside Airflow tasks, on whatever host runs them.

Rules at this door (import-linter and tests enforce them):

- It never imports Airflow, Jinja2 or libcst: the task context is duck-typed, so the same code
  serves Airflow 2.10+ and 3.x, and a worker needs nothing but pypedream and the user's code.
- It is a versioned contract with DAG files exported earlier: `run_task`'s signature (pinned by
  `tests/worker/test_contract.py`), the XCom envelope (`envelope`: keys and the
  `pypedream:v1:` format, `pypedream:v1-hmac-sha256:` when signed) and the fingerprint
  (`fingerprint`) change only with a new version that still reads the old one.
- XCom contents are untrusted: the decoder (`value_codec`) rebuilds user classes only from the
  pipeline's type allowlist (`allowlist`) and never runs their code.
- Shared rules live once: the stage runs through `pypedream.execution.stage_execution` with the
  context `pypedream.execution.stage_context` sets, exactly as natively.

Modules: `task` (the entry point), `envelope` (XCom keys, the envelope's reader and writer),
`value_codec` (exact values as JSON trees), `allowlist` (which user classes it may rebuild),
`sameness` (the exact comparison the codec promises and parity reports), `transport`
(encoding outputs and variables for transport, used natively too with
`airflow_fidelity=True`), `params` (Airflow params back to Python values), `fingerprint` (is
the DAG file stale?), `readiness` (can each value travel?).
"""

from pypedream.worker.task import StaleDagError, run_task

__all__ = ["StaleDagError", "run_task"]
