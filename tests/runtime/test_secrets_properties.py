"""Properties of the masking rule (Hypothesis): a known secret never survives in any spelling."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from pypedream.definition.secrets import MASK, Redactor, is_sensitive_key

# "*" is left out: the mask itself must not be able to spell a secret.
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="*"), max_size=40)
_SECRET = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="*"), min_size=5, max_size=20
)


@given(secret=_SECRET, before=_TEXT, after=_TEXT)
def test_a_secret_never_survives_in_text_json_or_repr(secret: str, before: str, after: str) -> None:
    redactor = Redactor([secret])
    text = before + secret + after
    assert secret not in redactor.text(text)
    assert json.dumps(secret, ensure_ascii=False)[1:-1] not in redactor.text(
        json.dumps(text, ensure_ascii=False)
    )
    assert repr(secret)[1:-1] not in redactor.text(repr(text))
    assert MASK in redactor.text(text)


@given(secret=_SECRET, key=st.sampled_from(["value", "rows", "note"]), nested=_TEXT)
def test_a_secret_never_survives_in_nested_data(secret: str, key: str, nested: str) -> None:
    data = {key: [nested + secret, (secret,), {"inner": {secret}}]}
    shown = Redactor([secret]).value(data)
    assert secret not in repr(shown)


@given(text=_TEXT)
def test_text_without_a_secret_is_unchanged(text: str) -> None:
    assert Redactor().text(text) == text
    assert Redactor(["zzzzzzzz-not-there"]).text(text.replace("zzzzzzzz-not-there", "")) == (
        text.replace("zzzzzzzz-not-there", "")
    )


@given(
    prefix=st.from_regex(r"[a-z]{0,6}_?", fullmatch=True),
    name=st.sampled_from(
        ["password", "token", "api_key", "secret", "private_key", "authorization"]
    ),
)
def test_a_sensitive_name_inside_any_key_is_sensitive(prefix: str, name: str) -> None:
    assert is_sensitive_key(prefix + name)
    assert is_sensitive_key((prefix + name).upper().replace("_", "-"))
