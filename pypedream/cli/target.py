"""Resolve a TARGET (`package.module:attr` or `path/to/file.py:attr`) to a Pipeline.

`load_pipeline` serves `run`; `load_reference` serves `export-airflow`, which also needs the
`module:attr` reference an Airflow worker will import (so a file is imported by module name).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import keyword
import os
import pkgutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from pypedream._suggest import did_you_mean
from pypedream.cli.errors import CliError
from pypedream.cli.report import format_traceback
from pypedream.definition.pipeline import Pipeline
from pypedream.errors import PypedreamError

__all__ = ["DEFAULT_ATTR", "load_pipeline", "load_reference", "split_target"]

DEFAULT_ATTR = "pipeline"

_FIX = "point TARGET at a Pipeline or at a function with no arguments that returns one"


def load_pipeline(target: str) -> Pipeline:
    """Import the module or file TARGET names and return its Pipeline (calling a factory)."""
    source, attr = split_target(target)
    if source.endswith(".py"):
        module = _import_file(target, source)
    elif "/" in source or os.sep in source:
        raise CliError(f"target {target!r}: {source!r} is not a .py file; {_FIX}")
    else:
        module = _import_module(target, source)
    attr = attr or _default_attr(target, module)
    return _as_pipeline(target, attr, _get_attr(target, module, attr))


def load_reference(target: str) -> tuple[Pipeline, str]:
    """The Pipeline TARGET names and its `module:attr` reference, loaded by that reference.

    A module TARGET with `:attr` is its own reference. A file is imported by its dotted module
    name relative to the current directory or a sys.path entry (as an Airflow worker must
    import it); a file outside all of them is an error.
    """
    source, attr = split_target(target)
    if source.endswith(".py"):
        path = _existing_file(target, source)
        name = _module_name(target, path)
        module = _import_module(target, name)
        loaded_file = getattr(module, "__file__", None)
        if not loaded_file or Path(loaded_file).resolve() != path:
            raise CliError(
                f"target {target!r}: the file's module name is {name!r}, but importing "
                f"{name!r} gives {loaded_file or 'a built-in module'}; rename the file"
            )
    elif "/" in source or os.sep in source:
        raise CliError(f"target {target!r}: {source!r} is not a .py file; {_FIX}")
    else:
        name = source
        module = _import_module(target, name)
    if attr is None:
        attr = _default_attr(target, module)
        reference = f"{name}:{attr}"
    else:
        reference = target if name == source else f"{name}:{attr}"
    return _as_pipeline(target, attr, _get_attr(target, module, attr)), reference


def split_target(target: str) -> tuple[str, str | None]:
    """`'pkg.mod:attr'` -> `('pkg.mod', 'attr')`; without `:attr` the attr is None."""
    source, colon, attr = target.rpartition(":")
    if not colon or "/" in attr or "\\" in attr:  # no colon, or a Windows drive letter
        if not target.strip():
            raise CliError(f"target is empty; {_FIX}, e.g. my_package.my_module:pipeline")
        return target, None
    if not source or not attr.strip():
        raise CliError(
            f"target {target!r}: expected MODULE:NAME or path/to/file.py:NAME, "
            f"e.g. my_package.my_module:pipeline"
        )
    return source, attr


def _import_module(target: str, name: str) -> ModuleType:
    cwd = os.getcwd()
    if "" not in sys.path and cwd not in sys.path:
        sys.path.insert(0, cwd)  # as `python -m` would: modules in the current directory import
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as problem:
        missing = problem.name or ""
        if missing and (name == missing or name.startswith(missing + ".")):
            fix = _suggest_module(missing) or "; fix the name, or give a file: path/to/file.py:NAME"
            raise CliError(
                f"target {target!r}: no module named {missing!r} in the current directory or "
                f"the installed packages{fix}"
            ) from None
        raise _import_failed(target, f"module {name!r}", problem) from None
    except Exception as problem:
        raise _import_failed(target, f"module {name!r}", problem) from None


def _existing_file(target: str, source: str) -> Path:
    path = Path(source).expanduser()
    if not path.is_file():
        raise CliError(
            f"target {target!r}: no file {source!r} (looked in {Path.cwd()}); fix the path"
        )
    return path.resolve()


def _module_name(target: str, path: Path) -> str:
    """The dotted name `path` imports as from the current directory or a sys.path entry.

    Prefers the deepest root at or above the file's outermost package (a directory with
    `__init__.py`), so relative imports inside the package keep working.
    """
    package_root = path.parent
    while (package_root / "__init__.py").is_file():
        package_root = package_root.parent
    parts_wanted = path.with_suffix("").parts if path.stem != "__init__" else path.parent.parts
    found: list[tuple[tuple[bool, int], str]] = []
    for entry in [os.getcwd(), *sys.path]:
        root = Path(entry or os.curdir).resolve()
        if not root.is_dir() or root not in path.parents:
            continue
        parts = parts_wanted[len(root.parts) :]
        if parts and all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
            below_package_root = package_root in root.parents  # breaks relative imports
            rank = -len(parts) if below_package_root else len(parts)
            found.append(((below_package_root, rank), ".".join(parts)))
    if found:
        return min(found)[1]
    raise CliError(
        f"target {target!r}: Airflow workers import the pipeline by module name, and {path} is "
        f"not importable from the current directory ({os.getcwd()}) or any sys.path entry "
        f"(or its path holds names that are not Python identifiers); put it in a package on "
        f"PYTHONPATH or in the Airflow dags folder and name it as package.module:NAME"
    )


def _import_file(target: str, source: str) -> ModuleType:
    path = _existing_file(target, source)
    name = path.stem
    loaded = sys.modules.get(name)
    if loaded is not None:
        loaded_file = getattr(loaded, "__file__", None)
        if loaded_file and Path(loaded_file).resolve() == path:
            return loaded
        raise CliError(
            f"target {target!r}: the file would be imported as module {name!r}, but a different "
            f"module {name!r} is already loaded (from {loaded_file or 'the interpreter'}); "
            f"rename the file"
        )
    directory = str(path.parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)  # so the file can import its neighbours
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has a loader
        raise CliError(f"target {target!r}: cannot load {source!r} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec, as an import does (dataclasses, pickle need it)
    try:
        spec.loader.exec_module(module)
    except BaseException as problem:
        sys.modules.pop(name, None)
        if not isinstance(problem, Exception):
            raise
        raise _import_failed(target, f"file {source!r}", problem) from None
    return module


def _import_failed(target: str, what: str, problem: Exception) -> CliError:
    return CliError(
        f"target {target!r}: importing {what} raised {type(problem).__name__}: {problem}\n"
        f"{format_traceback(problem)}"
    )


def _suggest_module(name: str) -> str:
    parent, _, leaf = name.rpartition(".")
    if parent:
        try:
            package = importlib.import_module(parent)
        except Exception:
            return ""
        found = [info.name for info in pkgutil.iter_modules(getattr(package, "__path__", []))]
        return did_you_mean(leaf, found).replace("mean '", f"mean '{parent}.", 1)
    return did_you_mean(name, [info.name for info in pkgutil.iter_modules()])


def _get_attr(target: str, module: ModuleType, attr: str) -> Any:
    found: Any = module
    parts = attr.split(".")
    for depth, part in enumerate(parts):
        try:
            found = getattr(found, part)
        except AttributeError:
            owner = module.__name__ if depth == 0 else ".".join(parts[:depth])
            names = [n for n in dir(found) if not n.startswith("_")]
            hint = did_you_mean(part, names)
            if not hint and depth == 0:
                pipelines = _pipelines_in(module)
                if pipelines:
                    hint = f" (it defines: {', '.join(pipelines)})"
            raise CliError(
                f"target {target!r}: {owner!r} has no attribute {part!r}{hint}"
            ) from None
    return found


def _pipelines_in(module: ModuleType) -> list[str]:
    return [
        name
        for name, value in vars(module).items()
        if isinstance(value, Pipeline) and not name.startswith("_")
    ]


def _default_attr(target: str, module: ModuleType) -> str:
    """Without `:attr`: the module's `pipeline`, else its only Pipeline."""
    if hasattr(module, DEFAULT_ATTR):
        return DEFAULT_ATTR
    pipelines = _pipelines_in(module)
    if len(pipelines) == 1:
        return pipelines[0]
    if not pipelines:
        raise CliError(
            f"target {target!r}: module {module.__name__!r} has no attribute {DEFAULT_ATTR!r} "
            f"and defines no Pipeline; name one: {target}:NAME"
        )
    raise CliError(
        f"target {target!r}: module {module.__name__!r} defines {len(pipelines)} pipelines "
        f"({', '.join(pipelines)}) and none named {DEFAULT_ATTR!r}; choose one: "
        f"{target}:{pipelines[0]}"
    )


def _as_pipeline(target: str, attr: str, value: Any) -> Pipeline:
    if isinstance(value, Pipeline):
        return value
    if not callable(value) or isinstance(value, type):
        raise CliError(f"target {target!r}: {attr!r} is {_kind(value)}, not a Pipeline; {_FIX}")
    try:
        inspect.signature(value).bind()
    except TypeError:
        raise CliError(
            f"target {target!r}: {attr}{_signature(value)} needs arguments; {_FIX}"
        ) from None
    except ValueError:  # no signature (some builtins): just try calling it
        pass
    try:
        made = value()
    except PypedreamError:
        raise  # a definition error: main prints its message
    except Exception as problem:
        raise CliError(
            f"target {target!r}: calling {attr}() raised {type(problem).__name__}: {problem}\n"
            f"{format_traceback(problem)}"
        ) from None
    if not isinstance(made, Pipeline):
        raise CliError(
            f"target {target!r}: {attr}() returned {_kind(made)}, not a Pipeline; {_FIX}"
        )
    return made


def _signature(value: Any) -> str:
    try:
        return str(inspect.signature(value))
    except (TypeError, ValueError):  # pragma: no cover
        return "(...)"


def _kind(value: Any) -> str:
    if isinstance(value, type):
        return f"the class {value.__name__}"
    return f"{type(value).__name__} ({value!r:.40})"
