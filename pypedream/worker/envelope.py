"""The XComs a pypedream task writes, and the one reader and writer of its envelope.

A task pushes:

- `ENVELOPE_KEY` ("pypedream"): the envelope, `pypedream:v1:{"outputs": {...}, "variables": {...}}`
  with every value as a `value_codec` tree. Downstream pypedream tasks read only this. Files
  exported earlier rely on this format: change it only with a new version prefix that
  `read_envelope` still reads alongside the old one.
- `RETURN_VALUE_KEY` ("return_value"): the stage's plain return value, for Airflow-native
  consumers (skipped for None, which Airflow does not store);
- with an output mapper, each named output under its own key, except the reserved keys.

Signing: when the deployment secret `PYPEDREAM_ENVELOPE_KEY` is set (on every worker), the
envelope is written as `pypedream:v1-hmac-sha256:<hex mac>:<json>`, the JSON names the task
that wrote it (`scope`), and readers refuse unsigned, modified or misplaced envelopes. Without
the secret, envelopes are unsigned and a signed one is refused (the reader cannot check it).

`dev-airflow/airflow_dev.py` keeps a standard-library copy of `read_envelope`; a test pins it
against this one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

from pypedream.worker.allowlist import NO_TYPES, TypeAllowlist
from pypedream.worker.value_codec import (
    PREFIX,
    UntrustedValueError,
    dump_json,
    from_tree,
    load_json,
)

__all__ = [
    "ENVELOPE_KEY",
    "ENVELOPE_SECRET_ENV",
    "RESERVED_XCOM_KEYS",
    "RETURN_VALUE_KEY",
    "SIGNED_PREFIX",
    "EnvelopeSignatureError",
    "airflow_xcom_pushes",
    "envelope_outputs",
    "read_envelope",
    "write_envelope",
]

ENVELOPE_KEY = "pypedream"
RETURN_VALUE_KEY = "return_value"
RESERVED_XCOM_KEYS = frozenset({RETURN_VALUE_KEY, ENVELOPE_KEY})
"""Output names that never get an XCom of their own (they would overwrite these)."""
ENVELOPE_SECRET_ENV = "PYPEDREAM_ENVELOPE_KEY"
SIGNED_PREFIX = "pypedream:v1-hmac-sha256:"


class EnvelopeSignatureError(UntrustedValueError):
    """An envelope's signature is missing, wrong, or cannot be checked on this worker."""

    def __init__(self, why: str) -> None:
        super().__init__("", why)


def _secret(secret: str | None) -> bytes | None:
    value = os.environ.get(ENVELOPE_SECRET_ENV, "") if secret is None else secret
    return value.encode() if value else None


def _mac(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def write_envelope(
    outputs: Mapping[str, Any],
    variables: Mapping[str, Any],
    *,
    scope: Mapping[str, str] | None = None,
    secret: str | None = None,
) -> str:
    """The envelope string: output value trees and the variable writes visible downstream.

    Signed with `secret` (default: $PYPEDREAM_ENVELOPE_KEY) when there is one; `scope`
    (dag_id, run_id, task_id) is then part of what is signed.
    """
    envelope: dict[str, Any] = {"outputs": outputs, "variables": variables}
    key = _secret(secret)
    if key is None:
        return PREFIX + dump_json(envelope)
    if scope is not None:
        envelope["scope"] = dict(scope)
    text = dump_json(envelope)
    return f"{SIGNED_PREFIX}{_mac(key, text)}:{text}"


def read_envelope(text: str, *, secret: str | None = None) -> dict[str, Any]:
    """Inverse of `write_envelope` (values still as `value_codec` trees), shape checked.

    Raises EnvelopeSignatureError when signing is configured and the signature is missing or
    wrong (or the envelope is signed and no secret is configured), UntrustedValueError when it
    is malformed.
    """
    if not isinstance(text, str):
        raise UntrustedValueError("", f"not a pypedream envelope: {str(text)[:40]!r}")
    key = _secret(secret)
    if text.startswith(SIGNED_PREFIX):
        mac, _, body = text[len(SIGNED_PREFIX) :].partition(":")
        if key is None:
            raise EnvelopeSignatureError(
                f"the envelope is signed, but {ENVELOPE_SECRET_ENV} is not set on this worker"
            )
        if not hmac.compare_digest(mac, _mac(key, body)):
            raise EnvelopeSignatureError(
                "the envelope's signature does not match: it was modified, or written with "
                f"another {ENVELOPE_SECRET_ENV}"
            )
    elif text.startswith(PREFIX):
        if key is not None:
            raise EnvelopeSignatureError(
                f"the envelope is not signed, but {ENVELOPE_SECRET_ENV} is set: every "
                "pypedream task of this deployment signs its envelope"
            )
        body = text[len(PREFIX) :]
    else:
        raise UntrustedValueError("", f"not a pypedream envelope: {text[:40]!r}")
    envelope = load_json(body)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("outputs"), dict):
        raise UntrustedValueError("", "not a pypedream envelope: no 'outputs' mapping")
    variables = envelope.setdefault("variables", {})
    if not isinstance(variables, dict) or not all(_write_entry(e) for e in variables.values()):
        raise UntrustedValueError("", "not a pypedream envelope: malformed 'variables'")
    return envelope


def _write_entry(entry: Any) -> bool:
    """[writer stage index] (deleted) or [writer stage index, value tree]."""
    return type(entry) is list and len(entry) in (1, 2) and type(entry[0]) is int


def envelope_outputs(text: str, allow: TypeAllowlist = NO_TYPES) -> dict[str, Any]:
    """The stage outputs a task handed on, decoded to exact values."""
    return {name: from_tree(tree, allow) for name, tree in read_envelope(text)["outputs"].items()}


def airflow_xcom_pushes(
    return_value: Any, outputs: Mapping[str, Any], custom_outputs: bool
) -> list[tuple[str, Any]]:
    """The idiomatic XComs a task pushes besides the envelope, as (key, value) pairs."""
    pushes: list[tuple[str, Any]] = []
    if return_value is not None:  # Airflow stores nothing for None
        pushes.append((RETURN_VALUE_KEY, return_value))
    if custom_outputs:
        pushes += [(k, v) for k, v in outputs.items() if k not in RESERVED_XCOM_KEYS]
    return pushes
