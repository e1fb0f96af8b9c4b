"""Cost of issue 8's safe, exact value transport against the codec it replaced.

    python -m tests.benchmarks.bench_codec [--json] [--quick]

Encodes and decodes the same values with this codec and with the one of commit 2d0607e
(read from git), in interleaved rounds (old, new, old, new, ...), and reports medians. The new
encoder checks every DataFrame by decoding it again, so frames cost about two decodes more.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pypedream.worker import value_codec

from ._timing import Row, parse_arguments, print_report, source_revision

OLD_COMMIT = "2d0607e"
ROOT = Path(__file__).resolve().parents[2]


def _old_codec() -> Any:
    source = subprocess.run(
        ["git", "show", f"{OLD_COMMIT}:pypedream/worker/value_codec.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="pp-bench-codec-")) / "old_value_codec.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_value_codec", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _values() -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    return {
        "DataFrame 100k x 3 float": pd.DataFrame(rng.random((100_000, 3)), columns=list("abc")),
        "10k records (dicts of scalars)": [
            {"id": i, "name": f"row {i}", "price": i * 0.5, "tags": ["a", "b"]}
            for i in range(10_000)
        ],
    }


def _interleaved(calls: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():  # warm-up
        call()
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            samples[name].append(time.perf_counter() - start)
    return samples


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(__doc__, argv, quick_help="fewer rounds (a smoke run)", profile=False)
    rounds = 3 if args.quick else 15
    old = _old_codec()
    rows: list[Row] = []
    for label, value in _values().items():
        old_text, new_text = old.encode(value), value_codec.encode(value)
        samples = _interleaved(
            {
                "encode old": lambda v=value: old.encode(v),
                "encode new": lambda v=value: value_codec.encode(v),
                "decode old": lambda t=old_text: old.decode(t),
                "decode new": lambda t=new_text: value_codec.decode(t),
            },
            rounds,
        )
        for name, times in samples.items():
            rows.append(
                Row(f"{label}: {name}", min(times) * 1e3, statistics.median(times) * 1e3, "ms")
            )
        rows.append(Row(f"{label}: size old/new", len(old_text), len(new_text), "chars"))
    context = {
        "python": f"{platform.python_version()} ({sys.executable})",
        "cpus": os.cpu_count(),
        "source": source_revision(),
        "compared with": OLD_COMMIT,
        "rounds": f"{rounds} interleaved after 1 warm-up (size row: min=old, median=new)",
        "load average (1, 5, 15 min) at the end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    print_report("pypedream value codec benchmark (issue 8)", rows, context, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
