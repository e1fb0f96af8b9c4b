"""The native executor against Hamilton, and mapped stages (issue 10's targets).

    python -m tests.benchmarks.bench_executor [--json] [--quick] [--before SRC]

For the 500-stage chain, the 10 x 50 lattice and 500 sources into one sink (logs off):
per-stage overhead = (median run - median plain loop making the same calls) / stages, for
pypedream and for Hamilton (sf-hamilton, the `bench` dependency group), and their ratio:
once in interleaved rounds in this process (as issue 10 measured it; running Hamilton between
pypedream's runs slows pypedream's by about 15%, importing it does not), and once with each
side in its own fresh process, the processes taking turns. `--before SRC` adds pypedream from
the sources in SRC (e.g. an exported older commit) to those turns: a before/after in one run.
A mapped stage over 100,000 items: overhead per item, and traced memory per item at 10,000 and
100,000 items.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pypedream import Pipeline, Stage
from pypedream.input import dependency

from . import hamilton_peer, pipelines
from ._timing import Row, machine_speed, parse_arguments, print_report, source_revision

TARGET_US = 3.0
TARGET_RATIO = 1.5
MAP_ITEMS = 100_000
MAP_TARGET_US = 5.0
ROOT = Path(__file__).resolve().parents[2]


def _shapes() -> list[tuple[str, Callable[[], Pipeline], int, Callable[[], Any]]]:
    """(label, pipeline factory, stages, plain loop making the same calls)."""

    def chain_plain() -> int:
        x = pipelines.increment(0)
        for _ in range(499):
            x = pipelines.increment(x)
        return x

    upstream = pipelines.lattice_upstream(10, 50)

    def lattice_plain() -> int:
        values: dict[str, int] = {}
        for key, above in upstream.items():
            if above:
                values[key] = pipelines.total(**{f"v{i}": values[u] for i, u in enumerate(above)})
            else:
                values[key] = pipelines.identity(1)
        return len(values)

    def fan_in_plain() -> int:
        values = {f"v{i}": pipelines.identity(i) for i in range(500)}
        return pipelines.total(**values)

    return [
        ("500-stage chain", lambda: pipelines.chain(500), 500, chain_plain),
        ("10 x 50 lattice", lambda: pipelines.lattice(10, 50), 500, lattice_plain),
        ("500 sources -> sink", lambda: pipelines.fan_in(500), 501, fan_in_plain),
    ]


def _hamilton(label: str) -> Callable[[], Any]:
    if label.startswith("500-stage"):
        return hamilton_peer.chain(500)
    if label.startswith("10 x 50"):
        return hamilton_peer.lattice(10, 50)
    return hamilton_peer.fan_in(500)


def _timed(call: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def interleaved(calls: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Median seconds per call, the calls taking turns round by round (after a warm-up)."""
    for call in calls.values():
        call()
        call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            samples[name].append(_timed(call))
    return {name: statistics.median(values) for name, values in samples.items()}


def measure_shapes(rounds: int) -> tuple[list[Row], dict[str, float]]:
    rows: list[Row] = []
    ours: dict[str, float] = {}
    peer = hamilton_peer.available()
    for label, factory, stages, plain in _shapes():
        pipeline = factory()
        calls: dict[str, Callable[[], Any]] = {"plain": plain, "pypedream": pipeline.run}
        if peer:
            calls["hamilton"] = _hamilton(label)
        medians = interleaved(calls, rounds)
        overhead = (medians["pypedream"] - medians["plain"]) / stages * 1e6
        ours[label] = overhead
        rows.append(
            Row(
                f"{label}: pypedream overhead per stage (same process)",
                None,
                overhead,
                "us",
                f"<= {TARGET_US:g} us",
                overhead <= TARGET_US,
                f"run median {medians['pypedream'] * 1e3:.2f} ms; plain loop "
                f"{medians['plain'] * 1e6:.0f} us",
            )
        )
        if not peer:
            continue
        theirs = (medians["hamilton"] - medians["plain"]) / stages * 1e6
        ratio = theirs / overhead
        rows.append(Row(f"{label}: Hamilton overhead per stage", None, theirs, "us"))
        rows.append(
            Row(
                f"{label}: Hamilton / pypedream (same process)",
                None,
                ratio,
                "x",
                f">= {TARGET_RATIO:g}x",
                ratio >= TARGET_RATIO,
                f"Hamilton run median {medians['hamilton'] * 1e3:.2f} ms",
            )
        )
    if not peer:
        rows.append(
            Row("Hamilton", None, None, "", "installed", False, "uv pip install sf-hamilton")
        )
    return rows, ours


_CHILD = """
import json, sys
sys.path.append({root!r})  # after PYTHONPATH: pypedream comes from the source tree given
from tests.benchmarks import bench_executor as b
import pypedream
assert pypedream.__file__.startswith({source!r}), pypedream.__file__
medians = {{}}
for label, factory, stages, plain in b._shapes():
    run = b._hamilton(label) if {which!r} == "hamilton" else factory().run
    m = b.interleaved({{"plain": plain, "run": run}}, {rounds})
    medians[label] = (m["run"] - m["plain"]) / stages * 1e6
print(json.dumps(medians))
"""


def _child(source: Path, rounds: int, which: str = "pypedream") -> dict[str, float]:
    """Per-stage overheads of `which` ("pypedream" imported from `source`, or "hamilton")
    in a fresh process that loads nothing of the other."""
    code = _CHILD.format(root=str(ROOT), rounds=rounds, source=str(source), which=which)
    env = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=source,  # `python -c` puts the working directory first on sys.path
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_processes(before: Path | None, turns: int, rounds: int) -> list[Row]:
    """Each side in its own fresh process (no library loaded beside it), the processes
    taking turns; medians over the turns. `before`: also pypedream from that source tree."""
    sides = [("after", ROOT, "pypedream")]
    if hamilton_peer.available():
        sides.append(("hamilton", ROOT, "hamilton"))
    if before is not None:
        sides.insert(0, ("before", before, "pypedream"))
    samples: dict[str, dict[str, list[float]]] = {name: {} for name, _, _ in sides}
    for _ in range(turns):
        for name, source, which in sides:
            for label, value in _child(source, rounds, which).items():
                samples[name].setdefault(label, []).append(value)
    rows = []
    for label in samples["after"]:
        ours = statistics.median(samples["after"][label])
        rows.append(
            Row(
                f"{label}: pypedream overhead per stage (own process)",
                None,
                ours,
                "us",
                f"<= {TARGET_US:g} us",
                ours <= TARGET_US,
            )
        )
        if "hamilton" in samples:
            theirs = statistics.median(samples["hamilton"][label])
            rows.append(
                Row(
                    f"{label}: Hamilton / pypedream (own processes)",
                    None,
                    theirs / ours,
                    "x",
                    f">= {TARGET_RATIO:g}x",
                    theirs / ours >= TARGET_RATIO,
                    f"Hamilton overhead per stage {theirs:.2f} us",
                )
            )
        if "before" in samples:
            old = statistics.median(samples["before"][label])
            rows.append(
                Row(
                    f"{label}: overhead per stage, before -> after",
                    old,
                    ours,
                    "us",
                    note=f"before {old:.2f} us, after {ours:.2f} us ({old / ours:.2f}x "
                    "faster); 'min' column shows before",
                )
            )
    return rows


def _map_pipeline(items: int) -> Pipeline:
    return Pipeline(
        f"map_{items}",
        stages={
            "items": Stage(lambda: list(range(items))),
            "each": Stage(pipelines.identity, [dependency("items", as_arg="v")], map_over="v"),
        },
        log_settings=None,
    )


def measure_map(rounds: int) -> list[Row]:
    pipeline = _map_pipeline(MAP_ITEMS)
    items = list(range(MAP_ITEMS))

    def plain() -> list[int]:
        source = list(range(MAP_ITEMS))
        return [pipelines.identity(v) for v in source]

    medians = interleaved(
        {"plain": plain, "run": lambda: pipeline.run(max_map_length=MAP_ITEMS)}, rounds
    )
    per_item = (medians["run"] - medians["plain"]) / len(items) * 1e6
    rows = [
        Row(
            f"map over {MAP_ITEMS:,} items: overhead per item",
            None,
            per_item,
            "us",
            f"<= {MAP_TARGET_US:g} us",
            per_item <= MAP_TARGET_US,
            f"run median {medians['run'] * 1e3:.0f} ms; plain loop {medians['plain'] * 1e3:.1f} ms",
        )
    ]
    peaks = {}
    for count in (10_000, 100_000):
        small = _map_pipeline(count)
        small.run(max_map_length=count)
        gc.collect()
        tracemalloc.start()
        small.run(max_map_length=count)
        peaks[count] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    ratio = peaks[100_000] / peaks[10_000]
    rows.append(
        Row(
            "map: traced peak memory per item at 10k / 100k items",
            peaks[10_000] / 10_000,
            peaks[100_000] / 100_000,
            "B",
            "linear (100k/10k peak ~10x)",
            ratio <= 12,
            f"peaks {peaks[10_000] / 1e6:.1f} MB and {peaks[100_000] / 1e6:.1f} MB "
            f"({ratio:.1f}x); 'min' column is at 10k",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    before = None
    if "--before" in args_list:
        at = args_list.index("--before")
        before = Path(args_list[at + 1]).resolve()
        del args_list[at : at + 2]
    args = parse_arguments(__doc__, args_list, quick_help="fewer rounds", profile=False)
    rounds = 5 if args.quick else 21
    load_before = os.getloadavg()
    speed_before = machine_speed()
    rows, _ = measure_shapes(rounds)
    rows += measure_processes(before, 2 if args.quick else 5, 5 if args.quick else 11)
    rows += measure_map(3 if args.quick else 7)
    context = {
        "python": f"{platform.python_version()} ({sys.executable})",
        "cpus": os.cpu_count(),
        "source": source_revision(),
        "machine speed at start / end": f"{speed_before} / {machine_speed()}",
        "load average (1, 5, 15 min) at start / end": " ".join(f"{x:.2f}" for x in load_before)
        + " / "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "rounds": f"{rounds} interleaved rounds per shape (plain loop, pypedream, Hamilton), "
        "medians; verdicts judged on the median",
        "lattice": "10 wide, 50 deep; each stage reads its column and both neighbours above",
    }
    print_report("pypedream executor vs Hamilton, and maps (issue 10)", rows, context, args.json)
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
