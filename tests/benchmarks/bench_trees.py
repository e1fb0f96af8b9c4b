"""Per-stage overhead (logs off) of two or more source trees, measured in interleaved rounds.

    python -m tests.benchmarks.bench_trees TREE [TREE ...] [--rounds N] [--json]

Use it to compare a change with what it replaces in the same run, e.g. the tree at another
commit: `git worktree add /tmp/before <rev>` then
`python -m tests.benchmarks.bench_trees /tmp/before .`. Each round runs every tree once, in a
fresh interpreter with that tree first on `sys.path`, timing a 500-stage chain and 500 sources
into one sink against the plain-Python loop making the same calls in that same process. The
medians over rounds are printed, with the load average seen before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

STAGES = 500

_PROBE = r"""
import json, sys, time
from pypedream import Pipeline, Stage
from pypedream.input import dependency, known

def increment(x): return x + 1
def identity(v): return v
def total(**values): return sum(values.values())

def best(fn, repeats):
    samples = []
    for _ in range(repeats):
        start = time.perf_counter(); fn(); samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2]

n = int(sys.argv[1])
chain = Pipeline("chain", stages={
    f"s{i}": Stage(increment, [known(0, "x")] if i == 0 else [dependency(f"s{i-1}", "x")])
    for i in range(n)}, log_settings=None)
fan = Pipeline("fan", stages={
    **{f"v{i}": Stage(identity, [known(i, "v")]) for i in range(n)},
    "sink": Stage(total, [dependency(f"v{i}", f"v{i}") for i in range(n)]),
}, log_settings=None)

def plain_chain():
    x = increment(0)
    for _ in range(1, n): x = increment(x)

def plain_fan():
    total(**{f"v{i}": identity(i) for i in range(n)})

chain.run(); fan.run()
result = {
    "chain": (best(chain.run, 30) - best(plain_chain, 150)) / n * 1e6,
    "fan_in": (best(fan.run, 30) - best(plain_fan, 150)) / (n + 1) * 1e6,
}
import pypedream
result["module"] = pypedream.__file__
print(json.dumps(result))
"""


def _measure(tree: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(STAGES)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    loaded = Path(data.pop("module")).resolve()
    if not loaded.is_relative_to(tree.resolve()):
        raise SystemExit(f"{tree}: imported pypedream from {loaded}, not from the tree")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    samples: dict[Path, list[dict[str, float]]] = {tree: [] for tree in args.trees}
    for _ in range(args.rounds):
        for tree in args.trees:
            samples[tree].append(_measure(tree))
    load_after = os.getloadavg()
    report = {
        str(tree): {
            shape: statistics.median(s[shape] for s in runs) for shape in ("chain", "fan_in")
        }
        for tree, runs in samples.items()
    }
    if args.json:
        print(json.dumps({"us_per_stage": report, "load": [load_before, load_after]}))
        return 0
    print(f"per-stage overhead, logs off, median of {args.rounds} interleaved rounds (µs)")
    for tree, row in report.items():
        print(f"  {tree:40}  chain {row['chain']:6.2f}   fan-in {row['fan_in']:6.2f}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
