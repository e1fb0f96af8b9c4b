"""Which user classes the value codec may rebuild from an encoded value: the type allowlist.

A pypedream XCom is data anyone with XCom write access can change, so the decoder trusts no
class name in it. It rebuilds a user `Enum`, dataclass or namedtuple only when its
`module.QualName` is allowed here, and it imports a module only after that check.

The allowlist of a pipeline (`pipeline_allowlist`) is the union of

- the top-level package of the module that defines the pipeline (`Pipeline.defined_in`);
- `AirflowOptions(allowed_types=...)`: classes, module or package names, glob patterns;
- Airflow's `[core] allowed_deserialization_classes` (glob patterns) and
  `allowed_deserialization_classes_regexp` (regular expressions, matched in full), read from
  their `AIRFLOW__CORE__...` environment variables, because the worker never imports Airflow.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AIRFLOW_CLASSES_ENV",
    "AIRFLOW_REGEXP_ENV",
    "NO_TYPES",
    "TypeAllowlist",
    "pipeline_allowlist",
]

AIRFLOW_CLASSES_ENV = "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES"
AIRFLOW_REGEXP_ENV = "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES_REGEXP"
_GLOB_CHARS = frozenset("*?[")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_safe_path(dotted: str) -> bool:
    """True for `a.b.C`-like names of identifiers, none of them a dunder."""
    parts = dotted.split(".")
    return all(_NAME.fullmatch(part) and not part.startswith("__") for part in parts)


@dataclass(frozen=True)
class TypeAllowlist:
    """Allowed user classes, by `module.QualName`.

    `names`: a module or package allows every class under it; a full class name allows that
    class. `globs`: `fnmatch` patterns on the full class name (Airflow's
    `allowed_deserialization_classes` semantics). `regexps`: regular expressions that must
    match the full class name.
    """

    names: frozenset[str] = frozenset()
    globs: tuple[str, ...] = ()
    regexps: tuple[str, ...] = ()

    @classmethod
    def of(cls, *entries: str | type) -> TypeAllowlist:
        """An allowlist of classes, module/package names and glob patterns."""
        names: set[str] = set()
        globs: list[str] = []
        for entry in entries:
            if isinstance(entry, type):
                names.add(f"{entry.__module__}.{entry.__qualname__}")
            elif isinstance(entry, str) and _GLOB_CHARS & set(entry):
                globs.append(entry)
            elif isinstance(entry, str) and entry:
                names.add(entry)
            else:
                raise TypeError(
                    f"allowed type {entry!r}: expected a class, a module or package name, "
                    "or a glob pattern such as 'mypackage.models.*'"
                )
        return cls(frozenset(names), tuple(globs))

    @classmethod
    def from_airflow_environment(cls, environ: Any = None) -> TypeAllowlist:
        """Airflow's `[core] allowed_deserialization_classes(_regexp)` from the environment."""
        environ = os.environ if environ is None else environ
        globs = tuple(environ.get(AIRFLOW_CLASSES_ENV, "").split())
        regexps = tuple(environ.get(AIRFLOW_REGEXP_ENV, "").split())
        for pattern in regexps:
            try:
                re.compile(pattern)
            except re.error as problem:
                raise ValueError(
                    f"{AIRFLOW_REGEXP_ENV}: bad pattern {pattern!r}: {problem}"
                ) from None
        return cls(globs=globs, regexps=regexps)

    def union(self, *others: TypeAllowlist) -> TypeAllowlist:
        names, globs, regexps = set(self.names), list(self.globs), list(self.regexps)
        for other in others:
            names |= other.names
            globs += [g for g in other.globs if g not in globs]
            regexps += [r for r in other.regexps if r not in regexps]
        return TypeAllowlist(frozenset(names), tuple(globs), tuple(regexps))

    def allows(self, module: str, qualname: str) -> bool:
        """True when the class `qualname` of `module` may be rebuilt (and `module` imported)."""
        if not (is_safe_path(module) and is_safe_path(qualname)):
            return False
        full = f"{module}.{qualname}"
        for name in self.names:
            if full == name or module == name or module.startswith(name + "."):
                return True
        if any(fnmatch.fnmatchcase(full, pattern) for pattern in self.globs):
            return True
        return any(re.fullmatch(pattern, full) for pattern in self.regexps)

    def describe(self) -> str:
        parts = sorted(self.names) + list(self.globs) + [f"re:{r}" for r in self.regexps]
        return ", ".join(parts) or "(nothing)"


NO_TYPES = TypeAllowlist()
"""Admits no user class: builtins, the standard-library types and pandas/numpy only."""


def _package(module: str | None) -> Iterable[str]:
    if not module or module == "__main__":
        return ()
    return (module.split(".")[0],)


def pipeline_allowlist(pipeline: Any, environ: Any = None) -> TypeAllowlist:
    """The allowlist of `pipeline`: its own package, its AirflowOptions, Airflow's setting."""
    own = TypeAllowlist(frozenset(_package(getattr(pipeline, "defined_in", None))))
    extra = getattr(getattr(pipeline, "airflow", None), "allowed_types", ()) or ()
    return own.union(TypeAllowlist.of(*extra), TypeAllowlist.from_airflow_environment(environ))
