"""Shared benchmark helpers: repeat-and-summarise timing, result rows, the printed table."""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "Row",
    "Stats",
    "machine_speed",
    "parse_arguments",
    "print_report",
    "source_revision",
    "time_repeated",
]


@dataclass(frozen=True)
class Stats:
    """Seconds per call: the minimum and the median over `repeats` timed calls."""

    min: float
    median: float
    repeats: int

    @classmethod
    def of(cls, samples: list[float]) -> Stats:
        return cls(min(samples), statistics.median(samples), len(samples))


def time_repeated(
    call: Callable[[], Any],
    *,
    repeats: int,
    warmup: int = 1,
    setup: Callable[[], Any] | None = None,
) -> Stats:
    """Time `call()` `repeats` times after `warmup` untimed calls; `setup()` runs untimed first.

    The garbage collector stays on (a real run has it on) but starts each call from a clean slate.
    """
    for _ in range(warmup):
        if setup is not None:
            setup()
        call()
    samples = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        gc.collect()
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return Stats.of(samples)


@dataclass(frozen=True)
class Row:
    """One measured quantity; `target` and `passed` are set when it has a target."""

    name: str
    value_min: float | None
    value_median: float | None
    unit: str
    target: str = ""
    passed: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return "" if self.passed is None else ("PASS" if self.passed else "MISS")


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def print_report(title: str, rows: list[Row], context: dict[str, Any], as_json: bool) -> None:
    """A readable table (verdict judged on the median), or JSON with every field."""
    if as_json:
        payload = {"title": title, "context": context, "rows": [asdict(row) for row in rows]}
        print(json.dumps(payload, indent=2))
        return
    headers = ("measurement", "min", "median", "unit", "target", "verdict")
    table = [
        (row.name, _fmt(row.value_min), _fmt(row.value_median), row.unit, row.target, row.verdict)
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [headers, *table]) for i in range(len(headers))]
    print(title)
    for key, value in context.items():
        print(f"  {key}: {value}")
    print()
    line = "  ".join(
        f"{{:{'<' if i in (0, 3, 4) else '>'}{w}}}" for i, w in enumerate(widths)
    ).rstrip()
    print(line.format(*headers))
    print("  ".join("-" * w for w in widths))
    for row, cells in zip(rows, table, strict=True):
        print(line.format(*cells).rstrip())
        if row.note:
            print(f"    {row.note}")
    missed = [row.name for row in rows if row.passed is False]
    print()
    print(
        f"{sum(r.passed is True for r in rows)} PASS, {len(missed)} MISS"
        + (": " + "; ".join(missed) if missed else "")
    )


def source_revision() -> str:
    """The commit measured, flagging uncommitted changes to the code under test."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "pypedream", "compiler", "templates")
    return f"{commit} + uncommitted changes under test" if dirty else commit


def machine_speed() -> str:
    """How fast this machine runs plain Python now: nanoseconds per iteration of a fixed loop
    (a call, a small dict, a ContextVar set), median of 9 rounds. Compare it before comparing
    microseconds measured on different machines or days."""
    import contextvars

    variable: contextvars.ContextVar[dict[str, int]] = contextvars.ContextVar("reference")

    def step(value: int) -> dict[str, int]:
        return {"value": value, "next": value + 1}

    def loop() -> None:
        for value in range(100_000):
            variable.set(step(value))

    seconds = time_repeated(loop, repeats=9).median
    return f"{seconds / 100_000 * 1e9:.0f} ns per reference step (a call, a small dict, a set)"


def parse_arguments(
    doc: str, argv: list[str] | None, *, quick_help: str, profile: bool = True
) -> argparse.Namespace:
    """The options every benchmark script takes: --json, --quick and (optionally) --profile."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quick", action="store_true", help=quick_help)
    if profile:
        parser.add_argument(
            "--profile", action="store_true", help="also print cProfile top entries"
        )
    return parser.parse_args(argv)
