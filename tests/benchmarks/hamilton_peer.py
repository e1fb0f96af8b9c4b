"""The benchmark shapes as Hamilton dataflows (sf-hamilton, a benchmark-only dependency).

Hamilton builds its graph from a module's functions, so each shape is generated as source code
of one module: a function per stage whose parameters name its upstream stages.
"""

from __future__ import annotations

import itertools
import sys
import types
from collections.abc import Callable
from typing import Any

from . import pipelines

__all__ = ["available", "chain", "fan_in", "lattice"]


def available() -> bool:
    try:
        import hamilton.driver  # noqa: F401
    except ImportError:
        return False
    return True


def _module(name: str, source: str) -> types.ModuleType:
    module = types.ModuleType(name)
    sys.modules[name] = module  # Hamilton keeps only functions whose module it can find
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def _runner(module: types.ModuleType, outputs: list[str]) -> Callable[[], Any]:
    from hamilton import base, driver

    adapter = base.SimplePythonGraphAdapter(base.DictResult())
    built = driver.Driver({}, module, adapter=adapter)
    return lambda: built.execute(outputs)


def chain(n: int) -> Callable[[], Any]:
    """n functions, each `x + 1` of its predecessor (the first returns 1)."""
    keys = [pipelines.stage_key(i) for i in range(n)]
    lines = [f"def {keys[0]}() -> int:\n    return 1\n"]
    lines += [
        f"def {key}({prev}: int) -> int:\n    return {prev} + 1\n"
        for prev, key in itertools.pairwise(keys)
    ]
    return _runner(_module(f"hamilton_chain_{n}", "\n".join(lines)), [keys[-1]])


def fan_in(n: int) -> Callable[[], Any]:
    """n sources returning their index, and one `sink` summing them."""
    keys = [pipelines.stage_key(i) for i in range(n)]
    lines = [f"def {key}() -> int:\n    return {i}\n" for i, key in enumerate(keys)]
    arguments = ", ".join(f"{key}: int" for key in keys)
    lines.append(f"def sink({arguments}) -> int:\n    return {' + '.join(keys)}\n")
    return _runner(_module(f"hamilton_fan_in_{n}", "\n".join(lines)), ["sink"])


def lattice(width: int, depth: int) -> Callable[[], Any]:
    """The same lattice as `pipelines.lattice`, every stage requested (as a pipeline run does)."""
    upstream = pipelines.lattice_upstream(width, depth)
    lines = []
    for key, above in upstream.items():
        arguments = ", ".join(f"{up}: int" for up in above)
        body = " + ".join(above) if above else "1"
        lines.append(f"def {key}({arguments}) -> int:\n    return {body}\n")
    last_row = [key for key in upstream if key.startswith(f"r{depth - 1:02d}")]
    return _runner(_module(f"hamilton_lattice_{width}x{depth}", "\n".join(lines)), last_row)
