"""Airflow ids and Python identifiers made safe, once, in the walk (never in a template)."""

from __future__ import annotations

import hashlib
import keyword
import re

__all__ = ["MAX_ID_LENGTH", "airflow_id", "dag_file_name", "is_airflow_id", "python_names"]

MAX_ID_LENGTH = 250
_VALID = re.compile(r"[A-Za-z0-9_.-]+")
_INVALID_RUN = re.compile(r"[^A-Za-z0-9_.-]+")


def is_airflow_id(text: str) -> bool:
    """True when Airflow accepts `text` as a dag_id or task_id unchanged."""
    return 0 < len(text) <= MAX_ID_LENGTH and _VALID.fullmatch(text) is not None


def airflow_id(text: str) -> str:
    """`text` if it is a valid id, else a deterministic safe form ("ok enough" -> "ok_enough").

    Runs of invalid characters become one "_"; an over-long or empty result is shortened and
    given a hash suffix so it stays unique and stable.
    """
    if is_airflow_id(text):
        return text
    safe = _INVALID_RUN.sub("_", text).strip("_")
    if not safe or len(safe) > MAX_ID_LENGTH:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        safe = f"{(safe or 'id')[: MAX_ID_LENGTH - 9]}_{digest}"
    return safe


def _usable(name: str, taken: set[str]) -> bool:
    return (
        name.isidentifier()
        and name.isascii()
        and not keyword.iskeyword(name)
        and not keyword.issoftkeyword(name)
        and name not in taken
    )


def dag_file_name(dag_id: str) -> str:
    """`<dag_id>.py`, without leading dots: a dotfile is hidden from people and tools.

    ".hidden" -> "hidden.py"; "..", which keeps nothing, -> "dag_<hash>.py".
    """
    stem = dag_id.lstrip(".")
    if not stem:
        stem = "dag_" + hashlib.sha256(dag_id.encode("utf-8")).hexdigest()[:8]
    return f"{stem}.py"


def python_names(
    keys: list[str], reserved: frozenset[str], preferred: dict[str, str] | None = None
) -> dict[str, str]:
    """A distinct, valid Python identifier for each key, readable where the key allows it.

    A key's `preferred` name (its task_id) is used when it is a free identifier, so the
    variable matches the task_id as Airflow's linters (ruff AIR001) expect.
    """
    names: dict[str, str] = {}
    taken = set(reserved)
    wanted = preferred or {}
    for key in keys:  # first every task_id that can be its own variable name
        if key in wanted and _usable(wanted[key], taken):
            taken.add(wanted[key])
            names[key] = wanted[key]
    for key in keys:
        if key in names:
            continue
        base = re.sub(r"\W+", "_", key, flags=re.ASCII).strip("_") or "stage"
        if base[0].isdigit():
            base = f"stage_{base}"
        if keyword.iskeyword(base) or keyword.issoftkeyword(base):
            base = f"{base}_"
        base = base[:60]
        name, counter = base, 2
        while name in taken:
            name, counter = f"{base}_{counter}", counter + 1
        taken.add(name)
        names[key] = name
    return {key: names[key] for key in keys}
