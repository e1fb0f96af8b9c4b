"""What is masked, and how: secret parameter values and values under sensitive key names.

One home for the rule, used by logs, summaries, reprs, the readiness and parity reports, and
the export. Key names follow Airflow's secrets masker (`DEFAULT_SENSITIVE_FIELDS` of Airflow
3.3, matched the same way: lower-cased, non-word runs as `_`, then a substring test), so a
field called `api_token` is hidden natively as it is in Airflow's task logs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MASK", "SENSITIVE_KEY_NAMES", "Redactor", "is_sensitive_key"]

MASK = "***"

SENSITIVE_KEY_NAMES = frozenset(
    {
        "access_key",
        "access_token",
        "api_key",
        "apikey",
        "auth_header",
        "authorization",
        "bearer",
        "connection_string",
        "dsn",
        "passphrase",
        "passwd",
        "password",
        "private_key",
        "proxy_password",
        "secret",
        "service_account",
        "service_key",
        "token",
        "keyfile_dict",
        "webhook_url",
    }
)
"""Airflow's sensitive field names (its `proxy`/`proxies` entries are left out: they hide
ordinary URLs more often than secrets)."""

_MIN_LENGTH = 5  # Airflow's [logging] min_length_masked_secret: shorter values stay visible
_NON_WORD = re.compile(r"\W+")


def is_sensitive_key(name: object) -> bool:
    """True when a field called `name` holds a secret by Airflow's naming rule."""
    if not isinstance(name, str):
        return False
    normalized = _NON_WORD.sub("_", name.strip().lower())
    return any(part in normalized for part in SENSITIVE_KEY_NAMES)


class Redactor:
    """Masks given secret values inside any text, and values under sensitive key names.

    `secrets` are the values themselves (e.g. of `Parameter(secret=True)` parameters); each is
    also matched in its `repr` and JSON spellings, so a quoted or escaped copy is caught too.
    """

    __slots__ = ("_pattern",)

    def __init__(self, secrets: Iterable[Any] = ()) -> None:
        spellings: set[str] = set()
        for secret in secrets:
            text = secret if isinstance(secret, str) else str(secret)
            if len(text) < _MIN_LENGTH:
                continue
            spellings.add(text)
            spellings.add(repr(text)[1:-1])
            spellings.add(_json_inner(text))
        ordered = sorted(spellings, key=len, reverse=True)  # longest first: no partial leftovers
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @property
    def active(self) -> bool:
        """Whether any secret value is known (key-name masking applies regardless)."""
        return self._pattern is not None

    def text(self, text: str) -> str:
        """`text` with every secret value replaced by `***`."""
        if self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)

    def value(self, value: Any, key: object = None) -> Any:
        """A copy of `value` safe to show: sensitive keys masked, secrets masked in strings."""
        if key is not None and is_sensitive_key(key) and value is not None:
            return MASK
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            items = [self.value(item) for item in value]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, (set, frozenset)):
            return [self.value(item) for item in value]
        if self._pattern is not None and not isinstance(value, (int, float, bool, type(None))):
            shown = repr(value)
            masked = self.text(shown)
            if masked != shown:
                return masked
        return value

    def mapping(
        self, values: Mapping[str, Any], secret_names: Iterable[str] = ()
    ) -> dict[str, Any]:
        """`values` with the named secret entries and sensitive keys masked."""
        hidden = set(secret_names)
        return {
            name: MASK if name in hidden and value is not None else self.value(value, name)
            for name, value in values.items()
        }


def _json_inner(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)[1:-1]
