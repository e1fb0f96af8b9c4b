"""Resolve a TARGET (`package.module:attr` or `path/to/file.py:attr`) to a Pipeline."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from pypedream._suggest import did_you_mean
from pypedream.cli.errors import CliError
from pypedream.cli.report import format_traceback
from pypedream.errors import PypedreamError
from pypedream.pipeline import Pipeline

__all__ = ["DEFAULT_ATTR", "load_pipeline", "split_target"]

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
    if attr is None:
        return _default_pipeline(target, module)
    return _as_pipeline(target, attr, _get_attr(target, module, attr))


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


def _import_file(target: str, source: str) -> ModuleType:
    path = Path(source).expanduser()
    if not path.is_file():
        raise CliError(
            f"target {target!r}: no file {source!r} (looked in {Path.cwd()}); fix the path"
        )
    path = path.resolve()
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


def _default_pipeline(target: str, module: ModuleType) -> Pipeline:
    """Without `:attr`: the module's `pipeline`, else its only Pipeline."""
    if hasattr(module, DEFAULT_ATTR):
        return _as_pipeline(target, DEFAULT_ATTR, getattr(module, DEFAULT_ATTR))
    pipelines = _pipelines_in(module)
    if len(pipelines) == 1:
        return getattr(module, pipelines[0])
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
