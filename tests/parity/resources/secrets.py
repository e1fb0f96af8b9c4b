"""A pipeline with a secret parameter, for the export and parity tests of secrets."""

from __future__ import annotations

from pypedream import Parameter, Parameters, Pipeline, Stage
from pypedream import logging as plog
from pypedream.input import param

DEFAULT_TOKEN = "default-token-7731"


def sign(token: str, city: str) -> str:
    plog.info(f"signing for {city} with {token}")
    return f"{city}:{len(token)}"


secretive = Pipeline(
    "secretive",
    Parameters.define(
        city="Lyon", token=Parameter(DEFAULT_TOKEN, description="API token", secret=True)
    ),
    stages={"sign": Stage(sign, inputs=[param("token", "token"), param("city", "city")])},
)

required_secret = Pipeline(
    "required_secret",
    Parameters.define(city="Lyon", token=Parameter(secret=True, type=str)),
    stages={"sign": Stage(sign, inputs=[param("token", "token"), param("city", "city")])},
)


def masked_by_airflow(token: str) -> bool:
    """Whether Airflow's own secrets masker hides `token` (run inside an Airflow task)."""
    try:  # Airflow 3
        from airflow.sdk._shared.secrets_masker import redact
    except ImportError:  # Airflow 2
        from airflow.utils.log.secrets_masker import redact
    return bool(redact(f"token {token}") == "token ***")


masker_probe = Pipeline(
    "masker_probe",
    Parameters.define(token=Parameter(DEFAULT_TOKEN, secret=True)),
    stages={"probe": Stage(masked_by_airflow, inputs=[param("token", "token")])},
)
